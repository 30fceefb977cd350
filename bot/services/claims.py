"""The buttons on a delivered good-first-issue: *Claim* and *Not interested*.

Claim: the first claimer has the issue (the unique `issue_claims.issue_id` decides, across replicas);
others' undelivered rows for it are dropped, and where `claim_comments` is on and a forge token is
configured, "<login> would like to work on this" is commented on the issue — after the claim is
committed, so a slow or failing forge never blocks it (a failure is recorded as `comment = failed`).
Not interested: a mute on the project (undone by `subscribe project:NAME`), and the person's
undelivered rows from that project dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import GoodFirstIssue, Project
from bot.db.operations import DROPPED, HELD, PENDING, OutboxEntry
from bot.db.people import Identity, IssueClaim, Person, ProjectMute
from bot.forges.base import ForgeError
from bot.services.identity import SlackProfile, ensure_person
from bot.services.routing_delivery import stale_reason
from bot.services.routing_issues import IssueView, view_of

log = logging.getLogger(__name__)

CLAIMED, YOURS, TAKEN, GONE = "claimed", "yours", "taken", "gone"
COMMENT_OFF, COMMENT_PENDING, COMMENT_POSTED, COMMENT_FAILED = "off", "pending", "posted", "failed"


class IssueCommenter(Protocol):
    def comment_on_issue(self, full_name: str, number: int, body: str) -> None: ...


# (forge kind, host) → the adapter that may comment there, or None (no token configured).
CommenterFor = Callable[[str, str], IssueCommenter | None]


def no_commenter(forge: str, host: str) -> IssueCommenter | None:
    return None


@dataclass(frozen=True)
class ClaimOutcome:
    status: str  # claimed | yours | taken | gone
    issue: IssueView | None
    holder_name: str = ""  # who has it (taken)
    holder_slack_id: str | None = None
    reason: str = ""  # why it is gone
    comment: str = COMMENT_OFF  # off | posted | failed


@dataclass(frozen=True)
class MuteOutcome:
    project_name: str | None  # None: the issue (and so the project) is unknown
    project_url: str = ""
    dropped: int = 0


@dataclass(frozen=True)
class _Comment:
    """A claim made; the forge comment still to post."""

    issue: IssueView
    holder_name: str
    holder_slack_id: str
    commenter: IssueCommenter
    full_name: str
    login: str


# A Slack name shown on the forge as it is only when it is plain words: anything else (`@team`,
# `[link](…)`, `<img>`) goes into a code span, where GitHub and GitLab neither mention nor render.
_PLAIN_NAME = re.compile(r"^[\w][\w .'-]{0,79}$")


def comment_body(login: str) -> str:
    return f"{login} would like to work on this (claimed through InnerSource Bot)."


class Claims:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: Settings,
        commenter_for: CommenterFor = no_commenter,
    ) -> None:
        self._sessions, self._clock, self._settings = sessions, clock, settings
        self._commenter_for = commenter_for

    def claim(self, profile: SlackProfile, issue_id: int) -> ClaimOutcome:
        with session_scope(self._sessions) as session:
            decided = self._decide(session, profile, issue_id)
        if isinstance(decided, ClaimOutcome):
            return decided
        comment = self._comment(decided, issue_id)
        return ClaimOutcome(
            CLAIMED, decided.issue, decided.holder_name, decided.holder_slack_id, comment=comment
        )

    def _decide(self, session: Session, profile: SlackProfile, issue_id: int) -> ClaimOutcome | _Comment:
        """The claim, in one transaction; a `_Comment` when the forge is to be told after it commits."""
        now = self._clock()
        person = ensure_person(session, profile, now)
        issue = session.get(GoodFirstIssue, issue_id)
        project = session.get(Project, issue.project_id) if issue is not None else None
        if issue is None or project is None:
            return ClaimOutcome(GONE, None, reason="issue gone")
        view = view_of(issue, project)
        held = _holder(session, issue_id)
        if held is None:
            reason = stale_reason(session, issue, project)
            if reason is not None:
                return ClaimOutcome(GONE, view, reason=reason)
            commenter = (
                self._commenter_for(project.forge, project.host) if self._settings.claim_comments else None
            )
            comment = COMMENT_PENDING if commenter is not None else COMMENT_OFF
            if _insert_claim(session, issue_id, person.id, now, comment):
                _drop_others(session, issue_id, person.id)
                if commenter is None:
                    return ClaimOutcome(CLAIMED, view, person.name, person.slack_user_id)
                login = _login(session, person, project)
                return _Comment(view, person.name, person.slack_user_id, commenter, project.full_name, login)
            held = _holder(session, issue_id)  # someone else's insert won between our read and write
        if held is None:
            return ClaimOutcome(GONE, view, reason="issue gone")
        holder_id, name, slack_id = held
        return ClaimOutcome(YOURS if holder_id == person.id else TAKEN, view, name, slack_id)

    def _comment(self, pending: _Comment, issue_id: int) -> str:
        try:
            pending.commenter.comment_on_issue(
                pending.full_name, pending.issue.number, comment_body(pending.login)
            )
            result = COMMENT_POSTED
        except ForgeError as error:
            log.warning("event=claim_comment_failed issue=%s error=%s", issue_id, error)
            result = COMMENT_FAILED
        with session_scope(self._sessions) as session:
            session.execute(update(IssueClaim).where(IssueClaim.issue_id == issue_id).values(comment=result))
        return result

    def not_interested(self, profile: SlackProfile, issue_id: int) -> MuteOutcome:
        now = self._clock()
        with session_scope(self._sessions) as session:
            person = ensure_person(session, profile, now)
            issue = session.get(GoodFirstIssue, issue_id)
            project = session.get(Project, issue.project_id) if issue is not None else None
            if project is None:
                return MuteOutcome(None)
            if session.get(ProjectMute, (person.id, project.id)) is None:
                session.add(ProjectMute(person_id=person.id, project_id=project.id, created_at=now))
                session.flush()
            queued = session.scalars(
                select(OutboxEntry).where(
                    OutboxEntry.person_id == person.id,
                    OutboxEntry.kind == "gfi",
                    OutboxEntry.status.in_((HELD, PENDING)),
                )
            ).all()
            dropped = 0
            for entry in queued:
                if int((entry.payload or {}).get("project") or 0) == project.id:
                    entry.status, entry.last_error = DROPPED, "not interested"
                    dropped += 1
            return MuteOutcome(project.full_name, project.web_url, dropped)


def _holder(session: Session, issue_id: int) -> tuple[int, str, str] | None:
    row = session.execute(
        select(Person.id, Person.name, Person.slack_user_id)
        .join(IssueClaim, IssueClaim.person_id == Person.id)
        .where(IssueClaim.issue_id == issue_id)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def _insert_claim(session: Session, issue_id: int, person_id: int, now: datetime, comment: str) -> bool:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {"issue_id": issue_id, "person_id": person_id, "claimed_at": now, "comment": comment}
    statement = insert(IssueClaim).values(**values).on_conflict_do_nothing(index_elements=["issue_id"])
    # RETURNING, not rowcount: an ORM-enabled INSERT … ON CONFLICT reports rowcount -1 on psycopg.
    return session.execute(statement.returning(IssueClaim.id)).first() is not None


def _drop_others(session: Session, issue_id: int, person_id: int) -> None:
    """Everyone else's undelivered rows for the issue (digest items already bundled drop at send time)."""
    session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.issue_id == issue_id,
            OutboxEntry.kind == "gfi",
            OutboxEntry.status.in_((HELD, PENDING)),
            OutboxEntry.person_id != person_id,
        )
        .values(status=DROPPED, last_error="claimed")
        .execution_options(synchronize_session=False)
    )


def _login(session: Session, person: Person, project: Project) -> str:
    """The person's linked account on the project's forge, else their Slack name."""
    login = session.scalar(
        select(Identity.login).where(
            Identity.person_id == person.id, Identity.forge == project.forge, Identity.host == project.host
        )
    )
    return login or _inert(person.name) or person.slack_user_id


def _inert(name: str) -> str:
    """A Slack display name for a forge comment: kept when plain, else a code span (no @-mention,
    link or HTML on the forge)."""
    name = " ".join(name.split())
    if not name or _PLAIN_NAME.match(name):
        return name
    return "`" + name[:80].replace("`", "'") + "`"
