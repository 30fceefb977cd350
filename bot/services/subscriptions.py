"""Subscriptions and cadence: what good-first-issues a person wants, and how they reach them.

What a term means is bot/services/subscription_terms.py's business. Every call here is one
transaction; the person row is made on first use. Results are plain frozen dataclasses that
bot/slack/subscription_blocks.py renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.people import CADENCES, DEFAULT_CADENCE, Person, ProjectMute, Subscription
from bot.services.discovery import Discovery
from bot.services.identity import SlackProfile, ensure_person, in_transaction
from bot.services.subscribed_projects import SubscribedProjects
from bot.services.subscription_terms import (
    PROJECT,
    PROJECT_NOT_FOUND,
    TOPIC,
    Rejected,
    Term,
    TermResolver,
    own_term,
    split_terms,
)


@dataclass(frozen=True)
class SubscriptionChange:
    """What `subscribe`/`unsubscribe` did."""

    subscribing: bool
    changed: tuple[Term, ...] = ()  # added, or removed
    unchanged: tuple[Term, ...] = ()  # already subscribed, or was not subscribed
    rejected: tuple[Rejected, ...] = ()
    unmuted: tuple[Term, ...] = ()  # projects muted with *Not interested*, now not any more
    new_topics: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (topic, closest known) no project has yet
    cadence: str = DEFAULT_CADENCE
    nothing_given: bool = False


@dataclass(frozen=True)
class SubscriptionList:
    terms: tuple[Term, ...]
    cadence: str


@dataclass(frozen=True)
class CadenceChange:
    """`digest …`: the new cadence, or `invalid` set to what was typed (None: nothing was typed)."""

    cadence: str
    previous: str
    invalid: str | None = None
    valid: bool = True
    # The weekly maintainer digest after the change: `digest off` turns it off too, but no other
    # cadence turns it back on (only `maintainer-digest on` does), so the answer says when it stays off.
    maintainer_digest: bool = True


@dataclass(frozen=True)
class MaintainerDigestChange:
    """`maintainer-digest on|off`: the setting now, or `invalid` set to what was typed."""

    on: bool
    previous: bool
    cadence: str  # good-first-issue deliveries, untouched by this command
    invalid: str | None = None
    valid: bool = True


MAINTAINER_DIGEST_WORDS = {"on": True, "off": False}


class SubscriptionService:
    def __init__(self, sessions: sessionmaker[Session], discovery: Discovery, now: Callable[[], datetime]):
        self._sessions = sessions
        self._terms = TermResolver(sessions, discovery)
        self._now = now
        self._subscribed = SubscribedProjects(sessions)
        discovery.refresh_with(self._subscribed.refresh)

    # -- the subcommands --------------------------------------------------------------------------
    def subscribe(self, profile: SlackProfile, text: str) -> SubscriptionChange:
        words, extra = split_terms(text)
        if not words:
            return SubscriptionChange(True, nothing_given=True, cadence=self._cadence(profile))
        resolved = [self._terms.resolve(word) for word in words]
        terms = [r for r in resolved if isinstance(r, Term)]
        rejected = [r for r in resolved if isinstance(r, Rejected)] + extra
        new_topics = tuple(self._terms.topic_hint(t) for t in terms if t.kind == TOPIC)
        hints = tuple(h for h in new_topics if h)
        with self._subscribed.changing(profile.user_id):
            return in_transaction(
                self._sessions, lambda session: self._add(session, profile, terms, rejected, hints)
            )

    def unsubscribe(self, profile: SlackProfile, text: str) -> SubscriptionChange:
        words, extra = split_terms(text)
        if not words:
            return SubscriptionChange(False, nothing_given=True, cadence=self._cadence(profile))

        def work(session: Session) -> SubscriptionChange:
            person = ensure_person(session, profile, self._now())
            mine = session.scalars(select(Subscription).where(Subscription.person_id == person.id)).all()
            everything = [w for w in words if w.casefold() in ("all", "everything", "*")]
            if everything:
                session.execute(delete(Subscription).where(Subscription.person_id == person.id))
                return SubscriptionChange(False, tuple(_term(s) for s in mine), cadence=person.cadence)
            removed: list[Term] = []
            unchanged: list[Term] = []
            rejected = list(extra)
            for word in words:
                found = own_term(mine, word) or self._terms.resolve(word)
                if isinstance(found, Rejected):
                    rejected.append(found)
                    continue
                row = next((s for s in mine if (s.kind, s.value) == (found.kind, found.value)), None)
                if row is None:
                    unchanged.append(found)
                elif _term(row) not in removed:
                    session.delete(row)
                    removed.append(_term(row))
            return SubscriptionChange(
                False,
                tuple(removed),
                tuple(dict.fromkeys(unchanged)),
                tuple(rejected),
                cadence=person.cadence,
            )

        with self._subscribed.changing(profile.user_id):
            return in_transaction(self._sessions, work)

    def subscribe_project(self, profile: SlackProfile, project_id: int) -> SubscriptionChange:
        """The *Subscribe* button: a project by id (it may have been unlisted since it was shown)."""
        found = self._terms.project_term(project_id)
        if found is None:
            rejected = Rejected(f"#{project_id}", PROJECT_NOT_FOUND)
            return SubscriptionChange(True, rejected=(rejected,), cadence=self._cadence(profile))
        with self._subscribed.changing(profile.user_id):
            return in_transaction(
                self._sessions, lambda session: self._add(session, profile, [found], [], ())
            )

    def unsubscribe_project(self, profile: SlackProfile, project_id: int) -> SubscriptionChange:
        """The *Unsubscribe* button."""

        def work(session: Session) -> SubscriptionChange:
            person = ensure_person(session, profile, self._now())
            row = session.scalars(
                select(Subscription).where(
                    Subscription.person_id == person.id,
                    Subscription.kind == PROJECT,
                    Subscription.value == str(project_id),
                )
            ).one_or_none()
            if row is None:
                term = self._terms.project_term(project_id) or Term(
                    PROJECT, str(project_id), f"#{project_id}"
                )
                return SubscriptionChange(False, unchanged=(term,), cadence=person.cadence)
            session.delete(row)
            return SubscriptionChange(False, changed=(_term(row),), cadence=person.cadence)

        with self._subscribed.changing(profile.user_id):
            return in_transaction(self._sessions, work)

    def subscriptions(self, profile: SlackProfile) -> SubscriptionList:
        def work(session: Session) -> SubscriptionList:
            person = ensure_person(session, profile, self._now())
            rows = session.scalars(
                select(Subscription)
                .where(Subscription.person_id == person.id)
                .order_by(Subscription.kind, Subscription.label)
            ).all()
            return SubscriptionList(tuple(_term(row) for row in rows), person.cadence)

        return in_transaction(self._sessions, work)

    def set_cadence(self, profile: SlackProfile, text: str) -> CadenceChange:
        wanted = " ".join(text.split()).casefold()

        def work(session: Session) -> CadenceChange:
            person = ensure_person(session, profile, self._now())
            previous = person.cadence
            if wanted not in CADENCES:
                return CadenceChange(
                    previous, previous, text.strip()[:40], False, maintainer_digest=person.maintainer_digest
                )
            person.cadence = wanted
            if wanted == "off":  # SPEC: `off` also stops the maintainer digest
                person.maintainer_digest = False
            person.updated_at = self._now()
            return CadenceChange(wanted, previous, maintainer_digest=person.maintainer_digest)

        return in_transaction(self._sessions, work)

    def set_maintainer_digest(self, profile: SlackProfile, text: str) -> MaintainerDigestChange:
        """`maintainer-digest on|off`: the weekly maintainer digest alone; good-first-issue routing
        (the cadence) stays as it is."""
        wanted = MAINTAINER_DIGEST_WORDS.get(" ".join(text.split()).casefold())

        def work(session: Session) -> MaintainerDigestChange:
            person = ensure_person(session, profile, self._now())
            previous = person.maintainer_digest
            if wanted is None:
                typed = text.strip()[:40]
                return MaintainerDigestChange(previous, previous, person.cadence, typed, valid=False)
            person.maintainer_digest = wanted
            person.updated_at = self._now()
            return MaintainerDigestChange(wanted, previous, person.cadence)

        return in_transaction(self._sessions, work)

    def subscribed_projects(self, slack_user_id: str) -> frozenset[int]:
        """Project ids the person subscribes to (for *Subscribe*/*Unsubscribe* buttons); never writes.
        From memory after the person's first ask (bot/services/subscribed_projects.py)."""
        return self._subscribed.get(slack_user_id)

    # -- writing ----------------------------------------------------------------------------------
    def _add(
        self,
        session: Session,
        profile: SlackProfile,
        terms: list[Term],
        rejected: list[Rejected],
        new_topics: tuple[tuple[str, tuple[str, ...]], ...],
    ) -> SubscriptionChange:
        now = self._now()
        person = ensure_person(session, profile, now)
        have = {
            (kind, value)
            for kind, value in session.execute(
                select(Subscription.kind, Subscription.value).where(Subscription.person_id == person.id)
            ).all()
        }
        added: list[Term] = []
        unchanged: list[Term] = []
        for term in dict.fromkeys(terms):
            if (term.kind, term.value) in have:
                unchanged.append(term)
                continue
            have.add((term.kind, term.value))
            session.add(
                Subscription(
                    person_id=person.id,
                    kind=term.kind,
                    value=term.value,
                    label=term.label[:512],
                    created_at=now,
                )
            )
            added.append(term)
        projects = {int(t.value): t for t in terms if t.kind == PROJECT}
        unmuted: list[Term] = []
        if projects:  # subscribing to a project undoes *Not interested* for it
            muted = session.scalars(
                select(ProjectMute).where(
                    ProjectMute.person_id == person.id, ProjectMute.project_id.in_(projects)
                )
            ).all()
            for mute in muted:
                unmuted.append(projects[mute.project_id])
                session.delete(mute)
        session.flush()
        return SubscriptionChange(
            True, tuple(added), tuple(unchanged), tuple(rejected), tuple(unmuted), new_topics, person.cadence
        )

    def _cadence(self, profile: SlackProfile) -> str:
        with self._sessions() as session:
            cadence = session.scalars(
                select(Person.cadence).where(Person.slack_user_id == profile.user_id)
            ).one_or_none()
        return cadence or DEFAULT_CADENCE


def _term(row: Subscription) -> Term:
    return Term(row.kind, row.value, row.label)
