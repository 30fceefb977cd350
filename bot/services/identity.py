"""People and their forge identities: the one home of "who is this Slack user on GitHub/GitLab".

A person row is made (or refreshed) when a Slack user uses the bot. Forge accounts are tied to people
by matching e-mail (verified) or by `link` (unverified); one forge account belongs to at most one person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.people import Identity, Person

T = TypeVar("T")


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
    # Callers reach this only for people the user gate (or an e-mail match) admitted just now.
    person.slack_checked_at, person.slack_refusal = now, None
    session.flush()
    return person


# -- forge accounts: link, unlink, list ------------------------------------------------------------

FORGES = ("github", "gitlab")
FORGE_NAMES = {"github": "GitHub", "gitlab": "GitLab"}
# GitHub: letters, digits and single inner hyphens, at most 39; Enterprise managed users add `_shortcode`.
_GITHUB_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}(?:_[A-Za-z0-9]{1,20})?$")
# GitLab: letters, digits, `_`, `-`, `.`; starts with a letter, digit or `_`; not ending in `.`/.git/.atom.
_GITLAB_USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$")

# What `link`/`unlink` did (the renderer words each one).
LINKED = "linked"
RELINKED = "relinked"
ALREADY_LINKED = "already_linked"
UNKNOWN_FORGE = "unknown_forge"
BAD_LOGIN = "bad_login"
TAKEN = "taken"
VERIFIED_ELSEWHERE = "verified_elsewhere"  # the caller's account on that forge is verified by e-mail
UNLINKED = "unlinked"
NOT_LINKED = "not_linked"
USAGE = "usage"


def api_host(url: str) -> str:
    """A forge's host as the adapters (and so `projects.host`) spell it: `api.github.com`, `host:port`."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def valid_login(forge: str, login: str) -> bool:
    if forge == "github":
        return bool(_GITHUB_LOGIN.match(login))
    return bool(_GITLAB_USERNAME.match(login)) and not login.endswith((".", ".git", ".atom"))


@dataclass(frozen=True)
class LinkedAccount:
    forge: str
    host: str
    login: str
    verified: bool
    source: str  # email | link | admin


@dataclass(frozen=True)
class LinkResult:
    outcome: str  # one of the constants above
    forge: str = ""
    login: str = ""  # as typed (raw: the renderer escapes it)
    previous: str | None = None  # the login it replaced, or the verified one that stays
    accounts: tuple[LinkedAccount, ...] = ()  # the caller's accounts after the change


class IdentityService:
    """`link`, `unlink`, the caller's accounts. `hosts`: forge kind → API host, as projects.host holds it."""

    def __init__(
        self, sessions: sessionmaker[Session], hosts: Mapping[str, str], now: Callable[[], datetime]
    ):
        self._sessions = sessions
        self._hosts = dict(hosts)
        self._now = now

    def link(self, profile: SlackProfile, forge: str, login: str) -> LinkResult:
        forge, login = forge.casefold(), login.strip().removeprefix("@")
        if not forge and not login:
            return self._accounts_only(profile, USAGE)
        if forge not in FORGES:
            return LinkResult(UNKNOWN_FORGE, forge=forge[:40])
        if not login:
            return LinkResult(USAGE, forge=forge)
        if not valid_login(forge, login):
            return LinkResult(BAD_LOGIN, forge=forge, login=login[:80])
        host, key = self._hosts[forge], login.casefold()

        def work(session: Session) -> LinkResult:
            now = self._now()
            person = ensure_person(session, profile, now)
            holder = session.scalars(
                select(Identity).where(
                    Identity.forge == forge, Identity.host == host, Identity.login_key == key
                )
            ).one_or_none()
            if holder is not None and holder.person_id != person.id:
                return LinkResult(TAKEN, forge, login, accounts=identities(session, person))
            mine = session.scalars(
                select(Identity).where(
                    Identity.person_id == person.id, Identity.forge == forge, Identity.host == host
                )
            ).one_or_none()
            if mine is not None and mine.login_key == key:
                return LinkResult(ALREADY_LINKED, forge, mine.login, accounts=identities(session, person))
            if mine is not None and mine.verified:
                return LinkResult(
                    VERIFIED_ELSEWHERE, forge, login, mine.login, accounts=identities(session, person)
                )
            previous = mine.login if mine is not None else None
            if mine is not None:
                session.delete(mine)
                session.flush()
            session.add(
                Identity(
                    person_id=person.id, forge=forge, host=host, login=login, login_key=key,
                    verified=False, source="link", created_at=now,
                )
            )  # fmt: skip
            session.flush()
            outcome = RELINKED if previous else LINKED
            return LinkResult(outcome, forge, login, previous, identities(session, person))

        try:
            return in_transaction(self._sessions, work)
        except IntegrityError:  # someone else took the login in the same instant
            return LinkResult(TAKEN, forge, login)

    def unlink(self, profile: SlackProfile, forge: str) -> LinkResult:
        forge = forge.strip().casefold()
        if not forge:
            return self._accounts_only(profile, USAGE)
        if forge not in FORGES:
            return LinkResult(UNKNOWN_FORGE, forge=forge[:40])

        def work(session: Session) -> LinkResult:
            person = ensure_person(session, profile, self._now())
            mine = session.scalars(
                select(Identity).where(
                    Identity.person_id == person.id,
                    Identity.forge == forge,
                    Identity.host == self._hosts[forge],
                )
            ).one_or_none()
            if mine is None:
                return LinkResult(NOT_LINKED, forge, accounts=identities(session, person))
            session.delete(mine)
            session.flush()
            return LinkResult(UNLINKED, forge, mine.login, accounts=identities(session, person))

        return in_transaction(self._sessions, work)

    def accounts(self, profile: SlackProfile) -> tuple[LinkedAccount, ...]:
        with self._sessions() as session:
            person = session.scalars(
                select(Person).where(Person.slack_user_id == profile.user_id)
            ).one_or_none()
            return identities(session, person) if person is not None else ()

    def _accounts_only(self, profile: SlackProfile, outcome: str) -> LinkResult:
        return LinkResult(outcome, accounts=self.accounts(profile))


def identities(session: Session, person: Person) -> tuple[LinkedAccount, ...]:
    """A person's forge accounts, GitHub first."""
    rows = session.scalars(
        select(Identity).where(Identity.person_id == person.id).order_by(Identity.forge, Identity.host)
    ).all()
    return tuple(LinkedAccount(r.forge, r.host, r.login, r.verified, r.source) for r in rows)


def in_transaction(sessions: sessionmaker[Session], work: Callable[[Session], T], retries: int = 3) -> T:
    """`work` in one transaction, run again when a concurrent request inserted the same row first
    (two first commands of a new person, a double click): the retry sees that row."""
    for attempt in range(retries):
        try:
            with session_scope(sessions) as session:
                return work(session)
        except IntegrityError:
            if attempt == retries - 1:
                raise
    raise AssertionError("unreachable")
