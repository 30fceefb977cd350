"""Good-first-issue routing: new issues of listed projects x subscriptions → outbox rows, then digests.

Set-based: one query for the candidate issues, one for the subscriptions, a few for what is already
queued; matching happens in memory through an index term → ranked issues, and each person takes the
best issues of their terms in rank order until their queue is full. Rows are written with one
insert-or-nothing statement in the transaction that decided them (keys `gfi:<issue>:<slack-user>`),
so an issue reaches a person at most once, however often it is unlabelled and labelled again.

What "new" means: an open, unassigned, unclaimed good-first-issue whose forge `updated_at` is within
`window` (default 7 days: labelling an issue updates it). A backlog older than that is not pushed at
anyone; `issues` shows it. Webhooks route one issue at once with `route_issue`, window or not.
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.operations import HELD, PENDING, SENDING, SENT, OutboxEntry
from bot.db.people import Identity, Person, ProjectMute, Subscription
from bot.services.identity import zone
from bot.services.routing_digests import build_digests
from bot.services.routing_issues import Candidate, candidate_issues

ROUTE_WINDOW = timedelta(days=7)
# Undelivered good-first-issues a person may have queued (held or pending). A digest carries at most
# this many; the lesser matches of a busy week are not pushed (they stay on `issues`).
QUEUE_LIMIT = 20
# New rows per person per pass: a burst (a first install, a bulk relabel) fills queues over a few passes
# (the best issues first) instead of writing every person's whole queue in one transaction.
PASS_LIMIT = 5
GFI = "gfi"
_DELIVERED = (PENDING, SENDING, SENT)


@dataclass(frozen=True)
class RouteReport:
    issues: int  # candidate issues considered
    subscriptions: int  # subscriptions of people who want good-first-issues
    people: int  # people who got at least one new row
    instant: int  # rows due now (instant DMs)
    held: int  # rows held for a digest (digest cadence, or over the daily cap)
    digests: int  # digest rows written

    @property
    def rows(self) -> int:
        return self.instant + self.held

    def summary(self) -> str:
        return (
            f"routed {self.rows} good-first-issue deliveries ({self.instant} instant, {self.held} held) "
            f"for {self.people} people from {self.issues} issues x {self.subscriptions} subscriptions; "
            f"{self.digests} digests"
        )


@dataclass
class _Reader:
    """One person's matching state during a pass."""

    person_id: int
    slack_user_id: str
    cadence: str
    tz: str
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, value, shown label)


class Router:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: Settings,
        window: timedelta = ROUTE_WINDOW,
        *,
        pass_limit: int = PASS_LIMIT,
    ) -> None:
        self._sessions, self._clock, self._settings, self._window = sessions, clock, settings, window
        self._pass_limit = pass_limit

    def route_all(self) -> RouteReport:
        """Every new good-first-issue x subscriptions → outbox rows; then the digests due now."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            candidates = candidate_issues(session, now=now, since=now - self._window)
            counts = self._route(session, candidates, now)
        digests = self.build_digests()
        return RouteReport(*counts, digests=digests)

    def route_issue(self, issue_id: int) -> int:
        """One issue (a webhook saw its label land): rows created."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            candidates = candidate_issues(session, now=now, issue_id=issue_id)
            counts = self._route(session, candidates, now)
        return counts[3] + counts[4]

    def build_digests(self) -> int:
        """Digest rows for people whose local digest time has come (at most one a local day)."""
        with session_scope(self._sessions) as session:
            return build_digests(session, self._clock(), self._settings)

    # -- one pass ----------------------------------------------------------------------------
    def _route(
        self, session: Session, candidates: list[Candidate], now: datetime
    ) -> tuple[int, int, int, int, int]:
        if not candidates:
            return 0, 0, 0, 0, 0
        index = _term_index(candidates)
        readers = _readers(session, index)
        subscriptions = sum(len(r.terms) for r in readers.values())
        if not readers:
            return len(candidates), 0, 0, 0, 0
        mutes = _mutes(session, readers, {c.project_id for c in candidates})
        authors = _authors(session, candidates)
        already = _already_routed(session, now - self._window - timedelta(days=1), readers, candidates)
        queued = _queued(session, readers)
        sent_today = _delivered_today(session, readers, now)
        rows: list[dict[str, Any]] = []
        people = 0
        for reader in readers.values():
            room = min(QUEUE_LIMIT - queued.get(reader.person_id, 0), self._pass_limit)
            if room <= 0:
                continue
            cap_left = self._settings.gfi_daily_cap - sent_today.get(reader.person_id, 0)
            picked = 0
            for position, why, explicit in _best_for(reader, index):
                candidate = candidates[position]
                if (reader.person_id, candidate.id) in already:
                    continue
                if not explicit and (reader.person_id, candidate.project_id) in mutes:
                    continue
                if authors.get(candidate.id) == reader.person_id:
                    continue
                status = HELD
                if reader.cadence == "instant" and cap_left > 0:
                    status, cap_left = PENDING, cap_left - 1
                rows.append(_row(reader, candidate, why, status, now))
                picked += 1
                if picked >= room:
                    break
            people += picked > 0
        before = _created(session, now)
        _insert_rows(session, rows)
        after = _created(session, now)  # the difference is what this pass wrote (a conflict writes nothing)
        instant, held = after[0] - before[0], after[1] - before[1]
        return len(candidates), subscriptions, people, instant, held


