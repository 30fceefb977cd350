"""App Home: what a person's Home tab shows — their subscriptions and cadence, level and next step,
good first issues for them, new projects, and for maintainers the outside contributions waiting for a
first response. Plain data (`HomeView`); bot/slack/home_blocks.py renders it.

What is this service's own (the person, their subscriptions, the projects they maintain and what waits
there, the fallback issues) is read in one transaction, and nothing is written: opening the tab does
not make anyone known to the bot. The level (`ProgressionService.me`), the issues their subscriptions
match (`IssueFinder`) and the new projects (`Discovery.new_projects`) come from the services that own
them, each its own read. Lists are cut to what the tab shows, with counts, so a person with hundreds
of subscriptions costs no more to render than one with three.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.db.people import DEFAULT_CADENCE, Identity, Person, ProjectMute, Subscription
from bot.forges.base import login_keys
from bot.services.discovery import Discovery
from bot.services.identity import SlackProfile
from bot.services.issue_list import IssueFinder, issue_views
from bot.services.progression import ProgressionService
from bot.services.progression_views import MeView
from bot.services.results import ProjectSummary
from bot.services.routing_issues import IssueView, is_assigned, only_offerable, raw_json
from bot.services.subscription_terms import PROJECT, Term
from bot.services.waiting import WaitingChange, waiting_changes

SUBSCRIPTIONS_SHOWN = 20  # each with its own *Unsubscribe*; the rest are counted
ISSUES_SHOWN = 5
NEW_SHOWN = 5
WAITING_PROJECTS_SHOWN = 5  # longest wait first
WAITING_CHANGES_SHOWN = 2  # per project, oldest first (the maintainer digest lists all)
ACTIVE_PROJECTS = 10  # the fallback's issues come from this many of the most active ready projects
PER_PROJECT = 2  # and at most this many from one project

FROM_SUBSCRIPTIONS, FROM_ACTIVE = "subscriptions", "active"


@dataclass(frozen=True)
class WaitingProject:
    """One maintained project's outside contributions waiting for a first response."""

    project_id: int
    full_name: str
    url: str
    changes: tuple[WaitingChange, ...]  # the oldest few
    total: int


@dataclass(frozen=True)
class HomeView:
    """`known` False: the bot has never seen this person (no row in `people`): the newcomer tab."""

    catalog_size: int
    known: bool = False
    cadence: str = DEFAULT_CADENCE
    subscriptions: tuple[Term, ...] = ()  # the first SUBSCRIPTIONS_SHOWN, as `subscriptions` orders them
    subscription_count: int = 0
    subscribed_projects: frozenset[int] = frozenset()  # for *Subscribe*/*Unsubscribe* on new projects
    me: MeView | None = None  # level, next step, accounts (known people only)
    issues: tuple[IssueView, ...] = ()
    issues_from: str = FROM_ACTIVE  # FROM_SUBSCRIPTIONS, or FROM_ACTIVE when those match nothing
    new_projects: tuple[ProjectSummary, ...] = ()
    waiting: tuple[WaitingProject, ...] = ()  # maintainers only
    waiting_projects: int = 0  # maintained projects with something waiting (more than shown)
    waiting_changes: int = 0  # changes waiting over all of them


