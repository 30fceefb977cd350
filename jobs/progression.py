"""The progression job: levels, milestones and nominations from the ledger's new rows (a full
recompute when the last one is a day old), then the program metrics `stats` shows."""

from __future__ import annotations

from bot.app import Core, build_progression
from bot.services.stats import StatsService


def run(core: Core) -> str:
    levels = build_progression(core).recompute().summary()
    metrics = StatsService(core.sessions, core.now, core.settings).refresh()
    return f"{levels}; {metrics}"