def _term_index(candidates: list[Candidate]) -> dict[tuple[str, str], list[int]]:
    """(kind, value) → positions in `candidates` (already best first), ascending."""
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    for position, candidate in enumerate(candidates):
        for term in candidate.terms:
            index[term].append(position)
    return index


def _readers(session: Session, index: dict[tuple[str, str], list[int]]) -> dict[int, _Reader]:
    """People (cadence not off) with at least one subscription that some candidate matches."""
    kinds = {kind for kind, _ in index}
    rows = session.execute(
        select(
            Subscription.person_id,
            Subscription.kind,
            Subscription.value,
            Subscription.label,
            Person.slack_user_id,
            Person.cadence,
            Person.tz,
        )
        .join(Person, Person.id == Subscription.person_id)
        .where(Person.cadence != "off", Subscription.kind.in_(kinds))
    )
    readers: dict[int, _Reader] = {}
    for person_id, kind, value, label, slack_user_id, cadence, tz in rows:
        if (kind, value) not in index:
            continue
        reader = readers.get(person_id)
        if reader is None:
            reader = readers[person_id] = _Reader(person_id, slack_user_id, cadence, tz)
        reader.terms.append((kind, value, label))
    return readers


def _best_for(reader: _Reader, index: dict[tuple[str, str], list[int]]) -> Iterator[tuple[int, str, bool]]:
    """(candidate position, why, via an explicit project subscription), best first, each issue once."""
    streams = [_stream(index[(kind, value)], kind, label) for kind, value, label in reader.terms]
    merged = heapq.merge(*streams, key=lambda item: item[0])
    for position, group in itertools.groupby(merged, key=lambda item: item[0]):
        terms = [(kind, label) for _, kind, label in group]
        projects = [t for t in terms if t[0] == "project"]
        kind, label = (projects or terms)[0]
        yield position, f"{kind}:{label}", bool(projects)


def _stream(positions: list[int], kind: str, label: str) -> Iterator[tuple[int, str, str]]:
    for position in positions:
        yield position, kind, label


def _mutes(session: Session, readers: dict[int, _Reader], projects: set[int]) -> set[tuple[int, int]]:
    rows = session.execute(select(ProjectMute.person_id, ProjectMute.project_id))
    return {(p, q) for p, q in rows if p in readers and q in projects}


