"""Keeps a replica's search index in step with the catalog table, cheaply and off the request path.

Each `serve` replica holds its own index, with the rows and open-issue counts its results show.
Every `refresh_seconds` a request triggers a background check that reads only `(id, search_digest)`
of listed projects and reloads the rows whose digest changed, so a crawl on another machine shows
up within seconds without any replica re-reading the whole catalog. Rows written without a digest
(bulk loads, rows from before migration 0002) get one computed and stored on first load.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog import search_snapshot
from bot.catalog.search_index import SearchDocument, SearchIndex
from bot.catalog.search_rows import README_OPENING, OpenIssueCounts, ProjectRows, Row
from bot.db.models import SEARCHED_COLUMNS, Project, search_digest

log = logging.getLogger(__name__)

REBUILD_SHARE = 0.10  # dead slots plus changes beyond this share of the catalog: rebuild, don't patch
IDLE_SECONDS = 0.05  # no request for this long: the process is idle enough for background work
_CHUNK = 2_000
SEARCH_COLUMNS = [Project.id, Project.search_digest] + [getattr(Project, c) for c in SEARCHED_COLUMNS]


def document_from_row(values: Mapping[Any, Any]) -> SearchDocument:
    """A SEARCH_COLUMNS row (as a mapping) → what the index keeps of it."""
    innersource = values["innersource"] if isinstance(values["innersource"], dict) else {}
    languages = tuple(values["languages"] or {})
    skills = innersource.get("skills")
    return SearchDocument(
        project_id=values["id"],
        forge=values["forge"],
        name=values["name"],
        full_name=values["full_name"],
        fields={
            "name": values["name"],
            "title": _text(innersource.get("title")),
            "topics": " ".join(values["topics"] or ()),
            "description": values["description"] or "",
            "skills": " ".join(str(s) for s in skills) if isinstance(skills, list) else _text(skills),
            "languages": " ".join(languages),
            "motivation": _text(innersource.get("motivation")),
            "namespace": values["full_name"].rsplit("/", 1)[0] if "/" in values["full_name"] else "",
            "readme": (values["readme_excerpt"] or "")[:README_OPENING],
        },
        topics=tuple(values["topics"] or ()),
        languages=languages,
        activity_score=values["activity_score"] or 0,
        ready=bool(values["ready"]),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class CatalogSearch:
    """The index, the rows its results show and the rule for keeping them fresh; thread-safe, one per
    process. With `snapshot` (a file path), a start loads the index from there and patches what changed
    since, and every rebuild writes it anew (bot/catalog/search_snapshot.py)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        refresh_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        snapshot: Path | None = None,
    ) -> None:
        self._sessions = sessions
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._snapshot = snapshot
        # Swapped as one tuple: a request never sees a rebuilt index with the previous rows.
        self._current: tuple[SearchIndex, ProjectRows] | None = None
        self._issues = OpenIssueCounts()
        self._digests: dict[int, int] = {}
        self._fingerprint: tuple[int, int] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()  # one load/refresh at a time
        self._refreshing = False
        self._companions: list[Callable[[], object]] = []
        self._companions_lock = threading.Lock()
        self._pending: list[Callable[[], object]] = []  # added after loading, not run yet
        self._used_at = 0.0  # time.monotonic() of the last request that used the index
        self.loaded_from_snapshot = False

    @property
    def snapshot_path(self) -> Path | None:
        """Where the index is kept on disk between runs (other caches keep theirs beside it)."""
        return self._snapshot

    @property
    def index(self) -> SearchIndex:
        """The current index; loaded on first use, then refreshed in the background when stale."""
        return self._fresh()[0]

    def rows(self, project_ids: Iterable[int]) -> dict[int, Row]:
        """The SEARCH_COLUMNS rows (README cut to its opening) of these listed projects, from memory."""
        return self._fresh()[1].get(project_ids)

    def open_issues(self, project_id: int) -> int:
        """Open, unassigned good-first-issues of a project, as of the last refresh."""
        return self._issues.get(project_id)

    def add_companion(self, refresh: Callable[[], object]) -> None:
        """Keep something else in memory on the index's schedule (a project card's metrics, who
        subscribes to what): `refresh` runs after every refresh of the index, on the same thread, and
        should itself be cheap when nothing changed. Added after the index has loaded, it first runs in
        the background when a request next uses the index: start-up neither waits for it nor shares
        the interpreter with it."""
        self._companions.append(refresh)  # refresh() runs a copy of the list
        if self._current is not None:
            self._pending.append(refresh)

    def idle(self, seconds: float = IDLE_SECONDS) -> bool:
        """Whether no request has used the index for `seconds` (real time): background work that
        would compete with answers for the interpreter waits for this."""
        return time.monotonic() - self._used_at >= seconds

    def _fresh(self) -> tuple[SearchIndex, ProjectRows]:
        self._used_at = time.monotonic()
        if self._current is None:
            self.refresh()
        elif self._clock() - self._checked_at >= self._refresh_seconds and not self._refreshing:
            self._refreshing = True
            threading.Thread(target=self._refresh_in_background, name="search-refresh", daemon=True).start()
        elif self._pending:
            pending, self._pending = self._pending, []
            first = threading.Thread(
                target=_logged, args=(lambda: self._refresh_companions(pending),), name="search-refresh"
            )
            first.daemon = True
            first.start()
        assert self._current is not None
        return self._current

    def _refresh_in_background(self) -> None:
        try:
            _logged(self.refresh)
        finally:
            self._refreshing = False

    def refresh(self) -> None:
        """Bring the index and its companions up to date now (used at start-up and by tests that just
        crawled)."""
        with self._lock:
            self._refresh_index()
        self._pending = []
        self._refresh_companions(self._companions)

    def _refresh_companions(self, companions: Sequence[Callable[[], object]]) -> None:
        # A lock of their own: a slow companion (metrics recomputed) never holds up the index.
        with self._companions_lock:
            for companion in list(companions):
                try:
                    companion()
                except Exception:  # one stale cache must not stop the index, or the others, refreshing
                    log.exception("event=search_companion_failed companion=%s", _name(companion))

    def _refresh_index(self) -> None:
        started = time.perf_counter()
        starting = self._current is None
        if starting and self._snapshot is not None:
            self._load_snapshot()
        with self._sessions() as session:
            self._issues.refresh(session)
        fingerprint = self._current_fingerprint()
        if fingerprint == self._fingerprint and self._current is not None:
            self._checked_at = self._clock()  # nothing changed: two aggregate queries, no rows read
            return
        current = self._current_digests()
        changed = [i for i, d in current.items() if self._digests.get(i) != d]
        gone = [i for i in self._digests if i not in current]
        # Many changes (a crawl re-scored everything) or many dead slots: build a new index off to
        # the side, where no search waits for it, and swap it in; otherwise patch the live one.
        rebuild = (
            self._current is None
            or self._current[0].dead_share + len(changed) / max(len(current), 1) > REBUILD_SHARE
        )
        if rebuild:
            fresh, rows = SearchIndex(), ProjectRows()
            for batch in self._rows_of(list(current)):
                rows.put(batch)
                fresh.upsert(document_from_row(row) for row in batch)
            fresh.warm()
            self._current = (fresh, rows)
        elif self._current is not None:
            index, rows = self._current
            # Rows first, index second: a search never ranks a project whose row is not there yet.
            for batch in self._rows_of(changed):
                rows.put(batch)
                index.upsert(document_from_row(row) for row in batch)
            index.remove(gone)
            rows.remove(gone)
            index.warm()
        self._digests = current
        self._fingerprint = fingerprint
        self._checked_at = self._clock()
        if changed or gone:
            log.info(
                "event=search_refresh rebuilt=%s changed=%d removed=%d projects=%d duration_ms=%.0f",
                rebuild,
                len(changed),
                len(gone),
                len(current),
                (time.perf_counter() - started) * 1000,
            )
        if self._snapshot is not None and (rebuild or (starting and (changed or gone))):
            threading.Thread(target=self._save_snapshot, name="search-snapshot", daemon=True).start()

    def _load_snapshot(self) -> None:
        assert self._snapshot is not None
        started = time.perf_counter()
        snapshot = search_snapshot.load(self._snapshot)
        if snapshot is None:
            return
        self._current = (snapshot.index, snapshot.rows)
        self._digests = snapshot.digests
        # The fingerprint the database gives when nothing changed since the snapshot was written: then
        # the start reads no digests (47,000 rows) and compares nothing.
        self._fingerprint = (len(snapshot.digests), sum(snapshot.digests.values()))
        self.loaded_from_snapshot = True
        log.info(
            "event=search_snapshot_loaded projects=%d duration_ms=%.0f",
            len(snapshot.index),
            (time.perf_counter() - started) * 1000,
        )

    def _save_snapshot(self) -> None:
        """Off the request path; under the refresh lock, so index, rows and digests agree."""
        assert self._snapshot is not None
        with self._lock:
            if self._current is None:
                return
            started = time.perf_counter()
            index, rows = self._current
            try:
                snapshot = search_snapshot.Snapshot(index, rows, dict(self._digests))
                search_snapshot.save(self._snapshot, snapshot)
            except OSError as exc:  # a cache: a read-only or full disk costs start-up time, nothing else
                log.warning("event=search_snapshot_failed error=%s", type(exc).__name__)
                return
            log.info(
                "event=search_snapshot_saved projects=%d duration_ms=%.0f",
                len(index),
                (time.perf_counter() - started) * 1000,
            )

    def _current_fingerprint(self) -> tuple[int, int]:
        """(listed rows, sum of their digests): changes when any listed row's digest changes, and is
        computed inside the database, so an unchanged catalog costs one aggregate query per check."""
        with self._sessions() as session:
            row = session.execute(
                select(func.count(), func.coalesce(func.sum(Project.search_digest), 0)).where(Project.listed)
            ).one()
        return int(row[0]), int(row[1] or 0)

    def _current_digests(self) -> dict[int, int]:
        with self._sessions() as session:
            rows = session.execute(select(Project.id, Project.search_digest).where(Project.listed)).all()
        digests = {row.id: row.search_digest for row in rows if row.search_digest is not None}
        missing = [row.id for row in rows if row.search_digest is None]
        if missing:
            digests.update(self._backfill(missing))
        return digests

    def _backfill(self, ids: Sequence[int]) -> dict[int, int]:
        """Rows written without the ORM (bulk loads) or before migration 0002 get their digest now."""
        filled: dict[int, int] = {}
        with self._sessions() as session:
            for chunk in _chunks(ids):
                rows = session.execute(select(*SEARCH_COLUMNS).where(Project.id.in_(chunk))).all()
                for row in rows:
                    filled[row.id] = search_digest(dict(row._mapping))
                session.execute(
                    update(Project), [{"id": i, "search_digest": filled[i]} for i in chunk if i in filled]
                )
            session.commit()
        return filled

    def _rows_of(self, ids: Sequence[int]) -> Iterator[list[Mapping[Any, Any]]]:
        with self._sessions() as session:
            for chunk in _chunks(ids):
                rows = session.execute(
                    select(*SEARCH_COLUMNS).where(Project.id.in_(chunk), Project.listed)
                ).all()
                yield [row._mapping for row in rows]


def _logged(work: Callable[[], object]) -> None:
    """Background work: a failure is logged; the old index keeps serving and the next check retries."""
    try:
        work()
    except Exception:
        log.exception("event=search_refresh_failed")


def _name(companion: Callable[[], object]) -> str:
    return getattr(companion, "__qualname__", type(companion).__name__)


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    chunk: list[int] = []
    for project_id in ids:
        chunk.append(project_id)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
