"""Outside contributions waiting for a first response: open PRs/MRs on listed projects, by someone who
does not maintain the project and is not a bot, with no review, approval or comment from anyone else
yet. `stats` (longest waits), the maintainer digest and App Home read them from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Project
from bot.db.progression import ChangeRequest
from bot.forges.base import login_key, login_keys

_CHUNK = 500


@dataclass(frozen=True)
class WaitingChange:
    project_id: int
    project: str  # full name
    project_url: str
    number: int
    title: str
    url: str
    author: str
    created_at: datetime
    age: timedelta  # now - created_at, never negative


def _unanswered(bot_logins: frozenset[str]) -> list[Any]:
    """Open, unanswered, not by a bot (the maintainers are left out per project, after the read:
    they are JSON on the project row)."""
    return [
        ChangeRequest.state == "open",
        ChangeRequest.first_response_at.is_(None),
        ChangeRequest.author_is_bot.is_(False),
        *([func.lower(ChangeRequest.author).not_in(sorted(bot_logins))] if bot_logins else []),
    ]


def _outside(author: str, maintainers: frozenset[str], bot_logins: frozenset[str]) -> bool:
    """Neither one of the project's maintainers nor a bot by `bot_logins` (matched as logins are)."""
    key = login_key(author)
    return key not in maintainers and key not in bot_logins


def waiting_changes(
    session: Session,
    now: datetime,
    bot_logins: frozenset[str] = frozenset(),
    project_ids: Iterable[int] | None = None,
) -> dict[int, list[WaitingChange]]:
    """Listed project id → its waiting outside change requests, oldest first. `project_ids` narrows the
    read to those projects (a maintainer's), None reads every listed project."""
    query = (
        select(
            ChangeRequest.project_id, Project.full_name, Project.web_url, Project.maintainers,
            ChangeRequest.number, ChangeRequest.title, ChangeRequest.url, ChangeRequest.author,
            ChangeRequest.created_at,
        )
        .join(Project, Project.id == ChangeRequest.project_id)
        .where(Project.listed.is_(True), *_unanswered(bot_logins))
    )  # fmt: skip
    if project_ids is None:
        queries = [query]
    else:
        ids = sorted(set(project_ids))
        queries = [
            query.where(ChangeRequest.project_id.in_(ids[start : start + _CHUNK]))
            for start in range(0, len(ids), _CHUNK)
        ]
    found: dict[int, list[WaitingChange]] = {}
    maintainers_of: dict[int, frozenset[str]] = {}
    for chunk in queries:
        for row in session.execute(chunk):
            project_id, full_name, web_url, maintainers, number, title, url, author, created_at = row
            keys = maintainers_of.setdefault(project_id, frozenset(login_keys(maintainers)))
            if not _outside(author, keys, bot_logins):
                continue
            age = max(now - created_at, timedelta(0))
            change = WaitingChange(
                project_id, full_name, web_url, number, title, url, author, created_at, age
            )
            found.setdefault(project_id, []).append(change)
    for changes in found.values():
        changes.sort(key=lambda change: (change.created_at, change.number))
    return found


@dataclass(frozen=True)
class WaitingSummary:
    project_id: int
    project: str
    project_url: str
    oldest: datetime
    waiting: int


def waiting_summary(session: Session, bot_logins: frozenset[str] = frozenset()) -> dict[int, WaitingSummary]:
    """Per listed project: its oldest waiting outside change request and how many wait, as
    `waiting_changes` counts them, grouped in the database (`stats` reads every project's)."""
    author = func.lower(ChangeRequest.author).label("login")
    grouped = (
        select(
            ChangeRequest.project_id, author,
            func.min(ChangeRequest.created_at).label("oldest"), func.count().label("waiting"),
        )
        .where(*_unanswered(bot_logins))
        .group_by(ChangeRequest.project_id, author)
        .subquery()
    )  # fmt: skip
    rows = session.execute(
        select(
            Project.id, Project.full_name, Project.web_url, Project.maintainers,
            grouped.c.login, grouped.c.oldest, grouped.c.waiting,
        )
        .join(grouped, grouped.c.project_id == Project.id)
        .where(Project.listed.is_(True))
    )  # fmt: skip
    found: dict[int, WaitingSummary] = {}
    maintainers_of: dict[int, frozenset[str]] = {}
    for project_id, full_name, web_url, maintainers, login, oldest, count in rows:
        keys = maintainers_of.setdefault(project_id, frozenset(login_keys(maintainers)))
        if not _outside(login, keys, bot_logins):
            continue
        before = found.get(project_id)
        found[project_id] = WaitingSummary(
            project_id, full_name, web_url,
            min(oldest, before.oldest) if before else oldest, int(count) + (before.waiting if before else 0),
        )  # fmt: skip
    return found
