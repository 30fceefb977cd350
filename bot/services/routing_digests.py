"""Digests: a person's held good-first-issues bundled into one DM at their local digest hour.

Daily people get one at `digest_hour` local time, weekly people on `digest_weekday`; instant people's
rows held over the daily cap roll into a daily one. One digest per person and local date, keyed
`digest:<slack-user>:<date>`; one too big for a Slack message is split into parts, the second and
later keyed `digest:<slack-user>:<date>:<n>`. Items stay rows of their own (status bundled,
`bundle_id` pointing at their digest), so "never twice" holds across DMs and digests alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from bot.config import WEEKDAYS, Settings
from bot.db.operations import HELD, PENDING, OutboxEntry
from bot.db.people import Person
from bot.services.identity import zone
from bot.services.outbox import existing_keys
from bot.services.routing_store import DigestRow, bundle_items, insert_digest_rows

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


def digest_moment(local: datetime, settings: Settings) -> datetime:
    """Today's digest time in the person's zone (`local` is their "now"), as UTC."""
    return local.replace(hour=settings.digest_hour, minute=0, second=0, microsecond=0).astimezone(UTC)


def build_digests(session: Session, now: datetime, settings: Settings) -> int:
    """Digest rows (and their items bundled) for everyone due now; returns digest rows written.

    Set-based: one aggregate finds who has held items, the item ids are read only for the people
    due, and the digest rows and the bundling are one statement each (bot/services/routing_store.py).
    """
    waiting = session.execute(
        select(Person.id, Person.slack_user_id, Person.cadence, Person.tz, func.min(OutboxEntry.created_at))
        .join(OutboxEntry, OutboxEntry.person_id == Person.id)
        .where(_held(now))
        .group_by(Person.id, Person.slack_user_id, Person.cadence, Person.tz)
    )
    due: dict[int, _Due] = {}
    cutoffs: dict[int, datetime] = {}
    for person_id, slack_user_id, cadence, tz, oldest in waiting:
        local = now.astimezone(zone(tz))
        cutoff = digest_moment(local, settings)
        # Only what was waiting at the digest hour goes out now: an issue routed at 14:00 waits for
        # tomorrow's digest rather than making a second "daily" digest at 14:00. (A worker that was
        # down at the hour still sends the digest when it is back.)
        if is_due(local, cadence, settings) and oldest <= cutoff:
            due[person_id] = _Due(person_id, slack_user_id, local.date(), [])
            cutoffs[person_id] = cutoff
    if not due:
        return 0
    keys = {person_id: digest_key(d.slack_user_id, d.local_date) for person_id, d in due.items()}
    sent = _existing(session, list(keys.values()))
    due = {person_id: d for person_id, d in due.items() if keys[person_id] not in sent}
    for person_id, row_id, created_at in _held_items(session, now, list(due)):
        if created_at <= cutoffs[person_id]:
            due[person_id].items.append(row_id)
    rows: list[DigestRow] = []
    bundles: dict[str, list[int]] = {}
    for entry in due.values():
        items = sorted(entry.items)
        parts = [items[i : i + DIGEST_PART_ITEMS] for i in range(0, len(items), DIGEST_PART_ITEMS)]
        for number, part in enumerate(parts, start=1):
            key = digest_key(entry.slack_user_id, entry.local_date, number)
            bundles[key] = part
            rows.append(
                DigestRow(
                    key,
                    entry.slack_user_id,
                    entry.person_id,
                    entry.local_date.isoformat(),
                    number,
                    len(parts),
                )
            )
    if not rows:
        return 0
    ids = insert_digest_rows(session, DIGEST, PENDING, rows, now)
    bundle_items(
        session, [(item, ids[key]) for key, items in bundles.items() if key in ids for item in items]
    )
    return len(rows)


def _held(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxEntry.kind == "gfi", OutboxEntry.status == HELD, OutboxEntry.created_at <= now)


def _held_items(session: Session, now: datetime, people: list[int]) -> Iterator[tuple[int, int, datetime]]:
    """(person, outbox row id, created at) of the held items of these people."""
    for start in range(0, len(people), 2_000):
        chunk = people[start : start + 2_000]
        query = select(OutboxEntry.person_id, OutboxEntry.id, OutboxEntry.created_at).where(
            _held(now), OutboxEntry.person_id.in_(chunk)
        )
        for person_id, row_id, created_at in session.execute(query):
            if person_id is not None:
                yield person_id, row_id, created_at


def _existing(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 2_000):
        found |= existing_keys(session, keys[start : start + 2_000])
    return found
