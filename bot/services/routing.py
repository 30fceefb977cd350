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

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.operations import HELD, PENDING, SENDING, SENT, OutboxEntry
from bot.db.people import Identity, Person, ProjectMute, Subscription
from bot.services.identity import zone
from bot.services.routing_digests import build_digests
from bot.services.routing_issues import Candidate, candidate_issues
from bot.services.routing_match import Reader, TermIndex, best_for, term_index
from bot.services.routing_store import GfiRow, insert_gfi_rows

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
        report = self.route_new()
        return dataclasses.replace(report, digests=self.build_digests())

    def route_new(self) -> RouteReport:
        """Routing alone (`route_all` without the digests): one transaction."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            candidates = candidate_issues(session, now=now, since=now - self._window)
            return self._route(session, candidates, now)

    def route_issue(self, issue_id: int) -> int:
        """One issue (a webhook saw its label land): rows created."""
        now = self._clock()
        with session_scope(self._sessions) as session:
            candidates = candidate_issues(session, now=now, issue_id=issue_id)
            return self._route(session, candidates, now).rows

    def build_digests(self) -> int:
        """Digest rows for people whose local digest time has come (at most one a local day)."""
        with session_scope(self._sessions) as session:
            return build_digests(session, self._clock(), self._settings)

    # -- one pass ----------------------------------------------------------------------------
    def _route(self, session: Session, candidates: list[Candidate], now: datetime) -> RouteReport:
        """Routing rows for these candidates (the report's `digests` is 0: digests are built apart)."""
        index = term_index(candidates)
        readers = _readers(session, index) if candidates else {}
        if not readers:
            return RouteReport(len(candidates), 0, 0, 0, 0, digests=0)
        subscriptions = sum(len(r.terms) for r in readers.values())
        mutes = _mutes(session, readers, {c.project_id for c in candidates})
        authors = _authors(session, candidates)
        already = _already_routed(session, candidates)
        queued = _queued(session, readers)
        sent_today = _delivered_today(session, readers, now)
        rows: list[GfiRow] = []
        people = 0
        for reader in readers.values():
            room = min(QUEUE_LIMIT - queued.get(reader.person_id, 0), self._pass_limit)
            if room <= 0:
                continue
            person_id = reader.person_id

            def skip(candidate: Candidate, explicit: bool, person_id: int = person_id) -> bool:
                return (
                    (person_id, candidate.id) in already
                    or (not explicit and (person_id, candidate.project_id) in mutes)
                    or authors.get(candidate.id) == person_id
                )

            cap_left = self._settings.gfi_daily_cap - sent_today.get(person_id, 0)
            picks = best_for(reader, index, candidates, room, skip)
            for pick in picks:
                candidate = candidates[pick.position]
                status = HELD
                if reader.cadence == "instant" and cap_left > 0:
                    status, cap_left = PENDING, cap_left - 1
                key = gfi_key(candidate.id, reader.slack_user_id)
                rows.append(
                    GfiRow(
                        key,
                        reader.slack_user_id,
                        person_id,
                        candidate.id,
                        candidate.project_id,
                        pick.why,
                        status,
                    )
                )
            people += bool(picks)
        created = insert_gfi_rows(session, GFI, rows, now)
        return RouteReport(
            len(candidates), subscriptions, people, created.get(PENDING, 0), created.get(HELD, 0), digests=0
        )


def _readers(session: Session, index: TermIndex) -> dict[int, Reader]:
    """People (cadence not off) with at least one subscription that some candidate matches; their
    terms in the order they subscribed."""
    people = {
        person_id: (slack_user_id, cadence, tz)
        for person_id, slack_user_id, cadence, tz in session.execute(
            select(Person.id, Person.slack_user_id, Person.cadence, Person.tz).where(Person.cadence != "off")
        )
    }
    rows = session.execute(
        select(Subscription.person_id, Subscription.kind, Subscription.value, Subscription.label).order_by(
            Subscription.id
        )
    )
    readers: dict[int, Reader] = {}
    for person_id, kind, value, label in rows:
        if (kind, value) not in index:
            continue
        reader = readers.get(person_id)
        if reader is None:
            person = people.get(person_id)
            if person is None:
                continue
            reader = readers[person_id] = Reader(person_id, *person)
        reader.terms.append((kind, value, label))
        if kind == "project":
            reader.projects.setdefault(value, label)
    return readers


def _mutes(session: Session, readers: dict[int, Reader], projects: set[int]) -> set[tuple[int, int]]:
    rows = session.execute(select(ProjectMute.person_id, ProjectMute.project_id))
    return {(p, q) for p, q in rows if p in readers and q in projects}


def _authors(session: Session, candidates: list[Candidate]) -> dict[int, int]:
    """Issue id → the person who opened it, where their forge account is linked. Linked accounts are
    at most a couple a person: one read of them all beats thousands of logins sent as parameters."""
    by_account: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for c in candidates:
        if c.author:
            by_account[(c.forge, c.host, c.author.casefold())].append(c.id)
    found: dict[int, int] = {}
    if by_account:
        rows = session.execute(select(Identity.forge, Identity.host, Identity.login_key, Identity.person_id))
        for forge, host, login_key, person_id in rows:
            for issue in by_account.get((forge, host, login_key), ()):
                found[issue] = person_id
    return found


def _already_routed(session: Session, candidates: list[Candidate]) -> set[tuple[int, int]]:
    """(person, issue) pairs routed at any time: skipped before the insert so they never take a pick
    (the unique key would refuse them anyway, but a refused pick is a pass's room wasted, every pass)."""
    ids = sorted({c.id for c in candidates})
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(ids), 5_000):
        rows = session.execute(
            select(OutboxEntry.person_id, OutboxEntry.issue_id).where(
                OutboxEntry.issue_id.in_(ids[start : start + 5_000]), OutboxEntry.kind == GFI
            )
        )
        pairs.update((p, i) for p, i in rows if p is not None and i is not None)
    return pairs


def _queued(session: Session, readers: dict[int, Reader]) -> dict[int, int]:
    rows = session.execute(
        select(OutboxEntry.person_id, func.count())
        .where(OutboxEntry.kind == GFI, OutboxEntry.status.in_((HELD, PENDING)))
        .group_by(OutboxEntry.person_id)
    )
    return {person_id: count for person_id, count in rows if person_id in readers}


def _delivered_today(session: Session, readers: dict[int, Reader], now: datetime) -> dict[int, int]:
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
