"""People and what they asked for: Slack users, their forge identities, subscriptions, mutes, claims.

One home each: routing, progression and digests read these tables and never keep copies. A person
row is created the first time a Slack user uses the bot (or is matched by email to a forge login).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models import Base

CADENCES = ("instant", "daily", "weekly", "off")
DEFAULT_CADENCE = "daily"


class Person(Base):
    """A Slack user the bot knows. Profile fields are refreshed from `users.info` when they use the bot."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    team_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(255), default="")  # display name, else real name
    email: Mapped[str | None] = mapped_column(String(320))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA zone from users.info
    cadence: Mapped[str] = mapped_column(String(8), default=DEFAULT_CADENCE)  # instant|daily|weekly|off
    maintainer_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Slack's last word on whether the bot may DM them (bot/slack/users.py verdicts): when it was
    # checked, and the refusal (guest, external, bot, deleted) or None. The deliverer trusts a recent
    # check instead of asking users.info before every DM (Tier 4: ~100 a minute).
    slack_checked_at: Mapped[datetime | None]
    slack_refusal: Mapped[str | None] = mapped_column(String(16))


class Identity(Base):
    """A forge account tied to a person: by matching e-mail (verified) or by `link` (unverified).
    One forge account belongs to at most one person; a person has at most one account per forge host."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("forge", "host", "login_key", name="uq_identities_account"),
        UniqueConstraint("person_id", "forge", "host", name="uq_identities_person_forge"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    forge: Mapped[str] = mapped_column(String(16))  # github | gitlab
    host: Mapped[str] = mapped_column(String(255))  # API host, as projects.host
    login: Mapped[str] = mapped_column(String(255))  # as the forge spells it
    login_key: Mapped[str] = mapped_column(String(255))  # casefolded: logins are case-insensitive
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))  # email | link | admin
    created_at: Mapped[datetime]


class Subscription(Base):
    """What a person wants good-first-issues about: a topic, a language, or one project."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "value", name="uq_subscriptions_term"),
        Index("ix_subscriptions_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # topic | lang | project
    value: Mapped[str] = mapped_column(String(255))  # topic_key, language_key, or the project id as text
    label: Mapped[str] = mapped_column(String(512))  # as shown: "kafka", "Go", "acme/aurora-design-system"
    created_at: Mapped[datetime]


class ProjectMute(Base):
    """*Not interested*: nothing more from this project for this person (undone by subscribing to it)."""

    __tablename__ = "project_mutes"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime]


class IssueClaim(Base):
    """*Claim*: the first person to claim a good-first-issue has it; others' pending deliveries drop it."""

    __tablename__ = "issue_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("good_first_issues.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    claimed_at: Mapped[datetime]
    comment: Mapped[str] = mapped_column(String(16), default="off")  # off | pending | posted | failed
