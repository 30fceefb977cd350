"""The program's four metrics, per project and program-wide, for a window and the window before.

1. Time to first response on *outside* change requests (author neither a bot nor a maintainer of the
   project) created in the window: Kaplan-Meier median and p90, the ones without a response censored
   rather than dropped (bot/services/metrics_stats.py).
2. InnerSource ratio: the share of the window's merged contributions (non-bot) made by people who do
   not maintain the project; program-wide pooled (sum over sum).
3. New contributors: non-bot, non-maintainer authors whose first ever merged contribution to the
   project falls in the last 30 days. Program-wide: whose first merged contribution to any listed
   project they do not maintain does, each author (forge, host, login) once.
4. Contributor absence factor: the fewest authors making at least half the window's merged
   contributions (maintainers included: it measures who the project depends on).

`previous` is every metric as it stood at the end of the window before (`now - window_days`): the
same code run with that as "now", so nothing that happened later (a late response, a merge) leaks in
and the two values compare like with like. For new contributors that is the 30 days up to then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.services.metrics_load import (
    NEW_CONTRIBUTOR_DAYS,
    AuthorKey,
    ChangeRow,
    MetricsData,
    load,
)
from bot.services.metrics_stats import (
    Observation,
    Quantile,
    ResponseTimes,
    absence_factor,
    response_times,
)

__all__ = [
    "NEW_CONTRIBUTOR_DAYS",
    "InnerSourceRatio",
    "ProgramMetrics",
    "ProjectMetrics",
    "Quantile",
    "ResponseTimes",
    "WindowMetrics",
    "all_project_metrics",
    "empty_project_metrics",
    "program_metrics",
    "project_metrics",
    "some_project_metrics",
]


@dataclass(frozen=True)
class InnerSourceRatio:
    outside: int  # merged contributions by people who do not maintain the project
    merged: int  # all merged contributions (non-bot)

    @property
    def value(self) -> float | None:
        """outside / merged; None when nothing was merged."""
        return self.outside / self.merged if self.merged else None


@dataclass(frozen=True)
class WindowMetrics:
    """The four metrics over (start, end]; new contributors over the last 30 days of it."""

    start: datetime
    end: datetime
    response: ResponseTimes
    innersource: InnerSourceRatio
    new_contributors: int
    absence_factor: int


@dataclass(frozen=True)
class ProjectMetrics:
    project_id: int
    window_days: int
    current: WindowMetrics  # (now - window, now]
    previous: WindowMetrics  # (now - 2 window, now - window], as it stood at now - window


@dataclass(frozen=True)
class ProgramMetrics:
    projects: int  # listed projects
    window_days: int
    current: WindowMetrics
    previous: WindowMetrics


class _Tally:
    """One scope's (a project's, or the program's) raw material for one window."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []
        self.waiting = 0
        self.outside = 0
        self.authors: Counter[AuthorKey] = Counter()

    def result(self, start: datetime, end: datetime, new_contributors: int) -> WindowMetrics:
        return WindowMetrics(
            start=start,
            end=end,
            response=response_times(self.observations, self.waiting),
            innersource=InnerSourceRatio(self.outside, sum(self.authors.values())),
            new_contributors=new_contributors,
            absence_factor=absence_factor(self.authors.values()),
        )


def _observe(change: ChangeRow, end: datetime) -> tuple[Observation, bool]:
    """The change request's wait as known at `end`, and whether it was still open and waiting then."""
    if change.first_response_at is not None and change.first_response_at <= end:
        return Observation(max(change.first_response_at - change.created_at, timedelta(0)), True), False
    if change.stopped_at is not None and change.stopped_at <= end:
        return Observation(max(change.stopped_at - change.created_at, timedelta(0)), False), False
    return Observation(end - change.created_at, False), True


