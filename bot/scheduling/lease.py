"""A named lease in the `leases` table: at most one holder at a time, taken over once it expires.

APScheduler 3 does not coordinate two schedulers sharing a job store, so the "scheduler" role is held
under a lease. Taking and renewing are single conditional statements, so two processes racing for a
free or expired lease cannot both win: PostgreSQL re-checks the UPDATE's condition on the locked row,
and the primary key refuses the second INSERT (SQLite has one writer at a time anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db.engine import session_scope
from bot.db.operations import Lease

SCHEDULER_LEASE = "scheduler"


@dataclass(frozen=True)
class NamedLease:
    """One process's handle on the lease `name`, held as `holder` for `ttl` after each renewal.

    Expiry is judged by the bot's clock (`Clock`): hosts sharing a lease need clocks in step (NTP)
    to well within `ttl`, which at 30 s is far beyond ordinary skew.
    """

    sessions: sessionmaker[Session]
    name: str
    holder: str
    ttl: timedelta
    now: Clock

    def acquire(self) -> bool:
        """Take the lease when it is free or expired, or renew it when already ours. True: we hold it."""
        now = self.now()
        expires_at = now + self.ttl
        # RETURNING says whether the row was ours to write: psycopg reports no rowcount for
        # INSERT … ON CONFLICT DO NOTHING.
        with session_scope(self.sessions) as session:
            renewed = session.connection().execute(
                update(Lease)
                .where(Lease.name == self.name, or_(Lease.holder == self.holder, Lease.expires_at <= now))
                .values(holder=self.holder, expires_at=expires_at)
                .returning(Lease.name)
            )
            if renewed.first() is not None:
                return True
        with session_scope(self.sessions) as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            inserted = session.connection().execute(
                insert(Lease)
                .values(name=self.name, holder=self.holder, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(Lease.name)
            )
            return inserted.first() is not None

    def release(self) -> None:
        """Give the lease up (a clean shutdown), so another process need not wait for it to expire."""
        with session_scope(self.sessions) as session:
            session.execute(delete(Lease).where(Lease.name == self.name, Lease.holder == self.holder))

    def current_holder(self) -> str | None:
        """Who holds the lease now (None when free or expired): for logs and tests."""
        with session_scope(self.sessions) as session:
            row = session.scalars(select(Lease).where(Lease.name == self.name)).first()
        return row.holder if row is not None and row.expires_at > self.now() else None
