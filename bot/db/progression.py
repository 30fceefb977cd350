"""Contributor progression and the program's metrics: what the ledger alone cannot say.

- `change_requests`: every pull/merge request the bot has seen (open, merged, closed) with its first
  response, for time-to-first-response. The ledger (`contributions`) stays the home of who did what.
- `contributor_levels`: each contributor's overall level, recomputed from the ledger
  (bot/services/progression.py). A contributor is a person (`p:<person-id>`) when one of their forge
  accounts is tied to them, otherwise the forge account itself (`a:<forge>:<host>:<login-key>`).
- `trusted_committers`: approvals and `admin promote`; those listed in the project's own files are
  on the project row (`projects.trusted_committers`), read at each crawl.
- `nominations`: a trusted-committer candidate on a project and its maintainers' decision.
- `milestones`: what a person reached (first merged contribution, a level, trusted committer), once
  each, and whether it was told by DM or recorded silently (old work on first install).
- `metric_snapshots`: the program-wide metrics as last computed by the worker, for `stats`.
- `progression_cursors`: how far the incremental recompute has read the ledger and the identities.
- `progression_tallies`: each forge account's work per project (counts all-time and in the levels'
  window), kept up to date from the ledger's new rows, so an incremental run reads a few hundred
  accounts' tallies instead of their whole history (bot/services/progression_tallies.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

# Levels, lowest first; their order is their rank.
NEWCOMER, CONTRIBUTOR, REGULAR, CANDIDATE, TRUSTED = (
    "newcomer",
    "contributor",
    "regular",
    "candidate",
    "trusted",
)
LEVELS = (NEWCOMER, CONTRIBUTOR, REGULAR, CANDIDATE, TRUSTED)

# Nomination states.
NOMINATION_PENDING, NOMINATION_APPROVED, NOMINATION_DECLINED = "pending", "approved", "declined"


class ChangeRequest(Base):
    """A pull request (GitHub) or merge request (GitLab), for time to first response."""

    __tablename__ = "change_requests"
    __table_args__ = (
        UniqueConstraint("key", name="uq_change_requests_key"),
        Index("ix_change_requests_project_created", "project_id", "created_at"),
        Index("ix_change_requests_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255))  # forge:host:change:forge_id
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    forge: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(1024), default="")
    author: Mapped[str] = mapped_column(String(255))
    author_is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))  # open | merged | closed
    created_at: Mapped[datetime]
    merged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The first review, approval or comment by someone other than the author and bots; None: none yet.
    first_response_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ContributorLevel(Base):
    """A contributor's overall level and the counts it was decided on (see the module docstring)."""

    __tablename__ = "contributor_levels"
    __table_args__ = (Index("ix_contributor_levels_level", "level"),)

    contributor: Mapped[str] = mapped_column(String(320), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    merged_outside: Mapped[int] = mapped_column(Integer, default=0)  # all time, projects they do not maintain
    merged_window: Mapped[int] = mapped_column(Integer, default=0)  # in levels.window_days, same projects
    reviews_window: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class TrustedCommitter(Base):
    """A forge account made trusted committer of a project by a maintainer's approval or an admin."""

    __tablename__ = "trusted_committers"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    login_key: Mapped[str] = mapped_column(
        String(255), primary_key=True
    )  # casefolded, on the project's forge
    login: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(16))  # approved | admin
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Nomination(Base):
    """A trusted-committer candidate on one project; the first maintainer's decision wins."""

    __tablename__ = "nominations"
    __table_args__ = (
        Index("ix_nominations_project_login", "project_id", "login_key"),
        # One pending nomination per candidate and project, even when two recomputes overlap.
        Index(
            "uq_nominations_pending",
            "project_id",
            "login_key",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    login_key: Mapped[str] = mapped_column(String(255))  # the candidate's account on the project's forge
    login: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | declined
    merged_window: Mapped[int] = mapped_column(Integer, default=0)  # the counts that made them a candidate
    reviews_window: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")


class Milestone(Base):
    """What a person reached, once each: first-merged, level:<name>, trusted:<project-id>."""

    __tablename__ = "milestones"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    reached_at: Mapped[datetime]  # the contribution (or decision) that reached it
    recorded_at: Mapped[datetime]
    told: Mapped[bool] = mapped_column(Boolean, default=False)  # False: older than the backfill window


class MetricSnapshot(Base):
    """The program-wide metrics as the worker last computed them (`stats` reads this, not the ledger)."""

    __tablename__ = "metric_snapshots"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)  # program
    window_days: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ProgressionCursor(Base):
    """`ledger`: when the last recompute ran (`at`); `identities`: the last identity change;
    `tallies`: ledger ids applied to `progression_tallies` (all up to `position`, and those above it in
    `state`) and the window start (`at`) its window counts are for."""

    __tablename__ = "progression_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime | None]
    state: Mapped[list[Any] | None] = mapped_column(JSON)


class LedgerTally(Base):
    """One forge account's tallies, per project (bot/services/progression_tallies.py: 7 numbers a
    project in one flat list — counts all time and in the levels' window, first and latest times).
    Derived from the ledger (which stays the home of who did what); the daily full recompute rewrites
    it, each incremental run applies the new rows and the rows that slid out of the window."""

    __tablename__ = "progression_tallies"

    login_key: Mapped[str] = mapped_column(String(255), primary_key=True)  # first: read by login
    forge: Mapped[str] = mapped_column(String(16), primary_key=True)
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    projects: Mapped[list[Any]] = mapped_column(JSON)