def _compute(
    data: MetricsData, now: datetime, window_days: int, per_project: bool = True
) -> tuple[dict[int, ProjectMetrics], ProgramMetrics]:
    """The program's metrics and (unless `per_project` is False) every project's, in one pass over
    what `load` read."""
    window = timedelta(days=window_days)
    ends = (now, now - window)
    program = (_Tally(), _Tally())
    tallies: dict[int, tuple[_Tally, _Tally]] = {}

    def scopes(project_id: int, index: int) -> tuple[_Tally, ...]:
        if not per_project:
            return (program[index],)
        pair = tallies.get(project_id)
        if pair is None:
            pair = tallies[project_id] = (_Tally(), _Tally())
        return pair[index], program[index]

    for change in data.changes:
        project = data.projects.get(change.project_id)
        if project is None or change.author in project.maintainers:
            continue
        for index, end in enumerate(ends):
            if end - window < change.created_at <= end:
                observation, waiting = _observe(change, end)
                for tally in scopes(project.id, index):
                    tally.observations.append(observation)
                    tally.waiting += waiting

    for row in data.merged:
        project = data.projects.get(row.project_id)
        if project is None:
            continue
        outside = row.author[2] not in project.maintainers
        for index, count in enumerate((row.current, row.previous)):
            if count:
                for tally in scopes(project.id, index):
                    tally.authors[row.author] += count
                    tally.outside += count if outside else 0

    new_in_project: dict[int, list[int]] = {}
    first_outside: dict[AuthorKey, datetime] = {}
    for first in data.first_merges:
        project = data.projects.get(first.project_id)
        if project is None or first.author[2] in project.maintainers:
            continue
        for index, end in enumerate(ends):
            if end - timedelta(days=NEW_CONTRIBUTOR_DAYS) < first.first_at <= end:
                new_in_project.setdefault(project.id, [0, 0])[index] += 1
        known = first_outside.get(first.author)
        if known is None or first.first_at < known:
            first_outside[first.author] = first.first_at
    new_in_program = [
        sum(1 for at in first_outside.values() if end - timedelta(days=NEW_CONTRIBUTOR_DAYS) < at <= end)
        for end in ends
    ]

    def window_pair(pair: tuple[_Tally, _Tally], new: list[int]) -> tuple[WindowMetrics, WindowMetrics]:
        return pair[0].result(now - window, now, new[0]), pair[1].result(
            now - 2 * window, now - window, new[1]
        )

    # Most projects of a large catalog had nothing in either window: they share one empty pair.
    empty = _empty_windows(now, window)
    per_projects = {
        pid: ProjectMetrics(
            pid,
            window_days,
            *(
                window_pair(tallies.get(pid) or (_Tally(), _Tally()), new_in_project.get(pid, [0, 0]))
                if pid in tallies or pid in new_in_project
                else empty
            ),
        )
        for pid in (data.projects if per_project else ())
    }
    return per_projects, ProgramMetrics(
        len(data.projects), window_days, *window_pair(program, new_in_program)
    )


def _empty_windows(now: datetime, window: timedelta) -> tuple[WindowMetrics, WindowMetrics]:
    return _Tally().result(now - window, now, 0), _Tally().result(now - 2 * window, now - window, 0)


def empty_project_metrics(project_id: int, now: datetime, window_days: int) -> ProjectMetrics:
    """The metrics of a project with nothing in either window."""
    return ProjectMetrics(project_id, window_days, *_empty_windows(now, timedelta(days=window_days)))


def project_metrics(
    session: Session,
    project_id: int,
    now: datetime,
    window_days: int,
    bot_logins: frozenset[str] = frozenset(),
) -> ProjectMetrics:
    """One project's metrics (listed or not). Raises KeyError for an unknown project id."""
    per_project, _ = _compute(load(session, now, window_days, project_id, bot_logins), now, window_days)
    return per_project[project_id]


def all_project_metrics(
    session: Session, now: datetime, window_days: int, bot_logins: frozenset[str] = frozenset()
) -> dict[int, ProjectMetrics]:
    """Every listed project's metrics by project id, in a constant number of queries."""
    per_project, _ = _compute(load(session, now, window_days, None, bot_logins), now, window_days)
    return per_project


def some_project_metrics(
    session: Session,
    project_ids: Collection[int],
    now: datetime,
    window_days: int,
    bot_logins: frozenset[str] = frozenset(),
) -> dict[int, ProjectMetrics]:
    """These projects' metrics (listed or not) by project id, in a constant number of queries; an
    unknown id is left out."""
    if not project_ids:
        return {}
    per_project, _ = _compute(load(session, now, window_days, project_ids, bot_logins), now, window_days)
    return per_project


def program_metrics(
    session: Session, now: datetime, window_days: int, bot_logins: frozenset[str] = frozenset()
) -> ProgramMetrics:
    """The program-wide metrics over all listed projects."""
    _, program = _compute(
        load(session, now, window_days, None, bot_logins), now, window_days, per_project=False
    )
    return program
