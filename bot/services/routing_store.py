"""Set-based outbox writes for routing and digests: one statement for many rows, whatever the dialect.

A routing pass writes tens of thousands of rows. An executemany costs a round trip (PostgreSQL) or
parameter processing (SQLAlchemy) per row; here the rows travel as one JSON document that the
database expands itself (`json_each` on SQLite, `json_to_recordset` on PostgreSQL), so a pass is a
handful of statements. Inserts are insert-or-nothing on the unique key and say, through RETURNING,
which rows they created (psycopg reports rowcount -1 for `ON CONFLICT DO NOTHING`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.orm import Session

from bot.db.models import UTCDateTime
from bot.db.operations import BUNDLED, HELD

# Rows a statement carries: large enough that a pass is a few statements, small enough that the JSON
# document (about 150 bytes a row) stays a few megabytes.
CHUNK = 20_000

# One gfi row: key, recipient, person id, issue id, project id, why, status.
_GFI_SQLITE = """
INSERT INTO outbox (key, kind, recipient, person_id, payload, status, created_at, due_at, attempts, issue_id)
SELECT json_extract(value, '$[0]'), :kind, json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_object('issue', json_extract(value, '$[3]'), 'project', json_extract(value, '$[4]'),
                   'why', json_extract(value, '$[5]')),
       json_extract(value, '$[6]'), :now, :now, 0, json_extract(value, '$[3]')
FROM json_each(:rows) WHERE true
ON CONFLICT (key) DO NOTHING
RETURNING status, 1
"""
# PostgreSQL counts what it created in the statement itself: two rows back instead of tens of thousands.
_GFI_POSTGRESQL = """
WITH created AS (
    INSERT INTO outbox (key, kind, recipient, person_id, payload, status, created_at, due_at, attempts,
                        issue_id)
    SELECT r.k, :kind, r.r, r.p, json_build_object('issue', r.i, 'project', r.j, 'why', r.w), r.s, :now,
           :now, 0, r.i
    FROM json_to_recordset(CAST(:rows AS json))
         AS r(k text, r text, p integer, i integer, j integer, w text, s text)
    ON CONFLICT (key) DO NOTHING
    RETURNING status
)
SELECT status, count(*) FROM created GROUP BY status
"""
_GFI_FIELDS = ("k", "r", "p", "i", "j", "w", "s")

# One digest row: key, recipient, person id, local date, part, parts.
_DIGEST_SQLITE = """
INSERT INTO outbox (key, kind, recipient, person_id, payload, status, created_at, due_at, attempts)
SELECT json_extract(value, '$[0]'), :kind, json_extract(value, '$[1]'), json_extract(value, '$[2]'),
       json_object('date', json_extract(value, '$[3]'), 'part', json_extract(value, '$[4]'),
                   'parts', json_extract(value, '$[5]')),
       :status, :now, :now, 0
FROM json_each(:rows) WHERE true
ON CONFLICT (key) DO NOTHING
RETURNING key, id
"""
_DIGEST_POSTGRESQL = """
INSERT INTO outbox (key, kind, recipient, person_id, payload, status, created_at, due_at, attempts)
SELECT r.k, :kind, r.r, r.p, json_build_object('date', r.d, 'part', r.n, 'parts', r.t), :status, :now, :now, 0
FROM json_to_recordset(CAST(:rows AS json)) AS r(k text, r text, p integer, d text, n integer, t integer)
ON CONFLICT (key) DO NOTHING
RETURNING key, id
"""
_DIGEST_FIELDS = ("k", "r", "p", "d", "n", "t")

# Held items into their digest: (item id, digest id) pairs; an item no longer held is left alone.
# MATERIALIZED: SQLite would otherwise scan the outbox once per pair.
_BUNDLE_SQLITE = """
WITH moves AS MATERIALIZED (
    SELECT json_extract(value, '$[0]') AS item, json_extract(value, '$[1]') AS bundle FROM json_each(:rows)
)
UPDATE outbox SET status = :bundled, bundle_id = moves.bundle
FROM moves
WHERE outbox.id = moves.item AND outbox.status = :held
"""
_BUNDLE_POSTGRESQL = """
UPDATE outbox SET status = :bundled, bundle_id = moves.bundle
FROM json_to_recordset(CAST(:rows AS json)) AS moves(item integer, bundle integer)
WHERE outbox.id = moves.item AND outbox.status = :held
"""
_BUNDLE_FIELDS = ("item", "bundle")


@dataclass(frozen=True)
class GfiRow:
    key: str
    recipient: str
    person_id: int
    issue_id: int
    project_id: int
    why: str
    status: str


@dataclass(frozen=True)
class DigestRow:
    key: str
    recipient: str
    person_id: int
    local_date: str  # ISO
    part: int
    parts: int


def insert_gfi_rows(session: Session, kind: str, rows: Sequence[GfiRow], now: datetime) -> dict[str, int]:
    """Insert-or-nothing; returns how many rows were created, by status."""
    created: dict[str, int] = {}
    statement = _statement(session, _GFI_SQLITE, _GFI_POSTGRESQL)
    for chunk in _chunks(rows):
        values = [(r.key, r.recipient, r.person_id, r.issue_id, r.project_id, r.why, r.status) for r in chunk]
        params = {"rows": _document(session, _GFI_FIELDS, values), "kind": kind, "now": now}
        for status, count in session.execute(statement, params):
            created[status] = created.get(status, 0) + int(count)
    return created


def insert_digest_rows(
    session: Session, kind: str, status: str, rows: Sequence[DigestRow], now: datetime
) -> dict[str, int]:
    """Insert-or-nothing; returns key → id of the rows created."""
    created: dict[str, int] = {}
    statement = _statement(session, _DIGEST_SQLITE, _DIGEST_POSTGRESQL)
    for chunk in _chunks(rows):
        values = [(r.key, r.recipient, r.person_id, r.local_date, r.part, r.parts) for r in chunk]
        params = {
            "rows": _document(session, _DIGEST_FIELDS, values),
            "kind": kind,
            "status": status,
            "now": now,
        }
        created.update((key, row_id) for key, row_id in session.execute(statement, params))
    return created


def bundle_items(session: Session, moves: Sequence[tuple[int, int]]) -> None:
    """Held items → bundled into their digest: (item id, digest id) pairs."""
    statement = _statement(session, _BUNDLE_SQLITE, _BUNDLE_POSTGRESQL)
    for chunk in _chunks(moves):
        params = {"rows": _document(session, _BUNDLE_FIELDS, chunk), "bundled": BUNDLED, "held": HELD}
        session.execute(statement, params)


def _statement(session: Session, sqlite: str, postgresql: str) -> TextClause:
    source = postgresql if _dialect(session) == "postgresql" else sqlite
    statement = text(source)
    return statement.bindparams(bindparam("now", type_=UTCDateTime())) if ":now" in source else statement


def _document(session: Session, fields: tuple[str, ...], values: Sequence[tuple[Any, ...]]) -> str:
    """Rows as JSON: arrays for SQLite's json_each, objects for PostgreSQL's json_to_recordset."""
    if _dialect(session) == "postgresql":
        return json.dumps([dict(zip(fields, row, strict=True)) for row in values], separators=(",", ":"))
    return json.dumps(values, separators=(",", ":"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
