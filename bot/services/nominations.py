"""Trusted-committer nominations: opened when someone first becomes a candidate on a project, a card
to each of its maintainers linked to Slack, and the first maintainer's decision.

- A nomination is opened once per candidate and project: not while one is pending or approved, and
  not for `renominate_days` after a Decline.
- Cards go through the outbox, one per maintainer (`nomination:<id>:<person>`), to maintainers whose
  forge account is tied to them by e-mail (verified): a self-declared `link` does not decide for a
  project. With no such maintainer the nomination waits (and `stats` lists it); every recompute
  offers the waiting ones again, so a maintainer linked later gets the card.
- The first decision wins (a conditional UPDATE); Approve grants trusted committer (`grant`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db.models import Contribution, Project
from bot.db.operations import SENT, OutboxEntry
from bot.db.people import Identity, Person
from bot.db.progression import (
    NOMINATION_APPROVED,
    NOMINATION_PENDING,
    Nomination,
    TrustedCommitter,
)
from bot.forges.base import login_keys
from bot.services.outbox import enqueue, existing_keys
from bot.services.progression_ledger import Account, ProjectRoles
from bot.services.progression_levels import Standing
from bot.services.progression_views import CardRef, LedgerItem, NominationCard

KIND = "nomination"
LATEST = 3  # ledger items a card lists


def open_nominations(
    session: Session, standings: Iterable[Standing], now: datetime, renominate_days: int
) -> list[int]:
    """Open a nomination for each new candidacy. Returns the new nominations' ids."""
    opened: list[Nomination] = []
    quiet_since = now - timedelta(days=renominate_days)
    candidacies = [(standing, c) for standing in standings for c in standing.candidacies]
    latest = _latest_nominations(session, {c.account[2] for _, c in candidacies})
    for standing, candidacy in candidacies:
        login_key = candidacy.account[2]
        last = latest.get((candidacy.project_id, login_key))
        if last is not None and (
            last[0] in (NOMINATION_PENDING, NOMINATION_APPROVED)
            or (last[1] is not None and last[1] > quiet_since)
        ):
            continue
        nomination = Nomination(
                project_id=candidacy.project_id, login_key=login_key,
                login=_spelling(session, candidacy.project_id, login_key), person_id=standing.person_id,
                status=NOMINATION_PENDING, merged_window=candidacy.merged_window,
                reviews_window=candidacy.reviews_window, created_at=now, decided_at=None,
                decided_by=None, reason="",
        )  # fmt: skip
        session.add(nomination)
        opened.append(nomination)
    session.flush()
    return [nomination.id for nomination in opened]


def _latest_nominations(
    session: Session, login_keys: Iterable[str]
) -> dict[tuple[int, str], tuple[str, datetime | None]]:
    """(project, login) → (status, decided_at) of its latest nomination, for these logins."""
    keys = sorted(set(login_keys))
    latest: dict[tuple[int, str], tuple[str, datetime | None]] = {}
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(Nomination.project_id, Nomination.login_key, Nomination.status, Nomination.decided_at)
            .where(Nomination.login_key.in_(keys[start : start + 500]))
            .order_by(Nomination.created_at, Nomination.id)
        )
        for project_id, key, status, decided_at in rows:
            latest[(project_id, key)] = (status, decided_at)  # later rows overwrite earlier ones
    return latest


def _spelling(session: Session, project_id: int, login_key: str) -> str:
    """The login as the forge spells it (the ledger keeps the forge's spelling)."""
    found = session.scalars(
        select(Contribution.author)
        .where(Contribution.project_id == project_id, func.lower(Contribution.author) == login_key)
        .limit(1)
    ).first()
    return found or login_key


def offer_cards(
    session: Session,
    roles: ProjectRoles,
    now: datetime,
    window_days: int,
    only: Collection[int] | None = None,
) -> int:
    """Queue a card for every pending nomination (or those in `only`) to each linked maintainer who
    has none yet: one query for the nominations, one for everyone who may decide, one for the cards
    already queued."""
    query = select(Nomination.id, Nomination.project_id, Nomination.person_id).where(
        Nomination.status == NOMINATION_PENDING
    )
    if only is not None:
        if not only:
            return 0
        query = query.where(Nomination.id.in_(sorted(only)))
    pending = session.execute(query).all()
    if not pending:
        return 0
    projects = [roles.projects[pid] for _, pid, _ in pending if pid in roles.projects]
    asked = reachable(session, {login for role in projects for login in role.maintainers})
    wanted: dict[str, tuple[int, int, str]] = {}
    for nomination_id, project_id, candidate in pending:
        role = roles.projects.get(project_id)
        if role is None:
            continue  # unlisted since: it waits
        for login in sorted(role.maintainers):
            for person_id, slack_user_id in asked.get((role.forge, role.host, login), ()):
                if person_id != candidate:
                    wanted[f"{KIND}:{nomination_id}:{person_id}"] = (nomination_id, person_id, slack_user_id)
    queued = 0
    fresh = sorted(set(wanted) - existing_keys(session, sorted(wanted)))
    for key in fresh:
        nomination_id, person_id, slack_user_id = wanted[key]
        queued += enqueue(
            session,
            key=key,
            kind=KIND,
            recipient=slack_user_id,
            payload={"nomination_id": nomination_id, "window_days": window_days},
            now=now,
            person_id=person_id,
        )
    return queued


