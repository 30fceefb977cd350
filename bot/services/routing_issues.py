"""Which good-first-issues may be offered, ranked best first: for routing and for `issues`.

Offered: open (still labelled), unassigned, unclaimed, in a listed project. Best first: a project that
is InnerSource-ready and active, and a freshly labelled issue, come before a stale one in a quiet repo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Label, Select, Text, cast, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.catalog.search_text import language_key, name_terms, terms, topic_key
from bot.db.models import GoodFirstIssue, Project
from bot.db.people import IssueClaim

FRESHNESS_HALF_LIFE_DAYS = 14.0
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Candidate:
    """An offerable issue with the subscription terms it matches: ("topic", key), ("lang", key),
    ("project", "<id>")."""

    id: int
    project_id: int
    forge: str
    host: str
    author: str
    terms: tuple[tuple[str, str], ...]
    score: float
    term_set: frozenset[tuple[str, str]]  # `terms` as a set (shared by a project's issues)


@dataclass(frozen=True)
class IssueView:
    """What a message shows of one good-first-issue."""

    id: int
    number: int
    title: str
    url: str
    labels: tuple[str, ...]
    created_at: datetime
    project_id: int
    project_name: str  # full name
    project_url: str
    why: str = ""  # "topic:kafka", "lang:Go", "project:acme/x": the subscription that matched


def only_offerable(query: _Query) -> _Query:
    """`query` (over good-first-issues) narrowed to open ones of listed projects nobody has claimed
    (assignees are checked in Python: they are a JSON list)."""
    return (
        query.join(Project, Project.id == GoodFirstIssue.project_id)
        .outerjoin(IssueClaim, IssueClaim.issue_id == GoodFirstIssue.id)
        .where(GoodFirstIssue.state == "open", Project.listed.is_(True), IssueClaim.id.is_(None))
    )


def offerable() -> Select[GoodFirstIssue, Project]:
    """Offerable issues with their projects, whole rows."""
    return only_offerable(select(GoodFirstIssue, Project))


def score(project: Project, issue: GoodFirstIssue, now: datetime) -> float:
    return score_of(project.ready, project.activity_score, issue.updated_at, now)


def score_of(ready: bool, activity_score: int, updated_at: datetime, now: datetime) -> float:
    """Readiness (50), activity (up to 50), freshness of the label (50, halving every two weeks)."""
    age_days = max((now - updated_at).total_seconds() / 86400, 0.0)
    freshness = 50.0 * 0.5 ** (age_days / FRESHNESS_HALF_LIFE_DAYS)
    return float(50.0 * ready + min(activity_score, 3000) / 60 + freshness)


def project_terms(project: Project) -> tuple[tuple[str, str], ...]:
    return terms_of(project.id, project.topics, project.languages)


# Topic and language names repeat across thousands of projects: normalise each once.
_topic_key = lru_cache(maxsize=65_536)(topic_key)
_language_key = lru_cache(maxsize=4_096)(language_key)


def terms_of(project_id: int, topics: Any, languages: Any) -> tuple[tuple[str, str], ...]:
    found = [("topic", _topic_key(str(t))) for t in topics or ()]
    found += [("lang", _language_key(str(lang))) for lang in languages or {}]
    found.append(("project", str(project_id)))
    return tuple(dict.fromkeys(found))


def raw_json(column: InstrumentedAttribute[Any]) -> Label[str]:
    """A JSON column as its text: decoded in Python only where needed (once a project, not once a row;
    an empty assignee list not at all). The column keeps its name."""
    return cast(column, Text).label(column.key)


def load_json(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


def is_assigned(raw: str | None) -> bool:
    """Whether a raw `assignees` value names anyone (`[]`, the usual case, without decoding)."""
    return raw not in (None, "[]") and bool(load_json(raw))


def candidate_issues(
    session: Session, *, now: datetime, since: datetime | None = None, issue_id: int | None = None
) -> list[Candidate]:
    """Offerable issues updated at or after `since` (or the one issue), best first. Reads only the
    columns routing needs: a project row's JSON columns are many and large."""
    query = only_offerable(
        select(
            GoodFirstIssue.id,
            GoodFirstIssue.project_id,
            GoodFirstIssue.author,
            raw_json(GoodFirstIssue.assignees),
            GoodFirstIssue.updated_at,
            Project.forge,
            Project.host,
            raw_json(Project.topics),
            raw_json(Project.languages),
            Project.ready,
            Project.activity_score,
        )
    )
    if since is not None:
        query = query.where(GoodFirstIssue.updated_at >= since)
    if issue_id is not None:
        query = query.where(GoodFirstIssue.id == issue_id)
    found: list[Candidate] = []
    known_terms: dict[int, tuple[tuple[tuple[str, str], ...], frozenset[tuple[str, str]]]] = {}
    for row in session.execute(query):
        if is_assigned(row.assignees):
            continue
        known = known_terms.get(row.project_id)
        if known is None:
            terms = terms_of(row.project_id, load_json(row.topics), load_json(row.languages))
            known = known_terms[row.project_id] = (terms, frozenset(terms))
        rank = score_of(bool(row.ready), row.activity_score, row.updated_at, now)
        found.append(
            Candidate(row.id, row.project_id, row.forge, row.host, row.author or "", known[0], rank, known[1])
        )
    found.sort(key=lambda c: (-c.score, c.id))
    return found


def view_of(issue: GoodFirstIssue, project: Project, why: str = "") -> IssueView:
    return IssueView(
        id=issue.id,
        number=issue.number,
        title=issue.title,
        url=issue.url,
        labels=tuple(str(label) for label in issue.labels or ()),
        created_at=issue.created_at,
        project_id=project.id,
        project_name=project.full_name,
        project_url=project.web_url,
        why=why,
    )


def searchable_words(issue: GoodFirstIssue, project: Project) -> set[str]:
    words = set(terms(issue.title)) | set(name_terms(project.name)) | set(terms(project.full_name))
    words |= {key for _, key in project_terms(project)}
    return words