def _authors(session: Session, candidates: list[Candidate]) -> dict[int, int]:
    """Issue id → the person who opened it, where their forge account is linked."""
    wanted = {(c.forge, c.host, c.author.casefold()): c.id for c in candidates if c.author}
    if not wanted:
        return {}
    logins = {login for _, _, login in wanted}
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(logins), 500):
        rows = session.execute(
            select(Identity.forge, Identity.host, Identity.login_key, Identity.person_id).where(
                Identity.login_key.in_(chunk)
            )
        )
        for forge, host, login_key, person_id in rows:
            for candidate in candidates:
                if (candidate.forge, candidate.host, candidate.author.casefold()) == (forge, host, login_key):
                    found[candidate.id] = person_id
    return found


def _already_routed(
    session: Session, since: datetime, readers: dict[int, _Reader], candidates: list[Candidate]
) -> set[tuple[int, int]]:
    """(person, issue) pairs recently routed: skipped before the insert so they do not use up room.
    Older pairs are caught by the unique key; they only cost a row of room for one pass."""
    ids = {c.id for c in candidates}
    rows = session.execute(
        select(OutboxEntry.person_id, OutboxEntry.key).where(
            OutboxEntry.kind == GFI, OutboxEntry.created_at >= since
        )
    )
    pairs: set[tuple[int, int]] = set()
    for person_id, key in rows:
        issue_id = issue_of_key(key)
        if person_id is not None and issue_id in ids:
            pairs.add((person_id, issue_id))
    return pairs


def _queued(session: Session, readers: dict[int, _Reader]) -> dict[int, int]:
    rows = session.execute(
        select(OutboxEntry.person_id, func.count())
        .where(OutboxEntry.kind == GFI, OutboxEntry.status.in_((HELD, PENDING)))
        .group_by(OutboxEntry.person_id)
    )
    return {person_id: count for person_id, count in rows if person_id in readers}


def _delivered_today(session: Session, readers: dict[int, _Reader], now: datetime) -> dict[int, int]:
    """Instant DMs already due or sent today, in each person's own time zone."""
    instant = {pid for pid, r in readers.items() if r.cadence == "instant"}
    if not instant:
        return {}
    rows = session.execute(
        select(OutboxEntry.person_id, OutboxEntry.due_at).where(
            OutboxEntry.kind == GFI,
            OutboxEntry.status.in_(_DELIVERED),
            OutboxEntry.due_at >= now - timedelta(hours=27),  # the longest a local day can reach back
        )
    )
    counts: dict[int, int] = defaultdict(int)
    for person_id, due_at in rows:
        if person_id in instant:
            tz = zone(readers[person_id].tz)
            if due_at.astimezone(tz).date() == now.astimezone(tz).date():
                counts[person_id] += 1
    return counts


def gfi_key(issue_id: int, slack_user_id: str) -> str:
    return f"{GFI}:{issue_id}:{slack_user_id}"


def issue_of_key(key: str) -> int | None:
    parts = key.split(":", 2)
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _row(reader: _Reader, candidate: Candidate, why: str, status: str, now: datetime) -> dict[str, Any]:
    return {
        "key": gfi_key(candidate.id, reader.slack_user_id),
        "kind": GFI,
        "recipient": reader.slack_user_id,
        "person_id": reader.person_id,
        "payload": {"issue": candidate.id, "project": candidate.project_id, "why": why},
        "status": status,
        "created_at": now,
        "due_at": now,
        "attempts": 0,
    }


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert-or-nothing on the key, many rows a statement."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    # The table, not the mapped class: Core executemany, without the ORM's per-row bulk bookkeeping.
    table = OutboxEntry.__table__
    assert isinstance(table, Table)
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing(
        index_elements=["key"]
    )
    for chunk in _chunks(rows, 5_000):
        session.execute(statement, chunk)


def _created(session: Session, now: datetime) -> tuple[int, int]:
    """(pending, held) good-first-issue rows due at `now`: a pass writes all its rows due at its instant."""
    counts = dict(
        session.execute(
            select(OutboxEntry.status, func.count())
            .where(
                OutboxEntry.status.in_((PENDING, HELD)), OutboxEntry.due_at == now, OutboxEntry.kind == GFI
            )
            .group_by(OutboxEntry.status)
        ).all()
    )
    return counts.get(PENDING, 0), counts.get(HELD, 0)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
