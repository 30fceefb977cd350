"""The digests job: the weekly maintainer digests due this hour, each in its maintainer's time zone."""

from __future__ import annotations

from bot.app import Core
from bot.services.digests import MaintainerDigests


def run(core: Core) -> str:
    return MaintainerDigests(core.sessions, core.now, core.settings).run().summary()
