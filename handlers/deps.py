"""What the listeners need, built once by the composition root (bot/app.py) and handed to `register_all`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.slack.users import UserGate

if TYPE_CHECKING:
    from bot.services.discovery import Discovery

ANSWER_DEADLINE_SECONDS = 2.0  # Slack waits 3 s for the acknowledgement; this leaves room for the trip


def _answer_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=16, thread_name_prefix="answer")


@dataclass(frozen=True)
class HandlerDeps:
    discovery: Discovery
    user_gate: UserGate
    answer_deadline: float = ANSWER_DEADLINE_SECONDS
    # Where command work runs, so a listener can stop waiting for it at the deadline and acknowledge.
    executor: ThreadPoolExecutor = field(default_factory=_answer_pool)
