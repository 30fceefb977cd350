"""The outbox rows as the deliverer moves them: claim, mark in flight, finish, reschedule, release.

Every change after the claim is conditional on `claimed_by` still being this deliverer, so a row
another deliverer took over (its claim expired) is never finished twice. States, for the deliverer:
- pending, claim empty or expired, due: free to claim. A claim alone does not change the status, so
  rows a killed deliverer had claimed but not begun go back to the pool without any Slack call.
- sending: a post is (or was) in flight. Found with an expired claim, its outcome is unknown (the
  deliverer died, or the post timed out or met a 5xx): the conversation is checked for the key first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.operations import BUNDLED, DROPPED, FAILED, PENDING, SENDING, SENT, OutboxEntry
from bot.db.people import Person

FINAL = (SENT, DROPPED, FAILED)
_REASON_LENGTH = 255  # last_error's column width


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    recovering: bool  # found in `sending` with an expired claim: check Slack before posting again
    recipient: str = ""
    attempts: int = 0


def _claimable(now: datetime) -> Any:
    expired = or_(OutboxEntry.claimed_until.is_(None), OutboxEntry.claimed_until < now)
    return or_(
        and_(OutboxEntry.status == PENDING, OutboxEntry.due_at <= now, expired),
        and_(OutboxEntry.status == SENDING, OutboxEntry.claimed_until < now),
    )


def claim(
    sessions: sessionmaker[Session], worker_id: str, now: datetime, until: datetime, limit: int
) -> list[Claimed]:
    """Claim up to `limit` due rows, oldest due first.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent deliverers take disjoint rows without waiting.
    SQLite has one writer at a time: the UPDATE re-checks the same condition, so of two deliverers that
    picked the same candidates only the first to write gets them; the rest see a fresh claim.
    """
    with session_scope(sessions) as session:
        query = select(OutboxEntry.id).where(_claimable(now)).order_by(OutboxEntry.due_at, OutboxEntry.id)
        query = query.limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), _claimable(now))
            .values(claimed_by=worker_id, claimed_until=until)
            .execution_options(synchronize_session=False)
        )
    with session_scope(sessions) as session:
        rows = session.execute(
            select(
                OutboxEntry.id,
                OutboxEntry.key,
                OutboxEntry.status,
                OutboxEntry.recipient,
                OutboxEntry.attempts,
            )
            .where(
                OutboxEntry.id.in_(ids),
                OutboxEntry.claimed_by == worker_id,
                OutboxEntry.claimed_until == until,
            )
            .order_by(OutboxEntry.due_at, OutboxEntry.id)
        ).all()
    return [Claimed(r.id, r.key, r.status == SENDING, r.recipient, r.attempts) for r in rows]


def change(session: Session, entry_id: int, worker_id: str, **values: Any) -> bool:
    """Update a row this deliverer still holds; False when it no longer does (nothing changed)."""
    result = session.execute(
        update(OutboxEntry)
        .where(
            OutboxEntry.id == entry_id,
            OutboxEntry.claimed_by == worker_id,
            OutboxEntry.status.in_((PENDING, SENDING)),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def finish(session: Session, entry_id: int, worker_id: str, status: str, **values: Any) -> bool:
    """A final status for the row, and for the digest items it carries (`bundle_id`) still bundled."""
    assert status in FINAL
    if values.get("last_error"):
        values["last_error"] = str(values["last_error"])[:_REASON_LENGTH]
    if not change(session, entry_id, worker_id, status=status, claimed_by=None, claimed_until=None, **values):
        return False
    carried = {k: v for k, v in values.items() if k in ("sent_at", "channel_id", "message_ts", "last_error")}
    session.execute(
        update(OutboxEntry)
        .where(OutboxEntry.bundle_id == entry_id, OutboxEntry.status == BUNDLED)
        .values(status=status, **carried)
        .execution_options(synchronize_session=False)
    )
    return True


def follow_bundles(sessions: sessionmaker[Session]) -> int:
    """Items still `bundled` whose digest row is already final take its status (a digest finished by
    an older deliverer, or bundled after its digest was sent). One UPDATE; usually touches nothing."""
    parent = OutboxEntry.__table__.alias("parent")
    parent_status = select(parent.c.status).where(parent.c.id == OutboxEntry.bundle_id).scalar_subquery()
    with session_scope(sessions) as session:
        result = session.execute(
            update(OutboxEntry)
            .where(
                OutboxEntry.status == BUNDLED,
                OutboxEntry.bundle_id.in_(select(parent.c.id).where(parent.c.status.in_(FINAL))),
            )
            .values(status=parent_status)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def release(sessions: sessionmaker[Session], ids: list[int], worker_id: str, now: datetime) -> None:
    """Give back claimed rows not begun (stopping), so other deliverers may take them at once; a
    `sending` one keeps its status and is left for recovery."""
    if not ids:
        return
    with session_scope(sessions) as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), OutboxEntry.claimed_by == worker_id)
            .values(
                claimed_by=None,
                claimed_until=case((OutboxEntry.status == SENDING, now), else_=None),
            )
            .execution_options(synchronize_session=False)
        )


def stored_verdict(sessions: sessionmaker[Session], user_id: str, since: datetime) -> tuple[bool, str | None]:
    """(known, refusal) from the person's last Slack check, when it is newer than `since`."""
    with sessions() as session:
        row = session.execute(
            select(Person.slack_checked_at, Person.slack_refusal).where(Person.slack_user_id == user_id)
        ).first()
    if row is None or row[0] is None or row[0] < since:
        return False, None
    return True, row[1]


def store_verdict(sessions: sessionmaker[Session], user_id: str, refusal: str | None, now: datetime) -> None:
    """Remember Slack's verdict on a recipient for the other deliverers (and the next days)."""
    with session_scope(sessions) as session:
        session.execute(
            update(Person)
            .where(Person.slack_user_id == user_id)
            .values(slack_checked_at=now, slack_refusal=refusal)
            .execution_options(synchronize_session=False)
        )
