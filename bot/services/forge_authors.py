"""Names the author a webhook payload gives only by user id (GitLab's merge request and issue hooks).

`Usernames` asks the forge (`Forge.username`, one GET /users/:id) and keeps the answer in a small
per-process LRU, so a burst of hooks about one person costs one request. Forge errors are never
cached: the caller answers 503 and the forge redelivers. Answers expire after a day, since a
username can change (the crawl records the current one anyway).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.forges.base import Forge, is_bot_login
from bot.services.forge_payloads import ForgeEvent

MAX_ENTRIES = 4096
TTL = timedelta(days=1)


class Usernames:
    """user id → username (None: no such account), per forge and host. Safe to share between threads."""

    def __init__(
        self, now: Callable[[], datetime], max_entries: int = MAX_ENTRIES, ttl: timedelta = TTL
    ) -> None:
        self._now = now
        self._max = max_entries
        self._ttl = ttl
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str], tuple[str | None, datetime]] = OrderedDict()

    def username(self, forge: Forge, user_id: str) -> str | None:
        """Raises ForgeError when the forge cannot answer (and remembers nothing)."""
        key, now = (forge.kind, forge.host, user_id), self._now()
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None and now - cached[1] < self._ttl:
                self._entries.move_to_end(key)
                return cached[0]
        name = forge.username(user_id)  # outside the lock: one slow forge must not stall the others
        with self._lock:
            self._entries[key] = (name, now)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return name


def needs_author(event: ForgeEvent, catalog_numbers: Iterable[int], labels: Iterable[str]) -> bool:
    """Whether the author the payload left unnamed will be stored: always for a merge (the ledger
    row) or a change request (time to first response leaves the author's own comments out), for an
    issue only when it becomes a new row (an existing row keeps its author)."""
    if event.author_id is None:
        return False
    issue = event.issue
    if issue is None:
        return bool(event.changes or event.change_requests)
    wanted = {label.lower() for label in labels}
    is_good_first_issue = any(label.lower() in wanted for label in issue.labels)
    return issue.state == "open" and is_good_first_issue and issue.number not in set(catalog_numbers)


def with_author(event: ForgeEvent, username: str) -> ForgeEvent:
    if event.issue is not None:
        return replace(event, issue=replace(event.issue, author=username))
    changes = tuple(replace(c, author=username, author_is_bot=is_bot_login(username)) for c in event.changes)
    requests = tuple(
        replace(c, author=username, author_is_bot=is_bot_login(username)) if not c.author else c
        for c in event.change_requests
    )
    return replace(event, changes=changes, change_requests=requests)
