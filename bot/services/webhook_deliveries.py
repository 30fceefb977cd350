"""The `webhook_deliveries` table: which forge deliveries were processed, so a redelivery is a no-op.

`record` is insert-or-nothing on the delivery key inside the caller's transaction (the catalog
change commits with it or not at all); `prune_deliveries` forgets keys older than the forges
redeliver, and runs after each crawl (jobs/crawl.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.operations import WebhookDelivery

KEEP_DAYS = 30


def seen(session: Session, key: str) -> bool:
    return session.get(WebhookDelivery, key) is not None


def record(session: Session, key: str, event_name: str, now: datetime) -> bool:
    """Insert-or-nothing on the delivery key. False when another transaction already has it: on
    PostgreSQL a concurrent insert of the same key waits for the first to commit, then does nothing."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(WebhookDelivery).values(key=key, event=event_name[:64], received_at=now, outcome="")
    returning = statement.on_conflict_do_nothing(index_elements=["key"]).returning(WebhookDelivery.key)
    # RETURNING, not rowcount: an ORM-enabled INSERT … ON CONFLICT reports rowcount -1 on psycopg.
    return session.execute(returning).first() is not None


def note_outcome(session: Session, key: str, detail: str) -> None:
    statement = update(WebhookDelivery).where(WebhookDelivery.key == key).values(outcome=detail[:500])
    session.execute(statement)


def prune_deliveries(sessions: sessionmaker[Session], now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Forget delivery keys received more than `keep_days` ago; returns how many. Forges redeliver
    within days at most (GitHub keeps deliveries 3 days, GitLab retries for minutes), so an older key
    guards against nothing. Uses the `received_at` index."""
    cutoff = now - timedelta(days=keep_days)
    with session_scope(sessions) as session:
        old = delete(WebhookDelivery).where(WebhookDelivery.received_at < cutoff)
        result = session.execute(old.execution_options(synchronize_session=False))
        return max(int(getattr(result, "rowcount", 0) or 0), 0)
