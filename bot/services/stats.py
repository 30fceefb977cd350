"""`/innersource stats`: the program at a glance — catalog, people per level, the four metrics with
their trend, where outside contributors wait longest, nominations nobody on Slack can decide, and
whether the announce channel takes the bot's posts."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.progression import LEVELS, NOMINATION_PENDING, ContributorLevel, Nomination
from bot.forges.base import login_keys
from bot.services import metrics_snapshot as snapshot
from bot.services import nominations
from bot.services.announcements import AnnounceHealth, announce_health
from bot.services.metrics import ProgramMetrics, program_metrics
from bot.services.waiting import waiting_summary

LONGEST_WAITS = 5  # projects shown under "waiting longest"
NOMINATIONS_SHOWN = 10  # oldest pending nominations listed; `waiting_nominations_total` counts them all
_CHUNK = 5_000  # logins an IN (...) carries


@dataclass(frozen=True)
class LongestWait:
    """A listed project with open outside change requests that nobody has answered yet."""

    full_name: str
    web_url: str
    oldest_wait: timedelta  # now - created_at of its oldest unanswered open one
    waiting: int  # how many are waiting


@dataclass(frozen=True)
class WaitingNomination:
    """A pending nomination on a project none of whose maintainers the bot can reach on Slack."""

    project: str  # full_name
    login: str  # the candidate, as the forge spells it
    created_at: datetime


@dataclass(frozen=True)
class StatsView:
    now: datetime
    window_days: int
    metrics_at: datetime  # when `metrics` was computed (the worker's last progression run)
    projects_listed: int
    projects_ready: int  # listed and InnerSource-ready
    people_per_level: tuple[tuple[str, int], ...]  # (level, contributors) for each of LEVELS, lowest first
    metrics: ProgramMetrics  # .current and .previous
    longest_waits: tuple[LongestWait, ...]  # at most LONGEST_WAITS, longest first
    waiting_nominations: tuple[WaitingNomination, ...]  # at most NOMINATIONS_SHOWN, oldest first
    waiting_nominations_total: int
    announce: AnnounceHealth | None = None  # the announce channel: off, refusing posts, or fine

    @property
    def ready_share(self) -> float | None:
        """Share of listed projects that are InnerSource-ready; None with nothing listed."""
        return self.projects_ready / self.projects_listed if self.projects_listed else None


def program_stats(
    session: Session,
    now: datetime,
    window_days: int,
    metrics: tuple[ProgramMetrics, datetime] | None = None,
    bot_logins: frozenset[str] = frozenset(),
) -> StatsView:
    """`metrics`: the program's metrics and when they were computed; None computes them now."""
    listed, ready = session.execute(
        select(func.count(Project.id), func.sum(case((Project.ready.is_(True), 1), else_=0))).where(
            Project.listed.is_(True)
        )
    ).one()
    levels = select(ContributorLevel.level, func.count()).group_by(ContributorLevel.level)
    per_level: dict[str, int] = {level: count for level, count in session.execute(levels)}
    nominations, nominations_total = waiting_nominations(session)
    program, metrics_at = (
        metrics if metrics is not None else (program_metrics(session, now, window_days, bot_logins), now)
    )
    return StatsView(
        now=now,
        window_days=window_days,
        metrics_at=metrics_at,
        projects_listed=int(listed),
        projects_ready=int(ready or 0),
        people_per_level=tuple((level, int(per_level.get(level, 0))) for level in LEVELS),
        metrics=program,
        longest_waits=longest_waits(session, now, bot_logins=bot_logins),
        waiting_nominations=nominations,
        waiting_nominations_total=nominations_total,
    )


def longest_waits(
    session: Session, now: datetime, limit: int = LONGEST_WAITS, bot_logins: frozenset[str] = frozenset()
) -> tuple[LongestWait, ...]:
    """Listed projects by the oldest open outside change request still without a response."""
    waiting = waiting_summary(session, bot_logins)
    ranked = sorted(waiting.values(), key=lambda w: (w.oldest, w.project))
    return tuple(
        LongestWait(w.project, w.project_url, max(now - w.oldest, timedelta(0)), w.waiting)
        for w in ranked[:limit]
    )


def waiting_nominations(
    session: Session, limit: int = NOMINATIONS_SHOWN
) -> tuple[tuple[WaitingNomination, ...], int]:
    """Pending nominations on listed projects where no maintainer has a verified identity on the
    project's forge and host belonging to a person Slack lets the bot write to: nobody will be asked.
    The oldest `limit` of them, and how many there are."""
    pending = session.execute(
        select(
            Project.forge,
            Project.host,
            Project.full_name,
            Project.maintainers,
            Nomination.login,
            Nomination.created_at,
        )
        .join(Project, Project.id == Nomination.project_id)
        .where(Nomination.status == NOMINATION_PENDING, Project.listed.is_(True))
        .order_by(Nomination.created_at, Nomination.id)
    ).all()
    wanted = sorted({key for *_, maintainers, _, _ in pending for key in login_keys(maintainers)})
    reachable = set(nominations.reachable(session, wanted))
    waiting = [
        WaitingNomination(full_name, login, created_at)
        for forge, host, full_name, maintainers, login, created_at in pending
        if not any((forge, host, key) in reachable for key in login_keys(maintainers))
    ]
    return tuple(waiting[:limit]), len(waiting)


class StatsService:
    """`/innersource stats`, one transaction a call. The metrics come from the snapshot the worker
    refreshes after each progression run (`refresh`); with none yet, the first call computes it."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, settings: Settings) -> None:
        self._sessions, self._clock, self._settings = sessions, clock, settings
        self._bots = login_keys(settings.bot_logins)
        # The answer is the same for everyone: kept for `search_refresh_seconds` (when it was made).
        self._answer: tuple[float, StatsView] | None = None

    def stats(self) -> StatsView:
        answer = self._answer
        if answer is not None and time.monotonic() - answer[0] < self._settings.search_refresh_seconds:
            return answer[1]
        view = self._stats()
        self._answer = (time.monotonic(), view)
        return view

    def _stats(self) -> StatsView:
        window = self._settings.metrics_window_days
        now = self._clock()
        with session_scope(self._sessions) as session:
            found = snapshot.latest(session, window)
        if found is None:  # first install: computed here once; a second caller at the same time just reads
            found = (self._first_snapshot(now), now)
        with session_scope(self._sessions) as session:
            view = program_stats(session, now, window, found, self._bots)
            return replace(view, announce=announce_health(session, self._settings.announce_channel))

    def _first_snapshot(self, now: datetime) -> ProgramMetrics:
        window = self._settings.metrics_window_days
        try:
            with session_scope(self._sessions) as session:
                return snapshot.refresh(session, now, window, self._bots)
        except IntegrityError:  # another process stored it first
            with session_scope(self._sessions) as session:
                return program_metrics(session, now, window, self._bots)

    def refresh(self) -> str:
        """Recompute the program's metrics into the snapshot (the progression job, after levels)."""
        window = self._settings.metrics_window_days
        with session_scope(self._sessions) as session:
            metrics = snapshot.refresh(session, self._clock(), window, self._bots)
        self._answer = None
        return f"program metrics over {window} days refreshed ({metrics.projects} projects)"
