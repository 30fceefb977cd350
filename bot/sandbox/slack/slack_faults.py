"""The fake Slack's fault injection for delivery tests: what the next call to a Web API method meets.

`fail_next` (429 with Retry-After, 5xx, or any answer), `hold_next` (answer when told: a slow Slack),
`delay_next` (answer after the client gave up: a timeout) and `drop_next` (close without answering),
the last two optionally after the call took effect. Each applies to one call, in order, then Slack
recovers. bot/sandbox/slack/fake_slack.py asks `plan(method)` for every request.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from bot.sandbox.slack.slack_http import Answer  # HTTP status, JSON body, extra headers


@dataclass(frozen=True)
class Plan:
    """What this call meets: a canned answer, or a delay and/or a dropped connection around the call."""

    answer: Answer | None = None
    delay: tuple[float, bool] | None = None  # seconds, and whether the call takes effect first
    drop: bool | None = None  # None: no drop; else whether the call takes effect before the drop


class SlackFaults:
    """Per-method queues of faults; shares the fake's condition so waiting tests see each change."""

    def __init__(self, cond: threading.Condition) -> None:
        self._cond = cond
        self._fails: dict[str, deque[Answer]] = {}
        self._holds: dict[str, deque[threading.Event]] = {}
        self._holding: dict[str, int] = {}  # requests waiting on a hold, by method
        self._delays: dict[str, deque[tuple[float, bool]]] = {}
        self._drops: dict[str, deque[bool]] = {}

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, body: Any = None
    ) -> None:
        """Answer the next call to `method` with `status` (Slack's 429 shape by default), then recover."""
        error = "ratelimited" if status == 429 else "fatal_error"
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        answer = body if body is not None else {"ok": False, "error": error}
        with self._cond:
            self._fails.setdefault(method, deque()).append((status, answer, headers))

    def hold_next(self, method: str) -> threading.Event:
        """Make the next call to `method` wait until the returned event is set (a slow Slack), then
        answer it normally. Waits at most 30 s, so a forgotten hold cannot hang a test run."""
        release = threading.Event()
        with self._cond:
            self._holds.setdefault(method, deque()).append(release)
        return release

    def holding(self, method: str) -> int:
        """How many calls to `method` are waiting on a `hold_next` now."""
        with self._cond:
            return self._holding.get(method, 0)

    def delay_next(self, method: str, seconds: float, *, effective: bool = True) -> None:
        """Answer the next call to `method` only after `seconds` (past the client's timeout, a
        timeout). `effective`: the call takes effect first (posted, but the answer is lost)."""
        with self._cond:
            self._delays.setdefault(method, deque()).append((seconds, effective))

    def drop_next(self, method: str, *, effective: bool = False) -> None:
        """Close the connection of the next call to `method` without an answer (a dropped
        connection); `effective`: after the call took effect."""
        with self._cond:
            self._drops.setdefault(method, deque()).append(effective)

    def plan(self, method: str) -> Plan:
        """Wait out a hold on this call, if any; then take what else is queued for it."""
        with self._cond:
            holds = self._holds.get(method)
            release = holds.popleft() if holds else None
            if release is not None:
                self._holding[method] = self._holding.get(method, 0) + 1
                self._cond.notify_all()
        if release is not None:
            release.wait(30)
            with self._cond:
                self._holding[method] -= 1
        with self._cond:
            fails = self._fails.get(method)
            if fails:
                return Plan(answer=fails.popleft())
            delays, drops = self._delays.get(method), self._drops.get(method)
            return Plan(delay=delays.popleft() if delays else None, drop=drops.popleft() if drops else None)
