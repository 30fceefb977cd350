"""The route-issues job: new good-first-issues x subscriptions → outbox rows, then the digests due now."""

from __future__ import annotations

from bot.app import Core, build_router


def run(core: Core) -> str:
    return build_router(core).route_all().summary()
