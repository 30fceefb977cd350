"""What a result line shows, kept beside the search index: each project's row and open-issue count.

A `find` page or a `project` choice needs a handful of columns per project plus how many open,
unassigned good-first-issues it has. Keeping them here, refreshed on the index's schedule, answers
those without a database query. Rows are stored as compressed JSON: 50,000 of them as Python dicts
would cost ~150 MB, as zlib'd bytes ~20 MB, and decompressing a page of five takes microseconds.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import GoodFirstIssue

README_OPENING = 600  # characters of the README that count for search: its opening says what it is

Row = dict[str, Any]


def stored_row(values: Mapping[Any, Any]) -> Row:
    """A SEARCH_COLUMNS row as kept in memory: the README cut to the part search and reasons read."""
    row = {str(key): value for key, value in values.items()}
    row["readme_excerpt"] = (row.get("readme_excerpt") or "")[:README_OPENING]
    return row


class ProjectRows:
    """Project id → its row (compressed); replaced wholesale or patched by the catalog's refresh.

    Rows loaded from a snapshot stay in its one buffer (`blob`, `bounds`): the id maps to its place
    there, so a restart copies nothing per row. Rows put later are bytes of their own."""

    def __init__(self, blob: Any = b"", bounds: Sequence[int] = (0,), places: dict[int, int] | None = None):
        self._blob = memoryview(blob).cast("B")
        self._bounds = bounds
        self._packed: dict[int, bytes | int] = dict(places or {})

    def __len__(self) -> int:
        return len(self._packed)

    def put(self, rows: Iterable[Mapping[Any, Any]]) -> None:
        for values in rows:
            row = stored_row(values)
            self._packed[int(row["id"])] = zlib.compress(json.dumps(row, separators=(",", ":")).encode(), 1)

    def remove(self, project_ids: Iterable[int]) -> None:
        for project_id in project_ids:
            self._packed.pop(project_id, None)

    def get(self, project_ids: Iterable[int]) -> dict[int, Row]:
        found: dict[int, Row] = {}
        for project_id in project_ids:
            packed = self._compressed(project_id)
            if packed is not None:
                found[project_id] = json.loads(zlib.decompress(packed))
        return found

    def _compressed(self, project_id: int) -> bytes | memoryview | None:
        packed = self._packed.get(project_id)
        if isinstance(packed, int):
            return self._blob[self._bounds[packed] : self._bounds[packed + 1]]
        return packed

    def packed(self) -> dict[int, bytes | memoryview]:
        """The compressed rows as they are (for the snapshot)."""
        return {i: row for i in self._packed if (row := self._compressed(i)) is not None}


# Open issues whose assignees are empty count (assigned ones are taken). The fingerprint changes when
# an open issue appears, closes or is (un)assigned: `[]` is shorter than any list with a login in it.
_OPEN = GoodFirstIssue.state == "open"
_ASSIGNEES = cast(GoodFirstIssue.assignees, Text)
_FINGERPRINT = select(
    func.count(),
    func.coalesce(func.sum(GoodFirstIssue.id), 0),
    func.coalesce(func.sum(func.length(_ASSIGNEES)), 0),
).where(_OPEN)
# Counted in the database: reading every open issue to decode its assignees in Python took most of a
# second per change at 25,000 open issues. The JSON type writes an empty list as `[]` and None as
# `null` (or SQL NULL), on SQLite and PostgreSQL alike.
_UNASSIGNED = (
    select(GoodFirstIssue.project_id, func.count())
    .where(_OPEN, or_(GoodFirstIssue.assignees.is_(None), _ASSIGNEES.in_(("[]", "null"))))
    .group_by(GoodFirstIssue.project_id)
)


class OpenIssueCounts:
    """Open, unassigned good-first-issues per project, reloaded when the open issues' fingerprint moves."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self._fingerprint: tuple[int, int, int] | None = None
        self._lock = threading.Lock()

    def get(self, project_id: int) -> int:
        return self._counts.get(project_id, 0)

    def refresh(self, session: Session) -> bool:
        """Reload when anything changed; True when it did. One aggregate query when nothing did."""
        row = session.execute(_FINGERPRINT).one()
        fingerprint = (int(row[0]), int(row[1] or 0), int(row[2] or 0))
        with self._lock:
            if fingerprint == self._fingerprint:
                return False
            counts = {int(project_id): int(count) for project_id, count in session.execute(_UNASSIGNED)}
            self._counts, self._fingerprint = counts, fingerprint
            return True
