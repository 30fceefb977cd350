"""Is this channel the configured one? `announce_channel` may be an ID (`C…`, `G…`) or a `#name`.

An ID is compared as it is. A name is compared with the channel's name as `conversations.info` gives it
(scope channels:read; groups:read for a private channel), cached per channel id — hits and misses
alike, so a busy channel costs Slack one call per TTL — and looked up again after the TTL, so a renamed
channel is noticed. Slack errors other than `channel_not_found` propagate and nothing is cached, so the
next event asks again.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.announcements import channel_of


def is_channel_id(configured: str) -> bool:
    """An ID, by the rule announcements address the channel by (bot/services/announcements.py)."""
    found = channel_of(configured)
    return found is not None and not found.startswith("#")


def channel_name(configured: str) -> str:
    """`#Innersource-Announce` → `innersource-announce` (Slack's names are lower case, no `#`)."""
    return configured.strip().lstrip("#").strip().lower()


class ConfiguredChannel:
    def __init__(
        self,
        client: WebClient,
        configured: str,
        ttl_seconds: float = 3600,
        now: Callable[[], float] = time.monotonic,
        max_entries: int = 1_000,
    ) -> None:
        self._client = client
        self._id = configured.strip() if is_channel_id(configured) else None
        self._name = channel_name(configured)
        self._ttl, self._now, self._max = ttl_seconds, now, max_entries
        self._lock = threading.Lock()
        self._names: OrderedDict[str, tuple[str, float]] = OrderedDict()  # channel id → (name, until)

    def matches(self, channel_id: str) -> bool:
        if self._id is not None:
            return channel_id == self._id
        return bool(self._name) and self._name_of(channel_id) == self._name

    def _name_of(self, channel_id: str) -> str:
        with self._lock:
            cached = self._names.get(channel_id)
            if cached is not None and cached[1] > self._now():
                self._names.move_to_end(channel_id)
                return cached[0]
        try:  # outside the lock: one slow call must not hold up the others
            answer = self._client.conversations_info(channel=channel_id)
            name = str((answer.get("channel") or {}).get("name") or "").lower()
        except SlackApiError as error:
            if error.response.get("error") != "channel_not_found":
                raise
            name = ""
        with self._lock:
            self._names[channel_id] = (name, self._now() + self._ttl)
            self._names.move_to_end(channel_id)
            while len(self._names) > self._max:
                self._names.popitem(last=False)
        return name
