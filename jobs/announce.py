"""The announce job (after each crawl): queue one post in the announce channel per project that became
InnerSource-ready since the last run; the first run queues one summary instead
(bot/services/announcements.py)."""

from __future__ import annotations

from bot.app import Core
from bot.services.announcements import Announcer


def run(core: Core) -> str:
    return Announcer(core.sessions, core.settings, core.now).run().summary()
