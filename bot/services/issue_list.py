"""`issues [WORDS|lang:X|topic:Y]`: offerable good-first-issues matching filters, or the caller's
subscriptions when none are given, best first, a page at a time.

What a project is found by (its topic and language keys, its name's words) is kept in memory, one
`ProjectTerms` per finder, reloaded when the listed catalog changes (the same fingerprint the search
index uses: one aggregate query a call). A call works out which projects can match, asks the database
only for those projects' open issues (light columns), ranks them, and reads the full rows of the page
shown: a 50,000-project catalog is not loaded into Python on every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.search_text import name_terms, terms
from bot.clock import Clock
from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.db.people import Person, ProjectMute, Subscription
from bot.services.command_line import parse_find
from bot.services.routing_issues import (
    IssueView,
    is_assigned,
    load_json,
    only_offerable,
    raw_json,
    score_of,
    terms_of,
    view_of,
)

PAGE = 5
FILTERS, SUBSCRIPTIONS, NO_SUBSCRIPTIONS = "filters", "subscriptions", "no_subscriptions"
_CHUNK = 5_000  # project ids a query carries
Term = tuple[str, str]


@dataclass(frozen=True)
class IssueList:
    text: str  # the argument as typed (what *More* re-runs)
    source: str  # filters | subscriptions | no_subscriptions
    issues: tuple[IssueView, ...]
    offset: int
    total: int
    problems: tuple[str, ...] = ()

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.issues)

    @property
    def has_more(self) -> bool:
        return self.next_offset < self.total


@dataclass(frozen=True)
class _Project:
    terms: frozenset[Term]  # ("topic", key), ("lang", key), ("project", "<id>")
    words: frozenset[str]  # what `issues WORDS` finds it by, besides its issues' titles
    ready: bool
    activity_score: int


class ProjectTerms:
    """Listed projects' terms and ranking inputs, with the inverse term → projects."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str | None, str | None, bool, int]]) -> None:
        self.projects: dict[int, _Project] = {}
        self.by_term: dict[Term, set[int]] = {}
        for project_id, name, full_name, topics, languages, ready, activity_score in rows:
            found = terms_of(project_id, load_json(topics), load_json(languages))
            words = set(name_terms(name)) | set(terms(full_name)) | {key for _, key in found}
            self.projects[project_id] = _Project(
                frozenset(found), frozenset(words), bool(ready), activity_score
            )
            for term in found:
                self.by_term.setdefault(term, set()).add(project_id)

    @staticmethod
    def load(session: Session) -> ProjectTerms:
        query = select(
            Project.id,
            Project.name,
            Project.full_name,
            raw_json(Project.topics),
            raw_json(Project.languages),
            Project.ready,
            Project.activity_score,
        ).where(Project.listed.is_(True))
        return ProjectTerms(session.execute(query))

    def having_all(self, wanted: set[Term]) -> set[int]:
        if not wanted:
            return set(self.projects)
        found = [self.by_term.get(term, set()) for term in wanted]
        return set.intersection(*found)

    def having_any(self, wanted: set[Term]) -> set[int]:
        return set().union(*(self.by_term.get(term, set()) for term in wanted))


def find_issues(
    sessions: sessionmaker[Session],
    clock: Clock,
    slack_user_id: str,
    argument: str,
    offset: int = 0,
    catalog: Callable[[Session], ProjectTerms] = ProjectTerms.load,
) -> IssueList:
    query = parse_find(argument)
    problems = query.problems + tuple(f"“forge:{f}” is not used by issues" for f in query.forges)
    words = {t for word in query.words for t in terms(word)}
    wanted = {("lang", v) for v in query.languages} | {("topic", v) for v in query.topics}
    with session_scope(sessions) as session:
        now, projects = clock(), catalog(session)
        if words or wanted:
            # An issue matches when its project has the wanted terms and every word is in the
            # project's words or the issue's title.
            eligible = {p: frozenset(words - projects.projects[p].words) for p in projects.having_all(wanted)}
            source = FILTERS
        else:
            subscribed, muted = _subscriptions(session, slack_user_id)
            if not subscribed:
                return IssueList(query.text, NO_SUBSCRIPTIONS, (), 0, 0, problems)
            explicit = {value for kind, value in subscribed if kind == "project"}
            eligible = {
                p: frozenset()
                for p in projects.having_any(subscribed)
                if str(p) not in muted or str(p) in explicit
            }
            source = SUBSCRIPTIONS
        ranked = _ranked(session, now, projects, eligible, everything=len(eligible) == len(projects.projects))
        offset = max(0, min(offset, len(ranked)))
        page = issue_views(session, ranked[offset : offset + PAGE])
    return IssueList(query.text, source, page, offset, len(ranked), problems)


