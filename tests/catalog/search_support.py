"""Helpers for the search catalog's tests: projects and good-first-issues written as a crawl would."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, select

from bot.app import Core
from bot.catalog.store import new_project
from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.forges.base import RepoSummary
from tests.conftest import NOW


def add_project(core: Core, full_name: str, description: str = "", forge: str = "github") -> int:
    namespace, _, name = full_name.rpartition("/")
    summary = RepoSummary(
        forge=forge, host=f"{forge}.example.com", forge_id=full_name, full_name=full_name, name=name,
        namespace=namespace, web_url=f"https://{forge}.example.com/{full_name}", description=description,
        topics=("search",), visibility="internal", archived=False, fork=False, empty=False,
        default_branch="main", primary_language="Go", stars=0, forks=0, open_issues=0, created_at=NOW,
        updated_at=NOW, pushed_at=NOW,
    )  # fmt: skip
    with session_scope(core.sessions) as session:
        project = new_project(summary, namespace, NOW)
        session.add(project)
        session.flush()
        return project.id


def set_description(core: Core, project_id: int, description: str) -> None:
    with session_scope(core.sessions) as session:
        project = session.get(Project, project_id)
        assert project is not None
        project.description = description


def add_issue(core: Core, project_id: int, number: int, assignees: list[str] | None = None) -> None:
    with session_scope(core.sessions) as session:
        session.add(
            GoodFirstIssue(
                project_id=project_id, forge_id=f"{project_id}-{number}", number=number,
                title=f"Issue {number}", url=f"https://example.com/{project_id}/{number}",
                labels=["good first issue"], state="open", assignees=assignees or [], author="someone",
                created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip


def set_issue(
    core: Core, project_id: int, number: int, state: str = "open", assignees: tuple[str, ...] = ()
) -> None:
    with session_scope(core.sessions) as session:
        issue = session.scalars(
            select(GoodFirstIssue).where(
                GoodFirstIssue.project_id == project_id, GoodFirstIssue.number == number
            )
        ).one()
        issue.state, issue.assignees = state, list(assignees)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def join_background_refresh() -> None:
    """Wait for the refresh threads, and for any they started (a card metrics worker) in turn."""
    for _ in range(10):
        busy = [t for t in threading.enumerate() if t.name in ("search-refresh", "search-snapshot")]
        for thread in busy:
            thread.join(timeout=30)
        if not busy:
            return
