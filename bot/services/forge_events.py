"""Applies one verified forge webhook event to the catalog: one transaction, once per delivery.

`ForgeEvents.handle` takes a `ForgeEvent` (forge_payloads.py) and the delivery's key. The order: refuse
what is not ours (ignored events, repositories outside the configured organisations/groups) without
touching the database; decide what to do with no transaction open, asking the forge about any repository
the catalog does not know (a payload never decides visibility) and for an author the payload names only
by id (forge_authors.py, cached); then, in one transaction, record the delivery (insert-or-nothing: a
redelivery changes nothing; webhook_deliveries.py, pruned by the crawl job), the catalog change (an
issue, ledger rows, change requests and their first responses, with `Settings.bot_logins` counted as
bots), and the touched project's score and readiness (`store.rescore`, as the crawl). After the commit,
`on_issue_changed(issue_id)` is called for each issue whose routing may have changed, so a new
good-first-issue reaches its subscribers at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.catalog import store
from bot.catalog.listing import unlisted_reason
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.forges.base import Forge, ForgeError, Issue, RepoSummary
from bot.services import webhook_deliveries as deliveries
from bot.services.forge_authors import Usernames, needs_author, with_author
from bot.services.forge_payloads import ForgeEvent, RepoRef
from bot.services.webhook_deliveries import prune_deliveries as prune_deliveries

log = logging.getLogger(__name__)

IssueChanged = Callable[[int], int | None]  # → deliveries decided (Router.route_issue), None if unknown


def no_routing(issue_id: int) -> None:
    """The `on_issue_changed` of a server without routing: the route-issues job picks the issue up."""


@dataclass(frozen=True)
class EventSettings:
    good_first_issue_labels: tuple[str, ...]
    include_private_topic: str
    github_orgs: tuple[str, ...]
    gitlab_groups: tuple[str, ...]
    readiness_threshold: int
    bot_logins: tuple[str, ...] = ()  # accounts that are bots without saying so

    @classmethod
    def from_settings(cls, settings: Settings) -> EventSettings:
        return cls(
            good_first_issue_labels=settings.good_first_issue_labels,
            include_private_topic=settings.include_private_topic,
            github_orgs=settings.github_orgs,
            gitlab_groups=settings.gitlab_groups,
            readiness_threshold=settings.readiness_threshold,
            bot_logins=settings.bot_logins,
        )


@dataclass(frozen=True)
class Outcome:
    """What happened, as the webhook answers it: 200 applied/duplicate, 202 ignored, 503 retry later."""

    status: int
    result: str  # applied | duplicate | ignored | unavailable
    detail: str


@dataclass(frozen=True)
class _Change:
    detail: str
    issue_ids: tuple[int, ...] = ()
    touched: Project | None = None  # its good-first-issues or listing changed: rescored in the transaction


Mutation = Callable[[Session], _Change]
# Why a repository the payload names may not be listed, when the forge no longer answers for it.
_REASON_BY_ACTION = {"privatized": "private", "archived": "archived"}


class ForgeEvents:
    """The webhook use case. `forges` maps a forge kind ("github", "gitlab") to its adapter."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        forges: Mapping[str, Forge],
        settings: EventSettings,
        now: Callable[[], datetime],
        on_issue_changed: IssueChanged | None = None,
        usernames: Usernames | None = None,  # one per process: the lookups it remembers
    ) -> None:
        self._sessions = sessions
        self._forges = dict(forges)
        self._settings = settings
        self._now = now
        self._on_issue_changed = on_issue_changed or no_routing
        self._usernames = usernames or Usernames(now)

    def handle(self, event: ForgeEvent, delivery_key: str) -> Outcome:
        if event.ignored is not None:
            return Outcome(202, "ignored", event.ignored)
        forge, repo = self._forges.get(event.forge), event.repo
        if forge is None or repo is None:
            return Outcome(202, "ignored", f"no {event.forge} organisation or group is configured")
        namespace = self.configured_namespace(event.forge, repo.full_name)
        if namespace is None:
            return Outcome(202, "ignored", "the repository is outside the configured organisations/groups")
        if self._seen(delivery_key):
            return Outcome(200, "duplicate", "this delivery was already processed")
        try:
            decided = self._decide(event, forge, repo, namespace)
        except ForgeError as exc:  # the forge will redeliver, or the next crawl catches up
            log.warning(
                "event=webhook_lookup_failed forge=%s repo=%s error=%s", event.forge, repo.full_name, exc
            )
            return Outcome(503, "unavailable", "the forge could not be asked about the repository")
        if isinstance(decided, Outcome):
            return decided
        return self._commit(delivery_key, event.name, decided)

    # -- deciding (reads only; forge requests happen here, outside any transaction) ---------------
    def _decide(self, event: ForgeEvent, forge: Forge, repo: RepoRef, namespace: str) -> Mutation | Outcome:
        with session_scope(self._sessions) as session:
            project = _project(session, forge, repo.forge_id)
            known, listed = project is not None, project is not None and project.listed
            numbers = [row.number for row in project.issues] if project is not None else []
        if event.repository_action is not None:
            return self._decide_repository(event.repository_action, forge, repo, known)
        if known and not listed:
            return Outcome(202, "ignored", "the project is not listed")
        summary = None
        if not known:
            summary = self._look_up(forge, repo)
            if summary is None:
                return Outcome(202, "ignored", "the forge does not show this repository")
            reason = self._unlisted(summary)
            if reason is not None:
                return Outcome(202, "ignored", f"the repository is not listed ({reason})")
        if needs_author(event, numbers, self._settings.good_first_issue_labels):
            named = self._name_author(event, forge)
            if isinstance(named, Outcome):
                return named
            event = named

        def mutate(session: Session) -> _Change:
            project = _project(session, forge, repo.forge_id)
            created = project is None
            if project is None:
                if summary is None:  # deleted by someone else meanwhile: nothing to attach it to
                    return _Change("the project is gone")
                project = self._create(session, summary, namespace)
            if event.issue is not None:
                change = self._apply_issue(session, project, event.issue)
            else:
                change = self._apply_changes(session, project, event)
            return replace(change, touched=project) if created else change  # a new listing: scored

        return mutate

    def _decide_repository(self, action: str, forge: Forge, repo: RepoRef, known: bool) -> Mutation | Outcome:
        if action == "deleted":
            if not known:
                return Outcome(202, "ignored", "the catalog does not know this repository")
            return lambda session: self._relist(session, forge, repo.forge_id, None, "deleted")
        summary = self._look_up(forge, repo)
        if summary is None:
            if not known:
                return Outcome(202, "ignored", "the forge does not show this repository")
            if action == "renamed":  # names are identity, not visibility: the payload may say them
                return lambda session: self._rename(session, forge, repo)
            gone_because = _REASON_BY_ACTION.get(action)
            if gone_because is not None:
                return lambda session: self._relist(session, forge, repo.forge_id, None, gone_because)
            return Outcome(202, "ignored", "the forge does not show this repository")
        reason = self._unlisted(summary)
        if not known and reason is not None:
            return Outcome(202, "ignored", f"the repository is not listed ({reason})")
        return lambda session: self._relist(session, forge, repo.forge_id, summary, reason)

    def _name_author(self, event: ForgeEvent, forge: Forge) -> ForgeEvent | Outcome:
        assert event.author_id is not None
        try:
            username = self._usernames.username(forge, event.author_id)
        except ForgeError as exc:  # the forge redelivers on a 5xx
            log.warning("event=webhook_user_lookup_failed forge=%s error=%s", forge.kind, exc)
            return Outcome(503, "unavailable", "the forge could not be asked who the author is")
        if username is None and event.changes:  # the ledger has no row without an author
            return Outcome(202, "ignored", "merge author unknown; the next crawl records it")
        return with_author(event, username or "")

    def _look_up(self, forge: Forge, repo: RepoRef) -> RepoSummary | None:
        summary = forge.repository(repo.full_name)
        # The name may since belong to another repository (deleted, then re-created): ids decide.
        return summary if summary is not None and summary.forge_id == repo.forge_id else None

    def _unlisted(self, summary: RepoSummary) -> str | None:
        if self.configured_namespace(summary.forge, summary.full_name) is None:
            return "moved out of the configured organisations/groups"
        return unlisted_reason(summary, self._settings.include_private_topic)

    def configured_namespace(self, forge: str, full_name: str) -> str | None:
        """The configured org/group a repository belongs to, as the crawl names it; None if none."""
        owner = full_name.rpartition("/")[0].lower()
        if forge == "github":
            return next((org for org in self._settings.github_orgs if org.lower() == owner), None)
        groups = [
            g for g in self._settings.gitlab_groups if owner == g.lower() or owner.startswith(g.lower() + "/")
        ]
        return min(groups, key=len) if groups else None  # subgroups are crawled under the outermost one

    # -- changing (inside the transaction) ---------------------------------------------------------
    def _create(self, session: Session, summary: RepoSummary, namespace: str) -> Project:
        project = store.new_project(summary, namespace, self._now())  # details: the next crawl reads them
        session.add(project)
        return project

    def _apply_issue(self, session: Session, project: Project, issue: Issue) -> _Change:
        row = next((r for r in project.issues if r.number == issue.number), None)
        if row is not None and row.updated_at > issue.updated_at:  # deliveries may arrive out of order
            return _Change("the catalog already has a newer version of the issue")
        if not store.apply_issue_change(project, issue, self._settings.good_first_issue_labels):
            return _Change("not a good-first-issue")
        session.flush()  # a new row needs its id for routing
        row = next(r for r in project.issues if r.number == issue.number)
        return _Change(f"issue #{issue.number} is {row.state}", (row.id,), project)

    def _apply_changes(self, session: Session, project: Project, event: ForgeEvent) -> _Change:
        """The ledger, change requests, and a response to a change named only by number."""
        bots = self._settings.bot_logins
        added = store.record_contributions(session, project, event.changes, event.reviews, bots)
        details = [f"{added} new ledger entries"]
        store.record_change_requests(session, project, event.change_requests, bots)
        details += [f"change request #{c.number} {c.state}" for c in event.change_requests]
        if event.response is not None:
            number, response = event.response
            known = store.record_change_response(session, project, number, response, bots)
            details.append(f"a response to #{number}" if known else f"#{number} is not known yet")
        return _Change("; ".join(details))

    def _relist(
        self, session: Session, forge: Forge, forge_id: str, summary: RepoSummary | None, reason: str | None
    ) -> _Change:
        project = _project(session, forge, forge_id)
        if project is None:
            if summary is None or reason is not None:
                return _Change("the catalog does not know this repository")
            namespace = self.configured_namespace(summary.forge, summary.full_name)
            assert namespace is not None  # _unlisted said it is in a configured namespace
            project = self._create(session, summary, namespace)
            session.flush()
            return _Change("the project is listed", touched=project)
        if summary is not None:
            store.apply_summary(project, summary)
        was_listed = project.listed
        project.listed, project.unlisted_reason = reason is None, reason
        if reason is None and not was_listed:
            project.details_complete = False  # unlisted a while: the next crawl re-reads it whole
        if was_listed == project.listed:
            detail = "the project is listed" if reason is None else f"the project stays unlisted ({reason})"
            return _Change(detail, touched=project)
        # Its open issues become routable (or must stop being routed): let routing look again.
        open_ids = tuple(r.id for r in project.issues if r.state == "open")
        detail = "the project is listed" if reason is None else f"the project is unlisted ({reason})"
        return _Change(detail, open_ids, project)

    def _rename(self, session: Session, forge: Forge, repo: RepoRef) -> _Change:
        project = _project(session, forge, repo.forge_id)
        if project is None:
            return _Change("the catalog does not know this repository")
        project.full_name, project.name = repo.full_name, repo.name or project.name
        project.web_url = repo.web_url or project.web_url
        return _Change("the project is renamed")

    # -- the transaction ---------------------------------------------------------------------------
    def _seen(self, key: str) -> bool:
        with session_scope(self._sessions) as session:
            return deliveries.seen(session, key)

    def _commit(self, key: str, event_name: str, mutate: Mutation) -> Outcome:
        for attempt in (1, 2):
            try:
                with session_scope(self._sessions) as session:
                    if not deliveries.record(session, key, event_name, self._now()):
                        return Outcome(200, "duplicate", "this delivery was already processed")
                    change = mutate(session)
                    if change.touched is not None and change.touched.listed:  # as the crawl: listed only
                        store.rescore(change.touched, self._settings.readiness_threshold, self._now())
                    deliveries.note_outcome(session, key, change.detail)
                break
            except IntegrityError:
                # A crawl or a concurrent delivery added the same project or ledger row first; the
                # whole transaction (delivery key included) rolled back, and a second try sees theirs.
                if attempt == 2:
                    raise
        routed = self._route(change.issue_ids)
        detail = change.detail + (f"; routed to {routed} subscriber(s)" if routed else "")
        return Outcome(200, "applied", detail)

    def _route(self, issue_ids: Sequence[int]) -> int:
        """Route each changed issue at once; how many deliveries that decided (0 when unknown)."""
        routed = 0
        for issue_id in issue_ids:
            try:
                routed += self._on_issue_changed(issue_id) or 0
            except Exception:  # committed already; the route-issues job will pick it up
                log.exception("event=webhook_routing_failed issue_id=%d", issue_id)
        return routed


def _project(session: Session, forge: Forge, forge_id: str) -> Project | None:
    query = select(Project).where(Project.forge == forge.kind, Project.host == forge.host)
    query = query.where(Project.forge_id == forge_id).options(selectinload(Project.issues))
    return session.scalars(query).one_or_none()
