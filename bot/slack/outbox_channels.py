"""Posts to channels (the announce channel) for the deliverer: a channel that refuses posts makes its
rows wait, not fail; `#name` is resolved to an ID when an ID is needed.

- A channel answering channel_not_found, is_archived, missing_scope, or not_in_channel when joining
  did not help, has its problem recorded in `channel_problems` (bot/db/announcements.py) and logged
  once, when it appears or changes, never at every retry. Its rows go back to `pending` for
  `retry_seconds` (an hour) without counting an attempt, and in each interval one post probes the
  channel while the others wait without a Slack call. The first post that goes through clears the
  problem (logged too). Nothing is lost: an operator who fixes the channel sees the posts arrive
  within the hour. `stats` shows the problem and how many posts wait.
- conversations.join and conversations.history take an ID, chat.postMessage also a name: `#name`
  is resolved through conversations.list (Tier 2, paced by the deliverer), and the name → ID map is
  kept for an hour; every successful post's answer (which names the ID) refreshes it for free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db.announcements import ChannelProblem
from bot.db.engine import session_scope
from bot.slack.outbox_calls import Answer

log = logging.getLogger("bot.slack.outbox")

CHANNEL_RETRY_SECONDS = 3600.0  # a refusing channel is tried again this often
NAME_CACHE_SECONDS = 3600.0
JOIN, LIST = "conversations.join", "conversations.list"
LIST_PAGE_SIZE = 1000  # conversations.list's maximum
_LIST_PAGES = 50  # 50,000 channels; a workspace with more should configure the channel's ID
# Slack's answers that say the channel, not the message, is the problem: the rows wait for it.
CHANNEL_WAIT_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel", "missing_scope"})

JOIN_AGAIN_SECONDS = 60.0  # conversations.join was rate-limited or failed on Slack's side
Paced = Callable[[str, Callable[[], Any]], Answer]  # (method, call) → its answer, within the method's tier


def is_channel(recipient: str) -> bool:
    """A channel ID (public C…, private G…) or `#name`; DMs are addressed by user id (U…/W…)."""
    return recipient[:1] in ("C", "G", "#")


class ChannelCare:
    """What the deliverer knows about the channels it posts to; one per Deliverer."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        client: WebClient,
        paced: Paced,
        retry_seconds: float = CHANNEL_RETRY_SECONDS,
    ) -> None:
        self._sessions, self._clock, self._client, self._paced = sessions, clock, client, paced
        self._retry = timedelta(seconds=retry_seconds)
        self._ids: dict[str, tuple[str, datetime]] = {}  # "#name" → (ID, when learnt)

    # -- waiting -------------------------------------------------------------------------------------
    def waiting_until(self, channel: str) -> tuple[datetime, str] | None:
        """While the channel is waited out, when its next post may be tried and why it waits (None:
        it may be tried now)."""
        query = select(ChannelProblem.retry_at, ChannelProblem.error).where(ChannelProblem.channel == channel)
        with self._sessions() as session:
            found = session.execute(query).first()
        return (found.retry_at, found.error) if found is not None and found.retry_at > self._clock() else None

    def trouble(self, channel: str, error: str) -> datetime:
        """Record that `channel` refused a post with `error`; returns when to try it again. Logged
        when the problem appears or its error changes, not at every retry."""
        now = self._clock()
        retry_at = now + self._retry
        values = {"channel": channel, "error": error, "since": now, "checked_at": now, "retry_at": retry_at}
        with session_scope(self._sessions) as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            statement = insert(ChannelProblem).values(**values, attempts=1)
            statement = statement.on_conflict_do_nothing(index_elements=["channel"])
            if session.execute(statement.returning(ChannelProblem.channel)).first() is not None:
                log.warning(
                    "event=channel_problem channel=%s error=%s retry_in_s=%.0f (its posts wait; "
                    "`stats` shows how many)",
                    channel, error, self._retry.total_seconds(),
                )  # fmt: skip
                return retry_at
            problem = session.get(ChannelProblem, channel, with_for_update=True)
            if problem is None:  # cleared a moment ago by a post that went through: try again soon
                return now
            if problem.error != error:
                log.warning("event=channel_problem channel=%s error=%s was=%s", channel, error, problem.error)
            problem.error, problem.checked_at, problem.attempts = error, now, problem.attempts + 1
            problem.retry_at = max(problem.retry_at, retry_at)
            return problem.retry_at

    def posted(self, channel: str, channel_id: str) -> None:
        """A post went through: remember the ID a name stands for, and clear any problem."""
        if channel.startswith("#") and channel_id:
            self._ids[channel] = (channel_id, self._clock())
        with session_scope(self._sessions) as session:
            result = session.execute(
                delete(ChannelProblem)
                .where(ChannelProblem.channel == channel)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0):
                log.info("event=channel_problem_cleared channel=%s", channel)

    # -- joining and names -------------------------------------------------------------------------
    def join(self, channel: str) -> Answer:
        """The bot joins the channel (public channels, scope channels:join): ok with {"id"} to post
        to again. A join Slack refuses answers as the channel's problem; one it could not answer now
        (rate-limited, 5xx) has the row tried again in a minute, its post having been refused."""
        found = self.channel_id(channel)
        if found is None:
            return Answer("permanent", {}, "channel_not_found")
        if isinstance(found, Answer):
            return found if found.kind == "permanent" else Answer("paced", {}, "paced", JOIN_AGAIN_SECONDS)
        joined = self._paced(JOIN, partial(self._client.conversations_join, channel=found))
        if joined.kind == "ok":
            log.info("event=channel_joined channel=%s", channel)
            return Answer("ok", {"id": found})
        if joined.kind != "permanent":
            return Answer("paced", {}, "paced", JOIN_AGAIN_SECONDS)
        # A private channel cannot be joined (method_not_supported_for_channel_type): invite the bot.
        specific = joined.reason in ("channel_not_found", "is_archived", "missing_scope")
        return Answer("permanent", joined.data, joined.reason if specific else "not_in_channel")

    def channel_id(self, channel: str) -> str | Answer | None:
        """The channel's ID: itself when it is one; for `#name`, from the cache or conversations.list.
        None when no public channel has that name; an Answer when listing did not answer."""
        if not channel.startswith("#"):
            return channel
        cached = self._ids.get(channel)
        if cached is not None and self._clock() - cached[1] < timedelta(seconds=NAME_CACHE_SECONDS):
            return cached[0]
        cursor: str | None = None
        for _ in range(_LIST_PAGES):
            answer = self._paced(LIST, partial(self._list, cursor))
            if answer.kind != "ok":
                return answer
            channels = answer.data.get("channels") or []
            page = {"#" + str(c["name"]): str(c["id"]) for c in channels if c.get("name") and c.get("id")}
            now = self._clock()
            self._ids.update({name: (found, now) for name, found in page.items()})
            if channel in page:
                return page[channel]
            cursor = (answer.data.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                break
        return None

    def _list(self, cursor: str | None) -> Any:
        return self._client.conversations_list(
            types="public_channel", exclude_archived=False, limit=LIST_PAGE_SIZE, cursor=cursor
        )
