"""Announcements: which projects the announce channel has heard of, and channels that refuse posts.

- `announcements`: one row per project ever announced, or recorded as already known by the first
  run (which posts one summary instead). Keyed by the forge's stable id, `forge:host:forge_id`, not
  by the project row's name: a project renamed, moved to another namespace, or ready again after a
  lapse keeps its key, so it is never announced twice (bot/services/announcements.py).
- `announce_state`: facts about the announce job as a whole, one row each. `first-run`: the first
  run over a crawled catalog has happened (when, and how many projects it recorded as known); until
  that row exists, a run is a first run.
- `channel_problems`: a channel the deliverer could not post to (not found, archived, the bot not a
  member and unable to join, a missing scope), since when, and when to try again. Its rows wait
  instead of failing; the problem is logged once, when the row appears, and `stats` shows it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

# How a project came to be in `announcements`.
POSTED, KNOWN = "posted", "known"  # its own post queued | counted in the first run's summary
FIRST_RUN = "first-run"  # the announce_state row that says the first run has happened


class Announcement(Base):
    """A project the announce channel has heard of, once ever, by the forge's stable id."""

    __tablename__ = "announcements"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)  # forge:host:forge_id
    # The row it was about, for look-ups (`new`); the key, not this id, is what makes it once ever.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    how: Mapped[str] = mapped_column(String(16))  # posted | known
    first_ready_at: Mapped[datetime]  # when the project first became InnerSource-ready
    recorded_at: Mapped[datetime] = mapped_column(index=True)  # when it was announced (or recorded)


class AnnounceState(Base):
    """A fact about the announce job as a whole (`first-run`), with when it became true."""

    __tablename__ = "announce_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(Text, default="")


class ChannelProblem(Base):
    """A channel that refused the deliverer's posts; its rows wait until `retry_at`, nothing is lost."""

    __tablename__ = "channel_problems"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)  # as the outbox rows name it
    error: Mapped[str] = mapped_column(String(64))  # Slack's error name: channel_not_found, is_archived…
    since: Mapped[datetime]  # first seen (a change of error keeps it)
    checked_at: Mapped[datetime]  # last seen
    retry_at: Mapped[datetime]  # the next post to this channel is tried then, not before
    attempts: Mapped[int] = mapped_column(Integer, default=1)  # refusals seen since `since`
