"""Helpers for the outbox tests: a workspace of N people, notices enqueued, rows read back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.operations import OutboxEntry
from bot.sandbox.slack.fake_slack import SlackDirectory
from bot.services.outbox import enqueue


def people(count: int) -> tuple[SlackDirectory, list[str]]:
    directory = SlackDirectory(populated=False)
    ids = [f"U{n:08d}" for n in range(1, count + 1)]
    for user_id in ids:
        directory.add_user(user_id)
    return directory, ids


def enqueue_notices(
    sessions: sessionmaker[Session], recipients: list[str], now: datetime, kind: str = "notice"
) -> list[str]:
    keys = [f"{kind}:{n}:{recipient}" for n, recipient in enumerate(recipients)]
    with session_scope(sessions) as session:
        for key, recipient in zip(keys, recipients, strict=True):
            enqueue(session, key=key, kind=kind, recipient=recipient, payload={"text": f"hi {key}"}, now=now)
    return keys


def rows(sessions: sessionmaker[Session]) -> dict[str, OutboxEntry]:
    with sessions() as session:
        return {row.key: row for row in session.scalars(select(OutboxEntry))}


def statuses(sessions: sessionmaker[Session]) -> dict[str, str]:
    return {key: row.status for key, row in rows(sessions).items()}
