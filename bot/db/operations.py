"""Operational state: the outbox of outgoing Slack messages, webhook deliveries seen, leases, job runs.

The outbox is the one way out (SPEC "Delivery"): a row is written in the same transaction as the
decision to send, under a unique key, and only bot/slack/outbox.py sends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

# Outbox statuses. held: decided but waiting (a digest item, or over the daily cap); pending: due for
# sending at due_at; sending: claimed by a deliverer; sent; dropped: no longer wanted (issue closed,
# claimed, project unlisted…); failed: gave up after bounded retries; bundled: carried by a digest row.
HELD, PENDING, SENDING, SENT, DROPPED, FAILED, BUNDLED = (
    "held", "pending", "sending", "sent", "dropped", "failed", "bundled",
)  # fmt: skip


class OutboxEntry(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        # Routing's "already sent to whom" and *Claim*'s "drop the others" look rows up by issue, of
        # any age, without scanning the ever-growing outbox. A person's undelivered rows are found
        # through the status index (few rows are held or pending at any time).
        Index("ix_outbox_issue", "issue_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)  # e.g. gfi:<issue-id>:<slack-user>
    kind: Mapped[str] = mapped_column(String(32))  # gfi | digest | notice | (later) announcement …
    recipient: Mapped[str] = mapped_column(String(64))  # a Slack user id (DM) or a channel id
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what the composer needs, not blocks
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]  # not before
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    claimed_by: Mapped[str | None] = mapped_column(String(128))  # deliverer that is sending it
    claimed_until: Mapped[datetime | None]  # a claim past this is a dead deliverer's: re-check, resend
    sent_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))  # where it was posted (a DM's D… id)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    # The good-first-issue a `gfi` row is about (also in its key and payload), for look-ups by issue. No
    # foreign key: the row must outlive nothing and cost routing's bulk inserts no trigger per row.
    issue_id: Mapped[int | None] = mapped_column(Integer)


class WebhookDelivery(Base):
    """A forge delivery already processed (X-GitHub-Delivery, GitLab event UUID): redeliveries are no-ops."""

    __tablename__ = "webhook_deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # forge:delivery-id
    event: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")


class Lease(Base):
    """A role only one process may hold at a time (the scheduler), taken over when it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


# Job run statuses: running (claimed, in progress — or its worker died), ok, failed.
RUN_RUNNING, RUN_OK, RUN_FAILED = "running", "ok", "failed"


class JobRun(Base):
    """One run of a scheduled job (bot/scheduling/runs.py). The unique (job_id, tick) is the fence that
    makes "each job once per tick" hold across workers; `job NAME` runs have no tick."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "tick", name="uq_job_runs_tick"),
        Index("ix_job_runs_job_started", "job_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64))  # crawl, route-issues, …
    tick: Mapped[datetime | None]  # the scheduled run time; None for `innersource-bot job NAME`
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual
    worker: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    summary: Mapped[str] = mapped_column(Text, default="")


# APScheduler's SQLAlchemyJobStore table, declared here exactly as APScheduler 3 defines it so that
# migration 0005 creates it (the store's own CREATE IF NOT EXISTS is then a no-op) and the
# models-versus-migrations drift check covers it instead of tripping over an unknown table.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
