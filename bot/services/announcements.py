"""Announcements: one post in the announce channel per project, the first time it is InnerSource-ready.

Each project is announced once ever, by the forge's stable id (`forge:host:forge_id`, the key of
`announcements`): not again when it drops out of readiness and comes back, is renamed, or moves to
another namespace. A post is an outbox row (kind `announcement`, key `announce:<project key>`)
written in the same transaction as the project's `announcements` row, both insert-or-nothing, so two
workers running the job at once queue each post once; the Slack layer composes it at send time.

- First install is not a flood: the first run over a crawled catalog records every project ready
  then as known and queues one summary post (kind `announcement_summary`) instead of one post each.
  It waits for the first crawl (an empty catalog has nothing to be known), and a catalog with
  nothing ready yet needs no summary.
- At most `announce_max_per_run` posts are waiting for the channel at any time: a run queues only
  what is missing to that figure, oldest `first_ready_at` first, so a channel that was broken for a
  day does not receive a day's worth at once when it comes back. The rest wait for later runs.
- Private projects (listed through the opt-in topic) only with `announce_private`; without it they
  are not recorded either, so turning it on later announces them.
- Posts waiting for a channel that is no longer the configured one (it was wrong, so they waited:
  bot/slack/outbox_channels.py) follow the setting at the next run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.announcements import FIRST_RUN, KNOWN, POSTED, Announcement, AnnounceState, ChannelProblem
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.operations import HELD, PENDING, SENDING, OutboxEntry
from bot.services.outbox import enqueue
from bot.services.project_views import card_of
from bot.services.results import ProjectCard

ANNOUNCEMENT, SUMMARY = "announcement", "announcement_summary"  # outbox kinds
KINDS = (ANNOUNCEMENT, SUMMARY)
SUMMARY_KEY = "announce:summary"
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")  # a public (C…) or private (G…) channel's ID
WAITING = (HELD, PENDING, SENDING)  # outbox statuses of a post not yet in the channel
_RECIPIENT_WIDTH = 64  # outbox.recipient's column width
_CHUNK = 1_000  # rows per INSERT: within every database's limit on bound parameters
# The first run waits for a crawl that read every listed project, at most this long after the first.
FIRST_RUN_PATIENCE = timedelta(days=1)

# The stable id as SQL, to match `announcements.key` without a column of its own on `projects`.
_PROJECT_KEY = Project.forge + ":" + Project.host + ":" + Project.forge_id
_READY_SINCE = func.coalesce(Project.first_ready_at, Project.first_seen_at)


def project_key(forge: str, host: str, forge_id: str) -> str:
    """The forge's stable id of a project: what makes an announcement once ever."""
    return f"{forge}:{host}:{forge_id}"


def outbox_key(key: str) -> str:
    """`announce:<project key>`; a key too long for the outbox's column is hashed instead."""
    plain = f"announce:{key}"
    return plain if len(plain) <= 255 else "announce:" + hashlib.sha256(key.encode()).hexdigest()


def channel_of(setting: str | None) -> str | None:
    """`announce_channel` as the outbox names it: an ID (C…/G…) as it is, a name with its `#`."""
    text = (setting or "").strip()
    if not text:
        return None
    if _CHANNEL_ID.match(text):
        return text
    return "#" + text.lstrip("#")


@dataclass(frozen=True)
class AnnounceReport:
    """One run: where to, and what it queued or recorded; `note` says why nothing could happen."""

    channel: str | None
    first_run: bool = False
    known: int = 0  # the first run: ready projects recorded as known, told in one summary post
    queued: int = 0  # posts queued this run
    waiting: int = 0  # announcement posts already waiting for the channel before this run
    left: int = 0  # ready projects not announced yet, left for later runs
    moved: int = 0  # posts that waited for a channel no longer configured, sent to this one now
    note: str = ""

    def summary(self) -> str:
        if self.note:
            return f"announce: {self.note}"
        if self.first_run:
            told = "one summary post queued" if self.known else "no summary (nothing ready yet)"
            known = f"{self.known} ready projects recorded as known"
            return f"announce to {self.channel}: first run, {known}, {told}"
        waiting = f", {self.waiting} already waiting for the channel" if self.waiting else ""
        posts = "post" if self.queued == 1 else "posts"
        plural = "s" if self.moved != 1 else ""
        moved = f", {self.moved} waiting post{plural} moved here from the channel set before"
        moved = moved if self.moved else ""
        return (
            f"announce to {self.channel}: {self.queued} {posts} queued{waiting}, "
            f"{self.left} ready projects left for later runs{moved}"
        )


