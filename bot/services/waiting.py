"""Outside contributions waiting for a first response: open PRs/MRs on listed projects, by someone who
does not maintain the project and is not a bot, with no review, approval or comment from anyone else
yet. `stats` (longest waits), the maintainer digest and App Home read them from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
        .where(
            Project.listed.is_(True),
            ChangeRequest.state == "open",
            ChangeRequest.first_response_at.is_(None),
            ChangeRequest.author_is_bot.is_(False),
            *([func.lower(ChangeRequest.author).not_in(sorted(bot_logins))] if bot_logins else []),
        )
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
            if login_key(author) in keys or login_key(author) in bot_logins:
                continue
            age = max(now - created_at, timedelta(0))
            change = WaitingChange(
                project_id, full_name, web_url, number, title, url, author, created_at, age
            )
            found.setdefault(project_id, []).append(change)
    for changes in found.values():
        changes.sort(key=lambda change: (change.created_at, change.number))
    return found