def _ranked(
    session: Session,
    now: datetime,
    projects: ProjectTerms,
    eligible: dict[int, frozenset[str]],
    *,
    everything: bool,
) -> list[int]:
    """Ids of the offerable issues of `eligible` projects whose titles hold the words still missing
    for their project, best first."""
    found: list[tuple[float, int]] = []
    for issue_id, project_id, title, assignees, updated_at in _offerable(session, eligible, everything):
        missing = eligible.get(project_id)
        if missing is None or is_assigned(assignees):
            continue  # a project listed since the catalog was read: the next call will know it
        if missing and not missing <= set(terms(title)):
            continue
        project = projects.projects[project_id]
        found.append((score_of(project.ready, project.activity_score, updated_at, now), issue_id))
    found.sort(key=lambda pair: (-pair[0], pair[1]))
    return [issue_id for _, issue_id in found]


def _offerable(
    session: Session, eligible: dict[int, frozenset[str]], everything: bool
) -> Iterator[tuple[int, int, str, str, datetime]]:
    """Open, unclaimed issues of listed projects (assignees are JSON, checked by the caller): of all
    of them when every project is eligible, else of the eligible ones, a chunk of projects a query."""
    base = only_offerable(
        select(
            GoodFirstIssue.id,
            GoodFirstIssue.project_id,
            GoodFirstIssue.title,
            raw_json(GoodFirstIssue.assignees),
            GoodFirstIssue.updated_at,
        )
    )
    if everything:
        yield from session.execute(base)
        return
    ids = sorted(eligible)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        yield from session.execute(base.where(GoodFirstIssue.project_id.in_(chunk)))


def issue_views(session: Session, issue_ids: list[int]) -> tuple[IssueView, ...]:
    if not issue_ids:
        return ()
    rows = session.execute(
        select(GoodFirstIssue, Project)
        .join(Project, Project.id == GoodFirstIssue.project_id)
        .where(GoodFirstIssue.id.in_(issue_ids))
    )
    views = {issue.id: view_of(issue, project) for issue, project in rows}
    return tuple(views[i] for i in issue_ids if i in views)


def _subscriptions(session: Session, slack_user_id: str) -> tuple[set[Term], set[str]]:
    person_id = session.scalar(select(Person.id).where(Person.slack_user_id == slack_user_id))
    if person_id is None:
        return set(), set()
    subscribed = {
        (kind, value)
        for kind, value in session.execute(
            select(Subscription.kind, Subscription.value).where(Subscription.person_id == person_id)
        )
    }
    muted = {
        str(project_id)
        for project_id in session.scalars(
            select(ProjectMute.project_id).where(ProjectMute.person_id == person_id)
        )
    }
    return subscribed, muted


class IssueFinder:
    """`find_issues` bound to the database and clock, as the handlers hold it; keeps the projects'
    terms between calls and reloads them when the listed catalog's fingerprint changes."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, refresh_seconds: float = 0.0) -> None:
        self._sessions, self._clock = sessions, clock
        self._catalog: tuple[tuple[int, int, int], ProjectTerms] | None = None
        self._lock = threading.Lock()
        # The fingerprint is asked at most this often (`search_refresh_seconds`, as search itself).
        self._refresh_seconds, self._checked = refresh_seconds, float("-inf")

    def find(self, slack_user_id: str, argument: str, offset: int = 0) -> IssueList:
        return find_issues(self._sessions, self._clock, slack_user_id, argument, offset, self._projects)

    def _projects(self, session: Session) -> ProjectTerms:
        catalog = self._catalog
        if catalog is not None and time.monotonic() - self._checked < self._refresh_seconds:
            return catalog[1]
        fingerprint = _fingerprint(session)
        self._checked = time.monotonic()
        with self._lock:
            if self._catalog is None or self._catalog[0] != fingerprint:
                self._catalog = (fingerprint, ProjectTerms.load(session))
            return self._catalog[1]


def _fingerprint(session: Session) -> tuple[int, int, int]:
    """(listed rows, their digests' sum, their largest id): changes when a project is listed or
    unlisted, or its name, topics, languages, readiness or activity change (see SEARCHED_COLUMNS)."""
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Project.search_digest), 0),
            func.coalesce(func.max(Project.id), 0),
        ).where(Project.listed.is_(True))
    ).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0)
