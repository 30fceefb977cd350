"""The fake Slack's rate limits: Slack's published rates, answered with 429 and Retry-After.

The figures are bot/slack/outbox_pacing.py's (one source, with the citations): chat.postMessage one a
second per channel ("short bursts >1 allowed": we allow 3) and the workspace budget (a second's worth
of burst), Tier 3/4 methods per minute. Buckets are more generous in burst than the deliverer's own,
so a deliverer that paces as documented never sees a 429, and one that does not, does.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from bot.slack.outbox_pacing import (
    CHANNEL_INTERVAL_SECONDS,
    POST_MESSAGE,
    TIER_PER_MINUTE,
    WORKSPACE_MESSAGES_PER_MINUTE,
    Rate,
    TokenBucket,
    tier_rate,
)

CHANNEL_BURST = 3


class SlackRateLimits:
    """Per (method, channel) for chat.postMessage and per method for tiered methods; thread-safe."""

    def __init__(
        self,
        workspace_per_minute: float = WORKSPACE_MESSAGES_PER_MINUTE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        per_second = workspace_per_minute / 60.0
        self._workspace = TokenBucket(Rate(per_second, max(2.0, per_second)), monotonic)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.limited = 0  # 429s answered

    def check(self, method: str, channel: str | None) -> int | None:
        """None when the call may go ahead (a token is taken), else the Retry-After in whole seconds."""
        with self._lock:
            if method == POST_MESSAGE:
                per_channel = self._bucket(
                    (method, channel or ""), Rate(1 / CHANNEL_INTERVAL_SECONDS, CHANNEL_BURST)
                )
                wait = max(per_channel.wait_time(), self._workspace.wait_time())
                if wait == 0:
                    per_channel.take()
                    self._workspace.take()
                    return None
            else:
                rate = tier_rate(method)
                if rate is None:
                    return None
                # Slack counts "per minute"; the bucket holds a minute's calls and refills evenly.
                bucket = self._bucket((method, ""), Rate(rate.per_second, rate.per_second * 60))
                wait = bucket.take()
                if wait == 0:
                    return None
            self.limited += 1
            return max(1, math.ceil(wait))  # Slack's Retry-After is whole seconds

    def _bucket(self, key: tuple[str, str], rate: Rate) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, self._monotonic)
        return bucket


__all__ = ["TIER_PER_MINUTE", "SlackRateLimits"]
