"""Writing to the outbox: the decision to send and the row that records it, in one transaction.

Services call `enqueue` inside their own session; only bot/slack/outbox.py sends. A key is sent at most
once: a second `enqueue` with the same key is a no-op (the unique index decides, even across processes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.db.operations import PENDING, OutboxEntry


@dataclass(frozen=True)
class Drop:
    """A composer's answer when an entry is no longer wanted (issue closed, claimed, project unlisted…)."""

    reason: str


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    now: datetime,
    due_at: datetime | None = None,
    person_id: int | None = None,
    status: str = PENDING,
) -> bool:
    """Insert the row unless its key exists. True when this call created it."""
    values = {
        "key": key,
        "kind": kind,
        "recipient": recipient,
        "person_id": person_id,
        "payload": payload,
        "status": status,
        "created_at": now,
        "due_at": due_at or now,
        "attempts": 0,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxEntry)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxEntry.id)
    )
    # RETURNING, not rowcount: psycopg reports rowcount -1 for INSERT … ON CONFLICT DO NOTHING here.
    return session.execute(statement).first() is not None


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` are already in the outbox (to skip work before enqueueing in bulk)."""
    found: set[str] = set()
    for start in range(0, len(keys), 1_000):  # within every database's limit on bound parameters
        chunk = keys[start : start + 1_000]
        found.update(session.scalars(select(OutboxEntry.key).where(OutboxEntry.key.in_(chunk))))
    return found
