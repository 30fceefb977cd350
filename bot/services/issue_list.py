"""`issues [WORDS|lang:X|topic:Y]`: offerable good-first-issues matching filters, or the caller's
subscriptions when none are given, best first, a page at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.search_text import terms
from bot.clock import Clock
from bot.db.engine import session_scope
from bot.db.people import Person, ProjectMute, Subscription
from bot.services.command_line import parse_find
from bot.services.routing_issues import IssueView, offerable, project_terms, score, searchable_words, view_of

PAGE = 5
FILTERS, SUBSCRIPTIONS, NO_SUBSCRIPTIONS = "filters", "subscriptions", "no_subscriptions"
# Keeps an issue, given its project's terms ((kind, key) pairs) and the words it can be found by.
_Keep = Callable[[set[tuple[str, str]], set[str]], bool]


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


def find_issues(
    sessions: sessionmaker[Session], clock: Clock, slack_user_id: str, argument: str, offset: int = 0
) -> IssueList:
    query = parse_find(argument)
    problems = query.problems + tuple(f"“forge:{f}” is not used by issues" for f in query.forges)
    words = {t for word in query.words for t in terms(word)}
    wanted = {("lang", v) for v in query.languages} | {("topic", v) for v in query.topics}
    with session_scope(sessions) as session:
        now = clock()
        if words or wanted:
            ranked = _matching(session, now, lambda ts, ws: wanted <= ts and words <= ws)
            source = FILTERS
        else:
            subscribed, muted = _subscriptions(session, slack_user_id)
            if not subscribed:
                return IssueList(query.text, NO_SUBSCRIPTIONS, (), 0, 0, problems)
            ranked = _matching(
                session,
                now,
                lambda ts, ws: (
                    bool(ts & subscribed)
                    and (_project_of(ts) not in muted or bool(ts & subscribed & _project_terms(ts)))
                ),
            )
            source = SUBSCRIPTIONS
    offset = max(0, min(offset, len(ranked)))
    return IssueList(query.text, source, tuple(ranked[offset : offset + PAGE]), offset, len(ranked), problems)


def _matching(session: Session, now: datetime, keep: _Keep) -> list[IssueView]:
    found: list[tuple[float, IssueView]] = []
    for issue, project in session.execute(offerable()):
        if issue.assignees:
            continue
        if keep(set(project_terms(project)), searchable_words(issue, project)):
            found.append((score(project, issue, now), view_of(issue, project)))
    found.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [view for _, view in found]


def _subscriptions(session: Session, slack_user_id: str) -> tuple[set[tuple[str, str]], set[str]]:
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


def _project_of(project_terms_: set[tuple[str, str]]) -> str:
    return next((value for kind, value in project_terms_ if kind == "project"), "")


def _project_terms(project_terms_: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {term for term in project_terms_ if term[0] == "project"}


class IssueFinder:
    """`find_issues` bound to the database and clock, as the handlers hold it."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions, self._clock = sessions, clock

    def find(self, slack_user_id: str, argument: str, offset: int = 0) -> IssueList:
        return find_issues(self._sessions, self._clock, slack_user_id, argument, offset)
