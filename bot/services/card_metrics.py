"""The project card's four metrics, kept in memory beside the search index, so a `project` answer
reads no ledger rows (they were most of its time: four queries built and run per card).

What the metrics read moves with the ledger (change requests, merged contributions), with the
listing and maintainers of projects, and with time (the windows end "now"; a change request still
waiting grows older). Each refresh of the index asks one aggregate query about the ledger; only when
it moved are the projects that changed found (two grouped queries), and their figures recomputed or
dropped. Besides, each refresh puts its share of the other projects, oldest first, up for
recomputing, so each is recomputed about every `FULL_AGE`; figures twice that old are dropped. A
card whose project has no figures reads its metrics from the database, as before. So what a card
shows reflects the ledger and the listing as of the last refresh (`search_refresh_seconds`) in every
replica, and the clock as of `FULL_AGE` ago at most.

Computing 10,000 projects' metrics takes seconds of CPU, which requests on the same interpreter
would feel: apart from a few changed projects, the work is done by a background thread in small
batches, and only while no request has used the index for a moment (`idle`). With a `path`, the
figures are written there when that work is done (at most every `SAVE_SECONDS`) and read back at
start (bot/services/card_metrics_file.py), so a restart does not redo it.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable, FromClause

from bot.db.models import Contribution, Project
from bot.db.progression import ChangeRequest
from bot.services import card_metrics_file
from bot.services.card_metrics_file import Row
from bot.services.metrics import ProjectMetrics, empty_project_metrics, some_project_metrics
from bot.services.metrics_load import MERGED_CHANGE, NEW_CONTRIBUTOR_DAYS

log = logging.getLogger(__name__)

FULL_AGE = timedelta(minutes=30)  # every active project's figures are recomputed about this often
SAVE_SECONDS = 300.0  # the figures go to their file at most this often
BATCH = 25  # projects per bulk read, between two looks at whether requests are waiting
IDLE_POLL_SECONDS = 0.05
WORKER = "search-refresh"  # the name of the background threads the index refreshes on

Marks = dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class _Published:
    marks: Marks  # per listed project with anything in either window, what the ledger aggregate sums
    empty: ProjectMetrics  # the metrics of a project with nothing in either window (project id 0)
    totals: tuple[Any, ...]  # the ledger's aggregate (its last column: the newest merged contribution)
    at: datetime  # the clock's "now" at that refresh


class CardMetrics:
    """Listed projects' metrics as of the last refresh, for those computed since; thread-safe (one
    refreshing thread and one computing thread write, readers see whole values)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime],
        window_days: int,
        bot_logins: frozenset[str] = frozenset(),
        idle: Callable[[], bool] = lambda: True,
        path: Path | None = None,
        full_age: timedelta = FULL_AGE,
    ) -> None:
        self._sessions = sessions
        self._now = now
        self._window_days = window_days
        self._bot_logins = bot_logins
        self._idle = idle
        self._full_age = full_age
        self._path = path
        self._tag = card_metrics_file.settings_tag(window_days, bot_logins)
        self._saved_at: float | None = None  # time.monotonic() of the last save
        self._unsaved = False
        self._published: _Published | None = None
        self._figures: dict[int, Row] = {}  # encoded: bot/services/card_metrics_file.py
        self._computed_at: dict[int, datetime] = {}
        self._queue: set[int] = set()  # to compute when idle
        self._versions: dict[int, int] = {}  # bumped when a project changes: older computations lapse
        self._lock = threading.Lock()  # the queue, the versions and the worker
        self._worker: threading.Thread | None = None

    def get(self, project_id: int) -> ProjectMetrics | None:
        """A listed project's metrics from memory; None when it has none yet (read the database)."""
        published = self._published
        if published is None:
            return None
        found = self._figures.get(project_id)
        if found is not None:
            return card_metrics_file.decode(project_id, found)
        if project_id in published.marks:  # has figures of its own, not computed yet
            return None
        return replace(published.empty, project_id=project_id)

    def refresh(self) -> int:
        """Take in what changed since the last refresh; returns how many projects now wait to be
        computed. One aggregate query when nothing changed."""
        now, before = self._now(), self._published or self._load()
        with self._sessions() as session:
            totals = tuple(session.execute(_totals(now, self._window_days)).one())
            if before is not None and totals == before.totals:
                marks, changed = before.marks, set()
            else:
                marks = self._marks(session, now)
                old = before.marks if before is not None else {}
                changed = {i for i in marks.keys() | old.keys() if marks.get(i) != old.get(i)}
                if before is not None:
                    changed |= _merged_since(session, before.totals[-1])
            elapsed = now - before.at if before is not None else self._full_age
            versions = self._forget(changed)
            if before is not None and len(changed) <= BATCH:  # a few: recomputed now
                self._store(self._metrics(session, changed, now), versions, now)
                changed = set()
        self._published = _Published(marks, empty_project_metrics(0, now, self._window_days), totals, now)
        with self._lock:
            self._queue |= changed | self._due(marks, now, elapsed)
            waiting = len(self._queue)
            if waiting and (self._worker is None or not self._worker.is_alive()):
                self._worker = threading.Thread(target=self._work, name=WORKER, daemon=True)
                self._worker.start()
        return waiting

    def _load(self) -> _Published | None:
        """The figures a previous run saved, as if this process had computed them (a start)."""
        saved = card_metrics_file.load(self._path, self._tag) if self._path is not None else None
        if saved is None:
            return None
        with self._lock:
            self._figures, self._computed_at = dict(saved.rows), dict(saved.computed_at)
        log.info("event=card_metrics_loaded projects=%d", len(saved.rows))
        return _Published(
            saved.marks, empty_project_metrics(0, saved.at, self._window_days), saved.totals, saved.at
        )

    def _save(self) -> None:
        """Write the figures and the marks they reflect (the worker, when it ran out of work)."""
        if self._path is None or not self._unsaved:
            return
        if self._saved_at is not None and time.monotonic() - self._saved_at < SAVE_SECONDS:
            return
        with self._lock:
            published = self._published
            if published is None:
                return
            saved = card_metrics_file.Saved(
                dict(self._figures), dict(self._computed_at), published.marks, published.totals, published.at
            )
            self._unsaved, self._saved_at = False, time.monotonic()
        try:
            card_metrics_file.save(self._path, saved, self._tag)
        except OSError as exc:  # a cache: a read-only or full disk costs a restart some work, no more
            log.warning("event=card_metrics_save_failed error=%s", type(exc).__name__)

    def _forget(self, project_ids: Iterable[int]) -> dict[int, int]:
        """Drop these projects' figures (a card reads the database until they are computed again)
        and make any computation begun before now unwelcome; returns their new versions."""
        with self._lock:
            for project_id in project_ids:
                self._figures.pop(project_id, None)
                self._versions[project_id] = self._versions.get(project_id, 0) + 1
            return {i: self._versions[i] for i in project_ids}

    def _due(self, marks: Marks, now: datetime, elapsed: timedelta) -> set[int]:
        """Active projects never computed, and this refresh's share of the others, oldest first: as
        many as the time since the last refresh is of `FULL_AGE` (all of them when the clock jumped).
        Figures twice that old (no idle time came to recompute them) are dropped."""
        computed = [(self._computed_at[i], i) for i in marks if i in self._computed_at]
        for at, project_id in computed:
            if not timedelta(0) <= now - at < 2 * self._full_age:
                self._figures.pop(project_id, None)
        share = len(marks)
        if timedelta(0) <= elapsed < self._full_age:
            share = math.ceil(len(marks) * (elapsed / self._full_age))
        never = {i for i in marks if i not in self._computed_at}
        return never | {i for _, i in heapq.nsmallest(share, computed)}

    def _work(self) -> None:
        """Compute what waits, a batch at a time, while requests leave the interpreter alone."""
        while True:
            if not self._idle():
                time.sleep(IDLE_POLL_SECONDS)
                continue
            with self._lock:
                batch = sorted(self._queue)[:BATCH]
            if not batch:
                self._save()
                return
            with self._lock:
                self._queue.difference_update(batch)
                versions = {i: self._versions.get(i, 0) for i in batch}
            now = self._now()
            try:
                with self._sessions() as session:
                    found = self._metrics(session, batch, now)
            except Exception:  # the database went away: put it back; the next refresh starts a worker
                with self._lock:
                    self._queue.update(batch)
                log.exception("event=card_metrics_failed")
                return
            self._store(found, versions, now)

    def _store(self, found: dict[int, ProjectMetrics], versions: dict[int, int], now: datetime) -> None:
        """Keep what was computed, unless the project changed again since it began."""
        with self._lock:
            for project_id, version in versions.items():
                if self._versions.get(project_id, 0) != version:
                    continue
                if project_id in found:
                    self._figures[project_id] = card_metrics_file.encode(found[project_id])
                else:  # deleted since: nothing to show
                    self._figures.pop(project_id, None)
                self._computed_at[project_id] = now
            self._unsaved = True

    def _metrics(
        self, session: Session, project_ids: Iterable[int], now: datetime
    ) -> dict[int, ProjectMetrics]:
        ids = sorted(project_ids)
        return some_project_metrics(session, ids, now, self._window_days, self._bot_logins)

    def _marks(self, session: Session, now: datetime) -> Marks:
        changes, merges = _per_project(now, self._window_days)
        marks: Marks = {int(pid): (*map(int, rest), 0) for pid, *rest in session.execute(changes)}
        for pid, count in session.execute(merges):
            marks[int(pid)] = (*marks.get(int(pid), (0, 0, 0, 0, 0, 0))[:-1], int(count))
        return marks


