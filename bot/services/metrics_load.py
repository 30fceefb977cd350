"""What the metrics read from the database: a constant number of queries, whether for one project or
every listed one (the CSV export of a 50,000-project catalog), with the grouping done in SQL.

Logins are compared by `lower()` in SQL and `casefold()` in Python; forge logins are ASCII, where the
two agree.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, select, tuple_
from sqlalchemy.orm import Session

from bot.db.models import Contribution, Project
from bot.db.progression import ChangeRequest
from bot.forges.base import login_keys

MERGED_CHANGE = "merged_change"
NEW_CONTRIBUTOR_DAYS = 30  # "new contributors per 30 days"

AuthorKey = tuple[str, str, str]  # forge, host, casefolded login


@dataclass(frozen=True)
class ProjectRow:
    id: int
    forge: str
    host: str
    maintainers: frozenset[str]  # login keys


@dataclass(frozen=True)
class ChangeRow:
    """A non-bot change request created within the two windows."""

    project_id: int
    author: str  # login key
    created_at: datetime
    first_response_at: datetime | None
    stopped_at: datetime | None  # merged or closed; None while open


@dataclass(frozen=True)
class MergedCounts:
    """Non-bot merged contributions of one author to one project, in the current and previous window."""

    project_id: int
    author: AuthorKey
    current: int
    previous: int


@dataclass(frozen=True)
class FirstMerge:
    """When an author's first merged contribution to a project happened (authors who merged anything
    recently enough to be new in either window; the rest cannot be new)."""

    project_id: int
    author: AuthorKey
    first_at: datetime


@dataclass(frozen=True)
class MetricsData:
    projects: dict[int, ProjectRow]
    changes: list[ChangeRow]
    merged: list[MergedCounts]
    first_merges: list[FirstMerge]


def load(
    session: Session,
    now: datetime,
    window_days: int,
    project_id: int | Collection[int] | None = None,
    bot_logins: frozenset[str] = frozenset(),
) -> MetricsData:
    """Everything the metrics of `now`'s window and the one before need: for `project_id` (or each of
    several; listed or not), or for every listed project when it is None. Four queries either way.
    `bot_logins` (casefolded) never count, whatever the rows' `author_is_bot` says (rows recorded
    before the setting named them)."""
    window = timedelta(days=window_days)
    previous_end = now - window
    oldest = now - 2 * window

    ids = [project_id] if isinstance(project_id, int) else None if project_id is None else list(project_id)

    def scoped(query: Select[Any], column: Any) -> Select[Any]:
        if ids is not None:
            return query.where(column == ids[0] if len(ids) == 1 else column.in_(ids))
        return query.join(Project, and_(Project.id == column, Project.listed.is_(True)))

    project_query = select(Project.id, Project.forge, Project.host, Project.maintainers)
    project_query = (
        scoped(project_query, Project.id)
        if ids is not None
        else project_query.where(Project.listed.is_(True))
    )
    projects = {
        pid: ProjectRow(pid, forge, host, login_keys(maintainers))
        for pid, forge, host, maintainers in session.execute(project_query)
    }

    change_query = scoped(
        select(
            ChangeRequest.project_id,
            func.lower(ChangeRequest.author),
            ChangeRequest.state,
            ChangeRequest.created_at,
            ChangeRequest.first_response_at,
            ChangeRequest.merged_at,
            ChangeRequest.closed_at,
            ChangeRequest.updated_at,
        ).where(
            ChangeRequest.author_is_bot.is_(False),
            *_not_bots(func.lower(ChangeRequest.author), bot_logins),
            ChangeRequest.created_at > oldest,
            ChangeRequest.created_at <= now,
        ),
        ChangeRequest.project_id,
    )
    changes = [
        # A merged/closed row without its time (never expected) stops at its last update.
        ChangeRow(pid, author, created, responded, merged or closed or (None if state == "open" else updated))
        for pid, author, state, created, responded, merged, closed, updated in session.execute(change_query)
    ]

    author = func.lower(Contribution.author)
    merged_here = and_(
        Contribution.kind == MERGED_CHANGE,
        Contribution.author_is_bot.is_(False),
        *_not_bots(author, bot_logins),
    )
    in_current = Contribution.occurred_at > previous_end
    counts_query = scoped(
        select(
            Contribution.project_id,
            Contribution.forge,
            Contribution.host,
            author,
            func.sum(case((in_current, 1), else_=0)),
            func.sum(case((in_current, 0), else_=1)),
        )
        .where(merged_here, Contribution.occurred_at > oldest, Contribution.occurred_at <= now)
        .group_by(Contribution.project_id, Contribution.forge, Contribution.host, author),
        Contribution.project_id,
    )
    merged = [
        MergedCounts(pid, (forge, host, login), int(current or 0), int(previous or 0))
        for pid, forge, host, login, current, previous in session.execute(counts_query)
    ]

    # Only an author whose first merge to some project came after `since` can be new anywhere in
    # either window; for them, every project's first merge (however old) says where they were new.
    since = previous_end - timedelta(days=NEW_CONTRIBUTOR_DAYS)
    recent = scoped(
        select(Contribution.forge, Contribution.host, author.label("login"))
        .where(merged_here, Contribution.occurred_at <= now)
        .group_by(Contribution.project_id, Contribution.forge, Contribution.host, author)
        .having(func.min(Contribution.occurred_at) > since),
        Contribution.project_id,
    ).subquery()
    first_query = scoped(
        select(
            Contribution.project_id,
            Contribution.forge,
            Contribution.host,
            author,
            func.min(Contribution.occurred_at),
        )
        .where(
            merged_here,
            Contribution.occurred_at <= now,
            # IN, not a join: both databases then build the subquery's set once and probe it.
            tuple_(Contribution.forge, Contribution.host, author).in_(select(recent)),
        )
        .group_by(Contribution.project_id, Contribution.forge, Contribution.host, author),
        Contribution.project_id,
    )
    first_merges = [
        FirstMerge(pid, (forge, host, login), first_at)
        for pid, forge, host, login, first_at in session.execute(first_query)
    ]
    return MetricsData(projects, changes, merged, first_merges)


def _not_bots(login: Any, bot_logins: frozenset[str]) -> list[Any]:
    return [login.not_in(sorted(bot_logins))] if bot_logins else []
