"""Digests: a person's held good-first-issues bundled into one DM at their local digest hour.

Daily people get one at `digest_hour` local time, weekly people on `digest_weekday`; instant people's
rows held over the daily cap roll into a daily one. One digest per person and local date, keyed
`digest:<slack-user>:<date>`; one too big for a Slack message is split into parts, the second and
later keyed `digest:<slack-user>:<date>:<n>`. Items stay rows of their own (status bundled,
`bundle_id` pointing at their digest), so "never twice" holds across DMs and digests alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.config import WEEKDAYS, Settings
from bot.db.operations import BUNDLED, HELD, PENDING, OutboxEntry
from bot.db.people import Person
from bot.services.identity import zone

DIGEST = "digest"
# Items a digest message carries: each item is a section with a button and each project a line, so
# 12 items stay well inside 50 blocks and Slack's text budget whatever the titles.
DIGEST_PART_ITEMS = 12


@dataclass
class _Due:
    person_id: int
    slack_user_id: str
    local_date: date
    items: list[int]  # outbox row ids, in routing order (the composer groups them by project)


def digest_key(slack_user_id: str, local_date: date, part: int = 1) -> str:
    base = f"{DIGEST}:{slack_user_id}:{local_date.isoformat()}"
    return base if part == 1 else f"{base}:{part}"


def is_due(local: datetime, cadence: str, settings: Settings) -> bool:
    """Whether a person's digest time has come on this local day (daily also for instant overflow)."""
    if cadence == "off" or local.hour < settings.digest_hour:
        return False
    return cadence != "weekly" or WEEKDAYS[local.weekday()] == settings.digest_weekday


def build_digests(session: Session, now: datetime, settings: Settings) -> int:
    """Digest rows (and their items bundled) for everyone due now; returns digest rows written."""
    held = session.execute(
        select(OutboxEntry.id, Person.id, Person.slack_user_id, Person.cadence, Person.tz)
        .join(Person, Person.id == OutboxEntry.person_id)
        .where(OutboxEntry.kind == "gfi", OutboxEntry.status == HELD, OutboxEntry.created_at <= now)
    )
    due: dict[int, _Due] = {}
    skipped: set[int] = set()
    for row_id, person_id, slack_user_id, cadence, tz in held:
        if person_id in skipped:
            continue
        entry = due.get(person_id)
        if entry is None:
            local = now.astimezone(zone(tz))
            if not is_due(local, cadence, settings):
                skipped.add(person_id)
                continue
            entry = due[person_id] = _Due(person_id, slack_user_id, local.date(), [])
        entry.items.append(row_id)
    if not due:
        return 0
    sent = _existing(session, [digest_key(d.slack_user_id, d.local_date) for d in due.values()])
    rows: list[dict[str, Any]] = []
    bundles: dict[str, list[int]] = {}
    for entry in due.values():
        if digest_key(entry.slack_user_id, entry.local_date) in sent:
            continue  # today's digest went out already: these wait for the next one
        items = sorted(entry.items)
        parts = [items[i : i + DIGEST_PART_ITEMS] for i in range(0, len(items), DIGEST_PART_ITEMS)]
        for number, part in enumerate(parts, start=1):
            key = digest_key(entry.slack_user_id, entry.local_date, number)
            bundles[key] = part
            rows.append(_digest_row(entry, key, number, len(parts), now))
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(OutboxEntry)
    session.execute(insert.on_conflict_do_nothing(index_elements=["key"]), rows)
    ids = _ids(session, list(bundles))
    table = OutboxEntry.__table__
    assert isinstance(table, Table)
    bundle = (
        update(table)
        .where(table.c.id == bindparam("item_id"), table.c.status == HELD)
        .values(status=BUNDLED, bundle_id=bindparam("bundle"))
    )
    moves = [
        {"item_id": item, "bundle": ids[key]}
        for key, items in bundles.items()
        if key in ids
        for item in items
    ]
    if moves:
        session.execute(bundle, moves)
    return len(rows)


def _digest_row(entry: _Due, key: str, part: int, parts: int, now: datetime) -> dict[str, Any]:
    return {
        "key": key,
        "kind": DIGEST,
        "recipient": entry.slack_user_id,
        "person_id": entry.person_id,
        "payload": {"date": entry.local_date.isoformat(), "part": part, "parts": parts},
        "status": PENDING,
        "created_at": now,
        "due_at": now,
        "attempts": 0,
    }


def _existing(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found |= set(
            session.scalars(select(OutboxEntry.key).where(OutboxEntry.key.in_(keys[start : start + 500])))
        )
    return found


def _ids(session: Session, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = session.execute(select(OutboxEntry.key, OutboxEntry.id).where(OutboxEntry.key.in_(chunk)))
        found.update((key, row_id) for key, row_id in rows)
    return found
