"""The database-backed ConditionalCache: ETag'd forge responses survive between crawls."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.models import HttpCacheEntry, utcnow


class DbConditionalCache:
    """Thread-safe: adapters may call it from the crawl's worker threads."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[str, Any] | None:
        with self._lock, session_scope(self._sessions) as session:
            row = session.get(HttpCacheEntry, key)
            return (row.etag, row.payload) if row is not None else None

    def put(self, key: str, etag: str, payload: Any) -> None:
        with self._lock, session_scope(self._sessions) as session:
            session.merge(HttpCacheEntry(key=key, etag=etag, payload=payload, updated_at=utcnow()))
