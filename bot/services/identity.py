"""People and their forge identities: the one home of "who is this Slack user on GitHub/GitLab".

A person row is made (or refreshed) when a Slack user uses the bot. Forge accounts are tied to people
by matching e-mail (verified) or by `link` (unverified); one forge account belongs to at most one person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.people import Person


@dataclass(frozen=True)
class SlackProfile:
    """What `users.info` told us about a person (see bot/slack/users.py `profile_of`)."""

    user_id: str
    team_id: str = ""
    name: str = ""
    email: str | None = None
    tz: str = "UTC"


def zone(name: str) -> ZoneInfo:
    """A person's time zone; UTC when Slack gave none or one this machine does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def ensure_person(session: Session, profile: SlackProfile, now: datetime) -> Person:
    """The person row for a Slack user, created on first use and refreshed from their profile."""
    person = session.scalars(select(Person).where(Person.slack_user_id == profile.user_id)).one_or_none()
    if person is None:
        person = Person(slack_user_id=profile.user_id, created_at=now, updated_at=now)
        session.add(person)
    changed = (person.team_id, person.name, person.email, person.tz) != (
        profile.team_id,
        profile.name,
        profile.email,
        profile.tz,
    )
    if changed or person.id is None:
        person.team_id, person.name, person.tz = profile.team_id, profile.name, profile.tz or "UTC"
        person.email = profile.email
        person.updated_at = now
    session.flush()
    return person