def _in_windows(now: datetime, window_days: int) -> tuple[Any, Any]:
    """Change requests created in the two windows; merged contributions in them, or in the 30 days
    before the end of the earlier one (a first merge there makes a new contributor, however short
    the windows)."""
    oldest = now - timedelta(days=2 * window_days)
    oldest_merge = min(oldest, now - timedelta(days=window_days + NEW_CONTRIBUTOR_DAYS))
    changes = and_(ChangeRequest.created_at > oldest, ChangeRequest.created_at <= now)
    merges = and_(
        Contribution.kind == MERGED_CHANGE,
        Contribution.occurred_at > oldest_merge,
        Contribution.occurred_at <= now,
    )
    return changes, merges


def _change_columns() -> list[Any]:
    """What a change request's metrics move with: added or removed (count, ids), answered, merged,
    closed."""
    return [
        func.count(),
        func.coalesce(func.sum(ChangeRequest.id), 0),
        func.count(ChangeRequest.first_response_at),
        func.count(ChangeRequest.merged_at),
        func.count(ChangeRequest.closed_at),
    ]


def _totals(now: datetime, window_days: int) -> Select[Any]:
    """One row that moves when anything the windows' metrics read from the ledger does: change requests
    created in them, merged contributions in them, and any new merged contribution (however old, it
    may be someone's first; its id is the row's last column)."""
    changes_in, merges_in = _in_windows(now, window_days)
    parts = [
        select(*(c.label(f"c{n}") for n, c in enumerate(_change_columns()))).where(changes_in).subquery(),
        select(func.count().label("merges")).where(merges_in).subquery(),
        select(func.coalesce(func.max(Contribution.id), 0).label("newest"))
        .where(Contribution.kind == MERGED_CHANGE)
        .subquery(),
    ]
    joined: FromClause = parts[0]
    for part in parts[1:]:  # one row of each aggregate, joined on nothing: each is read once
        joined = joined.join(part, true())
    return select(*(column for part in parts for column in part.c)).select_from(joined)


def _per_project(now: datetime, window_days: int) -> tuple[Executable, Executable]:
    """The aggregate per listed project: its change requests, then its merged contributions."""
    changes_in, merges_in = _in_windows(now, window_days)
    listed = Project.listed.is_(True)
    changes = (
        select(ChangeRequest.project_id, *_change_columns())
        .join(Project, and_(Project.id == ChangeRequest.project_id, listed))
        .where(changes_in)
        .group_by(ChangeRequest.project_id)
    )
    merges = (
        select(Contribution.project_id, func.count())
        .join(Project, and_(Project.id == Contribution.project_id, listed))
        .where(merges_in)
        .group_by(Contribution.project_id)
    )
    return changes, merges


def _merged_since(session: Session, newest: int) -> set[int]:
    """Projects with a merged contribution recorded after `newest` (by id), whenever it happened."""
    query = select(Contribution.project_id).where(
        Contribution.kind == MERGED_CHANGE, Contribution.id > newest
    )
    return set(session.scalars(query.distinct()))
