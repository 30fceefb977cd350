"""Keeps good-first-issues fresh with org-wide reads instead of one request per repository.

A first or full crawl reads every open good-first-issue of the organisation/group and takes that as
the truth; later crawls apply only the issues changed since the last successful crawl (issue
activity moves neither pushed_at nor updated_at, so the repository markers cannot tell).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Select
from sqlalchemy.orm import Session, selectinload

from bot.catalog import store
from bot.db.models import Project
from bot.forges.base import Forge, Issue

# Overlap for the changed-issues query: clocks of forge and bot differ, an issue must not slip by.
ISSUE_QUERY_OVERLAP = timedelta(minutes=10)


def _by_full_name(session: Session, projects: Select[Project]) -> dict[str, Project]:
    return {p.full_name: p for p in session.scalars(projects.options(selectinload(Project.issues)))}


def replace_all_open(session: Session, projects: Select[Project], issues: Iterable[Issue]) -> int:
    """The org-wide read is complete: it decides which good-first-issues are open in every project."""
    grouped: dict[str, list[Issue]] = defaultdict(list)
    for issue in issues:
        grouped[issue.repo_full_name].append(issue)
    touched = 0
    for full_name, project in _by_full_name(session, projects).items():
        fresh = grouped.get(full_name, [])
        if fresh or any(row.state == "open" for row in project.issues):
            store.replace_open_issues(project, fresh)
            touched += len(fresh)
    return touched


def apply_changes(
    session: Session, projects: Select[Project], changes: Iterable[Issue], labels: tuple[str, ...]
) -> int:
    """Issues updated since the last crawl: new labels, closes, assignments. Returns rows changed."""
    by_name = _by_full_name(session, projects)
    changed = 0
    for issue in changes:
        project = by_name.get(issue.repo_full_name)
        if project is not None and store.apply_issue_change(project, issue, labels):
            changed += 1
    return changed


def read_issues(forge: Forge, namespace: str, since: datetime | None) -> list[Issue]:
    """The forge read for this crawl: every open one (no cursor) or the changes since the cursor."""
    if since is None:
        return list(forge.open_good_first_issues(namespace))
    return list(forge.changed_issues(namespace, since - ISSUE_QUERY_OVERLAP))