def reachable(session: Session, login_keys: Iterable[str]) -> dict[Account, list[tuple[int, str]]]:
    """Forge account → (person, Slack user) of those who may decide for a project they maintain: the
    account is verified (tied by e-mail) and Slack has not refused the person. Nominations' cards,
    their decisions and `stats`' "nobody to ask" all read this."""
    keys = sorted(set(login_keys))
    found: dict[Account, list[tuple[int, str]]] = {}
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(Identity.forge, Identity.host, Identity.login_key, Person.id, Person.slack_user_id)
            .join(Person, Person.id == Identity.person_id)
            .where(
                Identity.login_key.in_(keys[start : start + 500]),
                Identity.verified.is_(True),
                Person.slack_refusal.is_(None),
            )
            .order_by(Person.id)
        )
        for forge, host, key, person_id, slack_user_id in rows:
            found.setdefault((forge, host, key), []).append((person_id, slack_user_id))
    return found


def deciders(session: Session, forge: str, host: str, maintainers: Iterable[str]) -> list[tuple[int, str]]:
    """(person, Slack user) of each maintainer whose account is verified and who may be DM'd."""
    found = reachable(session, maintainers)
    return sorted(
        person for (f, h, _), people in found.items() if (f, h) == (forge, host) for person in people
    )


def project_deciders(session: Session, project: Project) -> list[tuple[int, str]]:
    return deciders(session, project.forge, project.host, login_keys(project.maintainers))


def is_maintainer(session: Session, person_id: int, project: Project) -> bool:
    """A verified forge account of this person is among the project's maintainers."""
    return any(pid == person_id for pid, _ in project_deciders(session, project))


def decide(
    session: Session, nomination: Nomination, person_id: int, approve: bool, reason: str, now: datetime
) -> bool:
    """Record the decision unless someone decided first. True when this call decided."""
    status = NOMINATION_APPROVED if approve else "declined"
    result = session.execute(
        update(Nomination)
        .where(Nomination.id == nomination.id, Nomination.status == NOMINATION_PENDING)
        .values(status=status, decided_at=now, decided_by=person_id, reason=reason.strip()[:500])
        .execution_options(synchronize_session=False)
    )
    session.refresh(nomination)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def grant(
    session: Session,
    project: Project,
    account: Account,
    login: str,
    source: str,
    granted_by: int | None,
    now: datetime,
) -> bool:
    """Make `account` trusted committer of `project` (approval or promotion). False when they already
    were. The caller re-decides their level, which records and tells the milestone."""
    login_key = account[2]
    if session.get(TrustedCommitter, (project.id, login_key)) is not None:
        return False
    session.add(
        TrustedCommitter(
            project_id=project.id,
            login_key=login_key,
            login=login,
            source=source,
            granted_by=granted_by,
            created_at=now,
        )
    )
    session.execute(  # a promotion settles any pending nomination for them there
        update(Nomination)
        .where(
            Nomination.project_id == project.id,
            Nomination.login_key == login_key,
            Nomination.status == NOMINATION_PENDING,
        )
        .values(status=NOMINATION_APPROVED, decided_at=now, decided_by=granted_by)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return True


def other_cards(
    session: Session, nomination: Nomination, project: Project, decider: int
) -> tuple[CardRef, ...]:
    """The cards the other maintainers got: their nomination cards (by their exact keys: the outbox's
    unique index finds them), and the cards that followed their weekly digests since."""
    from bot.services.digests import KIND as DIGEST_KIND  # digests read nominations: import late

    others = [person_id for person_id, _ in project_deciders(session, project) if person_id != decider]
    if not others:
        return ()
    keys = [f"{KIND}:{nomination.id}:{person_id}" for person_id in others]
    rows = session.execute(
        select(OutboxEntry.channel_id, OutboxEntry.message_ts).where(
            OutboxEntry.key.in_(keys), OutboxEntry.status == SENT
        )
    )
    cards = [CardRef(channel, ts) for channel, ts in rows if channel and ts]
    digests = session.execute(
        select(OutboxEntry.channel_id, OutboxEntry.message_ts, OutboxEntry.payload).where(
            OutboxEntry.kind == DIGEST_KIND,
            OutboxEntry.person_id.in_(others),
            OutboxEntry.status == SENT,
            OutboxEntry.created_at >= nomination.created_at,
        )
    )
    cards += [
        CardRef(channel, ts)
        for channel, ts, payload in digests
        if channel and ts and isinstance(payload, dict) and payload.get("nomination_id") == nomination.id
    ]
    return tuple(cards)


def nomination_card(session: Session, nomination_id: int, window_days: int) -> NominationCard | None:
    nomination = session.get(Nomination, nomination_id)
    if nomination is None:
        return None
    project = session.get(Project, nomination.project_id)
    if project is None:
        return None
    latest = session.execute(
        select(
            Contribution.kind,
            Contribution.number,
            Contribution.title,
            Contribution.url,
            Contribution.occurred_at,
        )
        .where(
            Contribution.project_id == project.id,
            func.lower(Contribution.author) == nomination.login_key,
            Contribution.kind.in_(("merged_change", "review")),
        )
        .order_by(Contribution.occurred_at.desc(), Contribution.id.desc())
        .limit(LATEST)
    )
    return NominationCard(
        nomination_id=nomination.id,
        project_full_name=project.full_name,
        project_url=project.web_url,
        forge=project.forge,
        login=nomination.login,
        slack_user_id=_slack_user(session, nomination.person_id),
        merged_window=nomination.merged_window,
        reviews_window=nomination.reviews_window,
        window_days=window_days,
        latest=tuple(
            LedgerItem(kind, number, title or "", url or _change_url(project, number), at)
            for kind, number, title, url, at in latest
        ),
        status=nomination.status,
        decided_by=_slack_user(session, nomination.decided_by),
        reason=nomination.reason,
        created_at=nomination.created_at,
    )


def _change_url(project: Project, number: int) -> str:
    return f"{project.web_url}/{'pull' if project.forge == 'github' else '-/merge_requests'}/{number}"


def _slack_user(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return person.slack_user_id if person is not None else None
