"""SQLAlchemy 2 models: the catalog now; people, subscriptions and the outbox join later.

Columns hold forge-neutral data (see bot/forges/base.py). Lists and small mappings are JSON, which
both SQLite and PostgreSQL store natively. Every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite hands back naive ones, so re-attach UTC on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Project(Base):
    """One repository of a forge, listed or not. `listed` false: it left the catalog (archived,
    deleted, made private, filtered) but its history stays for contributions and announcements."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("forge", "host", "forge_id", name="uq_projects_forge_id"),
        Index("ix_projects_full_name", "host", "full_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forge: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    forge_id: Mapped[str] = mapped_column(String(64))
    namespace: Mapped[str] = mapped_column(String(255))  # the configured org/group it was listed under
    full_name: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(255))
    web_url: Mapped[str] = mapped_column(String(1024))
    description: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    primary_language: Mapped[str | None] = mapped_column(String(64))
    visibility: Mapped[str] = mapped_column(String(16))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    fork: Mapped[bool] = mapped_column(Boolean, default=False)
    default_branch: Mapped[str | None] = mapped_column(String(255))
    stars: Mapped[int] = mapped_column(Integer, default=0)
    forks: Mapped[int] = mapped_column(Integer, default=0)
    subscribers: Mapped[int] = mapped_column(Integer, default=0)
    open_issues: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    pushed_at: Mapped[datetime]
    weekly_commits: Mapped[list[Any]] = mapped_column(default=list)
    innersource: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    readme_excerpt: Mapped[str] = mapped_column(Text, default="")
    docs: Mapped[dict[str, Any]] = mapped_column(default=dict)  # paths/flags from RepoFiles
    maintainers: Mapped[list[Any]] = mapped_column(default=list)
    # Logins the project itself lists as trusted committers (innersource.json `trustedCommitters`, a
    # "Trusted Committers" section of the README); approvals and promotions are in trusted_committers.
    trusted_committers: Mapped[list[Any]] = mapped_column(default=list)
    activity_score: Mapped[int] = mapped_column(Integer, default=0)
    score_parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    readiness: Mapped[dict[str, Any]] = mapped_column(default=dict)  # checklist item -> bool
    ready: Mapped[bool] = mapped_column(Boolean, default=False)
    first_ready_at: Mapped[datetime | None]  # first time it became InnerSource-ready (announce once)
    listed: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    unlisted_reason: Mapped[str | None] = mapped_column(String(64))
    change_marker: Mapped[str] = mapped_column(String(128), default="")
    details_complete: Mapped[bool] = mapped_column(Boolean, default=False)  # last detail read succeeded
    first_seen_at: Mapped[datetime]
    last_crawled_at: Mapped[datetime]
    # Hash of what search shows and ranks by (SEARCHED_COLUMNS), kept by the mapper events below, so
    # each replica's in-memory search index reloads only the rows whose digest changed. 31 bits: the
    # sum over all rows (a one-query "did anything change?") stays within a 64-bit integer.
    search_digest: Mapped[int | None] = mapped_column(Integer)

    issues: Mapped[list[GoodFirstIssue]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="GoodFirstIssue.number"
    )


# What the search index reads from a project row; a change to any of these changes its digest.
SEARCHED_COLUMNS = (
    "forge", "host", "namespace", "full_name", "name", "web_url", "description", "topics", "languages",
    "primary_language", "innersource", "readme_excerpt", "activity_score", "ready", "listed",
)  # fmt: skip


def search_digest(values: dict[str, Any]) -> int:
    """Digest of SEARCHED_COLUMNS taken from a row mapping (or a Project's attributes)."""
    canonical = json.dumps([values.get(column) for column in SEARCHED_COLUMNS], sort_keys=True, default=str)
    return int.from_bytes(hashlib.blake2b(canonical.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


@event.listens_for(Project, "before_insert")
@event.listens_for(Project, "before_update")
def _refresh_search_digest(_mapper: object, _connection: object, project: Project) -> None:
    project.search_digest = search_digest({column: getattr(project, column) for column in SEARCHED_COLUMNS})


class GoodFirstIssue(Base):
    """An issue carrying one of the configured good-first-issue labels (open or since closed)."""

    __tablename__ = "good_first_issues"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_gfi_project_number"),
        # Open issues of a page of projects: SQLite would otherwise pick the index on `state` alone.
        Index("ix_gfi_project_state", "project_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    forge_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1024))
    labels: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[str] = mapped_column(String(16), index=True)
    assignees: Mapped[list[Any]] = mapped_column(default=list)
    author: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    project: Mapped[Project] = relationship(back_populates="issues")


class Contribution(Base):
    """The contribution ledger: merged changes, reviews, issues opened — one row per forge event."""

    __tablename__ = "contributions"
    __table_args__ = (
        UniqueConstraint("key", name="uq_contributions_key"),
        Index("ix_contributions_author", "forge", "host", "author"),
        Index("ix_contributions_project_kind_time", "project_id", "kind", "occurred_at"),
        # Progression reads one person's work by login, case-insensitively (`me`, the incremental run).
        Index("ix_contributions_author_key", text("lower(author)")),
        # The incremental recompute finds the rows that slid out of the levels' window by time.
        Index("ix_contributions_time", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))  # forge:host:kind:forge_id — dedupes deliveries
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    forge: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # merged_change | review | issue_opened
    author: Mapped[str] = mapped_column(String(255))
    author_is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(1024), default="")
    occurred_at: Mapped[datetime]


class CrawlRun(Base):
    """One crawl: what it saw, changed and cost, and what went wrong."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|partial|failed
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[list[Any]] = mapped_column(default=list)


class CrawlCursor(Base):
    """Per source (forge:host:namespace), when the last successful crawl of it started."""

    __tablename__ = "crawl_cursors"

    source: Mapped[str] = mapped_column(String(512), primary_key=True)
    last_success_at: Mapped[datetime]


class HttpCacheEntry(Base):
    """ETag'd responses (already parsed) so the next crawl can ask If-None-Match."""

    __tablename__ = "http_cache"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    etag: Mapped[str] = mapped_column(String(255))
    payload: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)
