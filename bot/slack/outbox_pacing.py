"""Slack's published Web API rates, and the pacing that keeps the deliverer under them.

Figures (docs.slack.dev/apis/web-api/rate-limits, "per API method per workspace per app"):
- chat.postMessage is "Special": "generally allows posting one message per second per channel, while
  also maintaining a workspace-wide limit"; short bursts over 1/s are allowed but not guaranteed.
- Tier 2 is "20+ per minute" (conversations.list); Tier 3 is "50+ per minute" (conversations.open,
  conversations.history for internal and Marketplace apps, conversations.join, users.lookupByEmail);
  Tier 4 is "100+ per minute" (users.info, views.publish, chat.postEphemeral).
- Slack publishes no number for the workspace-wide chat.postMessage limit. Our budget is
  WORKSPACE_MESSAGES_PER_MINUTE (20 a second, i.e. one a second in twenty DMs at once); an operator
  who knows better passes another figure to the Deliverer. The budget is per deliverer process.
The fake Slack (bot/sandbox/slack) enforces these same figures, so pacing is tested against them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

POST_MESSAGE = "chat.postMessage"
CHANNEL_INTERVAL_SECONDS = 1.0  # "one message per second per channel"
WORKSPACE_MESSAGES_PER_MINUTE = 1200  # our documented budget: Slack gives no figure
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
METHOD_TIERS = {
    "conversations.open": 3,
    "conversations.history": 3,
    "users.lookupByEmail": 3,
    "users.info": 4,
    "views.publish": 4,
    "chat.postEphemeral": 4,
    "auth.test": 4,
    "conversations.join": 3,  # the announce channel, when the bot is not a member yet
    "conversations.list": 2,  # resolving the announce channel's `#name` to its ID
}
# Our own bursts stay well inside what Slack tolerates: a few messages, a few tiered calls.
WORKSPACE_BURST = 5
TIER_BURST = 5


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float


def tier_rate(method: str) -> Rate | None:
    tier = METHOD_TIERS.get(method)
    return None if tier is None else Rate(TIER_PER_MINUTE[tier] / 60.0, TIER_BURST)


class TokenBucket:
    """`burst` tokens, refilled at `per_second`; times come from a monotonic clock (seconds)."""

    def __init__(self, rate: Rate, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate, self._monotonic = rate, monotonic
        self._tokens, self._at = rate.burst, monotonic()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.rate.burst, self._tokens + (now - self._at) * self.rate.per_second)
        self._at = now

    def wait_time(self) -> float:
        """Seconds until one token is there (0 when it is there now)."""
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate.per_second

    def take(self) -> float:
        """Take one token when there is one: 0. Otherwise nothing is taken and the wait is returned."""
        wait = self.wait_time()
        if wait == 0:
            self._tokens -= 1
        return wait

    def give_back(self) -> None:
        self._tokens = min(self.rate.burst, self._tokens + 1)


class Pacer:
    """What may be called now: per-channel and workspace pacing for posts, tiers for the rest, and the
    "not before" a 429 set for one method (Retry-After is per method: other methods go on).

    Sub-second spacing runs on a monotonic clock; per-channel spacing and Retry-After run on the
    deliverer's Clock, because rows are rescheduled in that time (due_at) and tests move it by hand.
    Thread-safe, though one Deliverer uses it from one thread.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        workspace_per_minute: float = WORKSPACE_MESSAGES_PER_MINUTE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock, self._monotonic = clock, monotonic
        self._lock = threading.Lock()
        self._workspace = TokenBucket(Rate(workspace_per_minute / 60.0, WORKSPACE_BURST), monotonic)
        self._tiers: dict[str, TokenBucket] = {}
        self._not_before: dict[str, datetime] = {}
        self._channel_last: dict[str, datetime] = {}

    def blocked_until(self, method: str) -> datetime | None:
        """When a 429 told us to leave `method` alone, until when (None: not blocked)."""
        with self._lock:
            until = self._not_before.get(method)
            return until if until is not None and until > self._clock() else None

    def rate_limited(self, method: str, retry_after_seconds: float) -> datetime:
        until = self._clock() + timedelta(seconds=max(1.0, retry_after_seconds))
        with self._lock:
            self._not_before[method] = max(until, self._not_before.get(method, until))
        return until

    def channel_free_at(self, channel: str) -> datetime | None:
        """When `channel` may take its next message (None: now)."""
        with self._lock:
            last = self._channel_last.get(channel)
        if last is None:
            return None
        free = last + timedelta(seconds=CHANNEL_INTERVAL_SECONDS)
        return free if free > self._clock() else None

    def posted(self, channel: str) -> None:
        with self._lock:
            self._channel_last[channel] = self._clock()
            if len(self._channel_last) > 50_000:  # forget channels quiet for longer than the interval
                horizon = self._clock() - timedelta(seconds=CHANNEL_INTERVAL_SECONDS)
                self._channel_last = {c: t for c, t in self._channel_last.items() if t > horizon}

    def take_message(self) -> float:
        """A workspace token for one post: 0 when taken, else seconds to wait (sub-second)."""
        with self._lock:
            return self._workspace.take()

    def give_back_message(self) -> None:
        with self._lock:
            self._workspace.give_back()

    def take_call(self, method: str) -> float:
        """A token for a tiered method: 0 when taken, else seconds to wait."""
        rate = tier_rate(method)
        if rate is None:
            return 0.0
        with self._lock:
            bucket = self._tiers.setdefault(method, TokenBucket(rate, self._monotonic))
            return bucket.take()