class Announcer:
    """The announce job's use case; one transaction per run."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, now: Clock) -> None:
        self._sessions, self._settings, self._now = sessions, settings, now

    def run(self) -> AnnounceReport:
        channel = channel_of(self._settings.announce_channel)
        if channel is None:
            return AnnounceReport(None, note="no announce_channel set, nothing to announce")
        if len(channel) > _RECIPIENT_WIDTH:
            return AnnounceReport(channel, note="announce_channel is too long: set the channel's ID (C…)")
        now = self._now()
        with session_scope(self._sessions) as session:
            if session.get(AnnounceState, FIRST_RUN) is None:
                return self._first_run(session, channel, now)
            return self._announce(session, channel, now)

    def _first_run(self, session: Session, channel: str, now: datetime) -> AnnounceReport:
        first_seen = session.scalar(select(func.min(Project.first_seen_at)))
        if first_seen is None:
            return AnnounceReport(
                channel, note="the catalog is empty; the first run waits for the first crawl"
            )
        # A first crawl cut short (a rate limit, say) has not read every project yet: whatever it had
        # not read would later be announced one by one, a slow flood of long-ready projects. Wait for
        # a crawl that read them all — but not forever, if one project's details keep failing.
        unread = session.scalar(
            select(Project.id).where(Project.listed.is_(True), Project.details_complete.is_(False)).limit(1)
        )
        if unread is not None and first_seen > now - FIRST_RUN_PATIENCE:
            return AnnounceReport(
                channel, note="the first run waits until a crawl has read every listed project"
            )
        ready = session.execute(self._candidates()).all()
        rows = [_row(r, KNOWN, now) for r in ready]
        for start in range(0, len(rows), _CHUNK):
            session.execute(_insert_new(session, Announcement, ["key"]), rows[start : start + _CHUNK])
        detail = f"{len(rows)} ready projects recorded as known"
        session.execute(
            _insert_new(session, AnnounceState, ["name"]), [{"name": FIRST_RUN, "at": now, "detail": detail}]
        )
        if rows:  # a second worker on its first run at the same moment: the key makes it one post
            payload = {"count": len(rows)}
            enqueue(session, key=SUMMARY_KEY, kind=SUMMARY, recipient=channel, payload=payload, now=now)
        return AnnounceReport(channel, first_run=True, known=len(rows))

    def _announce(self, session: Session, channel: str, now: datetime) -> AnnounceReport:
        moved = _follow_the_setting(session, channel, now)
        waiting = session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(
                OutboxEntry.kind.in_(KINDS),
                OutboxEntry.status.in_(WAITING),
                OutboxEntry.recipient == channel,
            )
        )
        room = max(0, self._settings.announce_max_per_run - int(waiting or 0))
        queued = 0
        for row in session.execute(self._candidates().limit(room)).all() if room else ():
            values = _row(row, POSTED, now)
            statement = _insert_new(session, Announcement, ["key"]).values(**values)
            if session.execute(statement.returning(Announcement.key)).first() is None:
                continue  # another worker announced it a moment ago
            payload = {"project_id": row.id, "project_key": values["key"]}
            key = outbox_key(values["key"])
            queued += enqueue(
                session, key=key, kind=ANNOUNCEMENT, recipient=channel, payload=payload, now=now
            )
        left = session.scalar(select(func.count()).select_from(self._candidates().subquery()))
        return AnnounceReport(
            channel, queued=queued, waiting=int(waiting or 0), left=int(left or 0), moved=moved
        )

    def _candidates(self) -> Any:
        """Listed, ready projects not announced (nor recorded as known) yet, oldest ready first."""
        query = (
            select(
                Project.id,
                Project.forge,
                Project.host,
                Project.forge_id,
                _READY_SINCE.label("ready_since"),
            )
            .where(
                Project.listed.is_(True),
                Project.ready.is_(True),
                ~exists().where(Announcement.key == _PROJECT_KEY),
            )
            .order_by(_READY_SINCE, Project.id)
        )
        if not self._settings.announce_private:
            query = query.where(Project.visibility != "private")
        return query


@dataclass(frozen=True)
class AnnounceHealth:
    """For `stats`: where announcements go, whether that channel refuses them, and what waits."""

    channel: str | None  # as configured (an ID or `#name`); None: announcements are off
    problem: str | None = None  # Slack's error name: channel_not_found, is_archived, not_in_channel…
    since: datetime | None = None  # when the problem was first seen
    waiting: int = 0  # announcement posts not in the channel yet
    announced: int = 0  # projects announced with a post of their own


def announce_health(session: Session, setting: str | None) -> AnnounceHealth:
    channel = channel_of(setting)
    if channel is None:
        return AnnounceHealth(None)
    problem = session.get(ChannelProblem, channel)
    waiting = session.scalar(
        select(func.count())
        .select_from(OutboxEntry)
        .where(OutboxEntry.kind.in_(KINDS), OutboxEntry.status.in_(WAITING), OutboxEntry.recipient == channel)
    )
    posted = select(func.count()).select_from(Announcement).where(Announcement.how == POSTED)
    announced = session.scalar(posted)
    return AnnounceHealth(
        channel,
        problem.error if problem is not None else None,
        problem.since if problem is not None else None,
        int(waiting or 0),
        int(announced or 0),
    )


def announced_card(session: Session, payload: dict[str, Any]) -> ProjectCard | str:
    """What an `announcement` row announces, from the project's row as it is now; a reason instead
    when it should not go out (the project left the catalog since the post was queued)."""
    project_id = payload.get("project_id")
    if type(project_id) is not int:
        return "announcement: bad payload"
    project = session.get(Project, project_id)
    if project is None or not project.listed:
        return "project no longer listed"
    return card_of(session, project)


def _follow_the_setting(session: Session, channel: str, now: datetime) -> int:
    """Posts still waiting for another channel (one set before, perhaps wrongly: they wait because
    it refuses them) go to the configured one, now. Only `pending` rows: a `sending` one may have
    reached the old channel, and is looked for there first."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.kind.in_(KINDS),
            OutboxEntry.status == PENDING,
            OutboxEntry.recipient != channel,
            # Not one a deliverer holds right now: it may be posting to the old channel this moment.
            or_(OutboxEntry.claimed_by.is_(None), OutboxEntry.claimed_until < now),
        )
        .values(recipient=channel, due_at=now, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _row(row: Any, how: str, now: datetime) -> dict[str, Any]:
    return {
        "key": project_key(row.forge, row.host, row.forge_id),
        "project_id": row.id,
        "how": how,
        "first_ready_at": row.ready_since,
        "recorded_at": now,
    }


def _insert_new(session: Session, model: type[Any], keys: Sequence[str]) -> Any:
    """INSERT … ON CONFLICT (keys) DO NOTHING, in the session's dialect."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=list(keys))
