"""Applies one verified forge webhook event to the catalog: one transaction, once per delivery.

`ForgeEvents.handle` takes a `ForgeEvent` (forge_payloads.py) and the delivery's key. The order:
refuse what is not ours (ignored events, repositories outside the configured organisations/groups)
without touching the database; decide what to do, asking the forge API about any repository the
catalog does not know (a payload never decides visibility) with no transaction open; then, in one
transaction, record the delivery (insert-or-nothing: a redelivery finds its key and changes nothing)
together with the catalog change. After the commit, `on_issue_changed(issue_id)` is called for each
issue whose routing may have changed, so a new good-first-issue reaches its subscribers at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.catalog import store
from bot.catalog.listing import unlisted_reason
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.operations import WebhookDelivery
from bot.forges.base import Forge, ForgeError, Issue, RepoSummary
from bot.services.forge_payloads import ForgeEvent, RepoRef

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

    @classmethod
    def from_settings(cls, settings: Settings) -> EventSettings:
        return cls(
            good_first_issue_labels=settings.good_first_issue_labels,
            include_private_topic=settings.include_private_topic,
            github_orgs=settings.github_orgs,
            gitlab_groups=settings.gitlab_groups,
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
    ) -> None:
        self._sessions = sessions
        self._forges = dict(forges)
        self._settings = settings
        self._now = now
        self._on_issue_changed = on_issue_changed or no_routing

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

        def mutate(session: Session) -> _Change:
            project = _project(session, forge, repo.forge_id)
            if project is None:
                if summary is None:  # deleted by someone else meanwhile: nothing to attach it to
                    return _Change("the project is gone")
                project = self._create(session, summary, namespace)
            if event.issue is not None:
                return self._apply_issue(session, project, event.issue)
            added = store.record_contributions(session, project, event.changes, event.reviews)
            return _Change(f"{added} new ledger entries")

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
        return _Change(f"issue #{issue.number} is {row.state}", (row.id,))

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
            return _Change("the project is listed")
        if summary is not None:
            store.apply_summary(project, summary)
        was_listed = project.listed
        project.listed, project.unlisted_reason = reason is None, reason
        if reason is None and not was_listed:
            project.details_complete = False  # unlisted a while: the next crawl re-reads it whole
        if was_listed == project.listed:
            return _Change(
                "the project is listed" if reason is None else f"the project stays unlisted ({reason})"
            )
        # Its open issues become routable (or must stop being routed): let routing look again.
        open_ids = tuple(r.id for r in project.issues if r.state == "open")
        return _Change(
            "the project is listed" if reason is None else f"the project is unlisted ({reason})", open_ids
        )

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
            return session.get(WebhookDelivery, key) is not None

    def _commit(self, key: str, event_name: str, mutate: Mutation) -> Outcome:
        for attempt in (1, 2):
            try:
                with session_scope(self._sessions) as session:
                    if not _record_delivery(session, key, event_name, self._now()):
                        return Outcome(200, "duplicate", "this delivery was already processed")
                    change = mutate(session)
                    outcome = update(WebhookDelivery).where(WebhookDelivery.key == key)
                    session.execute(outcome.values(outcome=change.detail[:500]))
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


def _record_delivery(session: Session, key: str, event_name: str, now: datetime) -> bool:
    """Insert-or-nothing on the delivery key. False when another transaction already has it: on
    PostgreSQL a concurrent insert of the same key waits for the first to commit, then does nothing."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WebhookDelivery).values(key=key, event=event_name[:64], received_at=now, outcome="")
    returning = statement.on_conflict_do_nothing(index_elements=["key"]).returning(WebhookDelivery.key)
    # RETURNING, not rowcount: an ORM-enabled INSERT … ON CONFLICT reports rowcount -1 on psycopg.
    return session.execute(returning).first() is not None