class HomeService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        now: Callable[[], datetime],
        settings: Settings,
        discovery: Discovery,
        issues: IssueFinder,
        progression: ProgressionService,
    ) -> None:
        self._sessions, self._now = sessions, now
        self._discovery, self._issues, self._progression = discovery, issues, progression
        self._bots = login_keys(settings.bot_logins)

    def home(self, profile: SlackProfile) -> HomeView:
        now = self._now()
        with session_scope(self._sessions) as session:
            view = self._own(session, profile.user_id, now)
        if view.known:
            view = replace(view, me=self._progression.me(profile))
            if view.subscription_count:
                found = self._issues.find(profile.user_id, "").issues[:ISSUES_SHOWN]
                if found:
                    view = replace(view, issues=found, issues_from=FROM_SUBSCRIPTIONS)
        new = tuple(self._discovery.new_projects(now, limit=NEW_SHOWN))
        return replace(view, new_projects=new)

    def _own(self, session: Session, user_id: str, now: datetime) -> HomeView:
        person = session.scalars(select(Person).where(Person.slack_user_id == user_id)).one_or_none()
        size = self._discovery.catalog_size()
        if person is None:
            return HomeView(size, issues=_active_issues(session, set(), ISSUES_SHOWN))
        terms = session.execute(
            select(Subscription.kind, Subscription.value, Subscription.label)
            .where(Subscription.person_id == person.id)
            .order_by(Subscription.kind, Subscription.label)
            .limit(SUBSCRIPTIONS_SHOWN)
        ).all()
        count = session.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.person_id == person.id)
        )
        projects = session.scalars(
            select(Subscription.value).where(
                Subscription.person_id == person.id, Subscription.kind == PROJECT
            )
        ).all()
        muted = set(session.scalars(select(ProjectMute.project_id).where(ProjectMute.person_id == person.id)))
        waiting = self._waiting(session, person.id, now)
        return HomeView(
            size,
            known=True,
            cadence=person.cadence,
            subscriptions=tuple(Term(kind, value, label) for kind, value, label in terms),
            subscription_count=count or 0,
            subscribed_projects=frozenset(int(v) for v in projects if v.isdigit()),
            # Shown unless their subscriptions match something (`home` replaces them then).
            issues=_active_issues(session, muted, ISSUES_SHOWN),
            waiting=tuple(waiting[:WAITING_PROJECTS_SHOWN]),
            waiting_projects=len(waiting),
            waiting_changes=sum(w.total for w in waiting),
        )

    def _waiting(self, session: Session, person_id: int, now: datetime) -> list[WaitingProject]:
        """What waits on the projects they maintain — as `me` counts maintainers: a listed maintainer
        login among their linked forge accounts."""
        roles = self._progression.roles(session)
        accounts = session.execute(
            select(Identity.forge, Identity.host, Identity.login_key).where(Identity.person_id == person_id)
        ).all()
        maintained = {
            pid for forge, host, key in accounts for pid in roles.maintains.get((forge, host, key), ())
        }
        if not maintained:
            return []
        found = waiting_changes(session, now, self._bots, maintained)
        projects = [
            WaitingProject(
                pid, changes[0].project, changes[0].project_url, tuple(changes[:WAITING_CHANGES_SHOWN]),
                len(changes),
            )
            for pid, changes in found.items()
            if changes
        ]  # fmt: skip
        projects.sort(key=lambda p: (p.changes[0].created_at, p.full_name))
        return projects


def _active_issues(session: Session, muted: set[int], limit: int) -> tuple[IssueView, ...]:
    """Offerable good first issues of the most active InnerSource-ready projects, newest first within a
    project, a few from each: for people whose subscriptions match nothing, or who have none."""
    has_open = exists().where(GoodFirstIssue.project_id == Project.id, GoodFirstIssue.state == "open")
    top = select(Project.id).where(Project.listed.is_(True), Project.ready.is_(True), has_open)
    if muted:
        top = top.where(Project.id.not_in(sorted(muted)))
    ranked = list(
        session.scalars(top.order_by(Project.activity_score.desc(), Project.id).limit(ACTIVE_PROJECTS))
    )
    if not ranked:
        return ()
    rows = session.execute(
        only_offerable(
            select(GoodFirstIssue.id, GoodFirstIssue.project_id, raw_json(GoodFirstIssue.assignees))
        )
        .where(GoodFirstIssue.project_id.in_(ranked))
        .order_by(GoodFirstIssue.updated_at.desc(), GoodFirstIssue.id)
    ).all()
    by_project: dict[int, list[int]] = {}
    for issue_id, project_id, assignees in rows:
        if not is_assigned(assignees) and len(by_project.setdefault(project_id, [])) < PER_PROJECT:
            by_project[project_id].append(issue_id)
    picked = [i for pid in ranked for i in by_project.get(pid, [])][:limit]
    return issue_views(session, picked)  # the page `issues` shows, read the way `issues` reads it
