"""Identity by e-mail: forge logins the catalog knows, tied to Slack users who show the same address.

For each maintainer and ledger author (bots excluded) without an identity yet, the forge is asked for
the account's public e-mail and Slack (`users.lookupByEmail`) for a full member with it; a match
becomes a person and a *verified* identity. Misses (no public e-mail, nobody in Slack with it) are
remembered for a day in the database, so the run after every crawl does not repeat each request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.models import Contribution, HttpCacheEntry, Project
from bot.db.people import Identity
from bot.forges.base import ForgeError, is_bot_login
from bot.services.identity import SlackProfile, ensure_person, valid_login

log = logging.getLogger(__name__)

_MISS_PREFIX = "identity-email-miss:"  # rows of the http_cache table: a miss and when it was seen
MISS_TTL = timedelta(days=1)
MAX_LOOKUPS = 500  # forge requests per run: a first run over a big catalog spreads over several crawls


class EmailForge(Protocol):
    """What matching needs of a forge adapter (bot/forges/base.py `Forge` has it)."""

    kind: str
    host: str

    def user_email(self, login: str) -> str | None: ...


# An e-mail → the full member of the workspace with it, or None (nobody, a guest, a bot…).
SlackByEmail = Callable[[str], SlackProfile | None]


@dataclass(frozen=True)
class MatchSummary:
    candidates: int = 0  # known logins without an identity
    looked_up: int = 0  # asked the forge about this run
    matched: int = 0  # verified identities made
    remembered_misses: int = 0  # skipped: looked up in the last day without a match
    errors: int = 0  # forge lookups that failed (tried again next run)


class EmailMatcher:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        forges: Sequence[EmailForge],
        slack_by_email: SlackByEmail,
        now: Callable[[], datetime],
        max_lookups: int = MAX_LOOKUPS,
    ) -> None:
        self._sessions = sessions
        self._forges = list(forges)
        self._slack_by_email = slack_by_email
        self._now = now
        self._max_lookups = max_lookups

    def match_by_email(self) -> MatchSummary:
        candidates = remembered = looked_up = matched = errors = 0
        for forge in self._forges:
            logins = self._candidates(forge.kind, forge.host)
            candidates += len(logins)
            misses = self._recent_misses(forge.kind, forge.host)
            for login in logins:
                if login.casefold() in misses:
                    remembered += 1
                    continue
                if looked_up >= self._max_lookups:
                    break
                looked_up += 1
                try:
                    email = forge.user_email(login)
                except ForgeError as exc:
                    errors += 1
                    log.warning("event=identity_email_lookup_failed forge=%s error=%s", forge.kind, exc)
                    continue
                profile = self._slack_by_email(email) if email else None
                if profile is not None and self._tie(forge.kind, forge.host, login, profile):
                    matched += 1
                else:
                    self._remember_miss(forge.kind, forge.host, login)
        summary = MatchSummary(candidates, looked_up, matched, remembered, errors)
        log.info(
            "event=identity_match candidates=%d looked_up=%d matched=%d remembered_misses=%d errors=%d",
            summary.candidates, summary.looked_up, summary.matched, summary.remembered_misses, summary.errors,
        )  # fmt: skip
        return summary

    def _candidates(self, forge: str, host: str) -> list[str]:
        """Maintainers of listed projects and ledger authors on this forge without a verified identity
        (one claimed by someone's self-declared `link` is still looked up: the e-mail decides)."""
        with self._sessions() as session:
            maintainers = session.scalars(
                select(Project.maintainers).where(
                    Project.forge == forge, Project.host == host, Project.listed.is_(True)
                )
            ).all()
            authors = session.scalars(
                select(Contribution.author)
                .where(
                    Contribution.forge == forge,
                    Contribution.host == host,
                    Contribution.author_is_bot.is_(False),
                )
                .distinct()
            ).all()
            known = set(
                session.scalars(
                    select(Identity.login_key).where(
                        Identity.forge == forge, Identity.host == host, Identity.verified.is_(True)
                    )
                ).all()
            )
        logins: dict[str, str] = {}
        for name in [*_people(maintainers), *authors]:
            login = str(name).strip().removeprefix("@")
            key = login.casefold()
            # Teams (`@acme/design`) and e-mail addresses name no single account; bots never count.
            if not valid_login(forge, login) or is_bot_login(login) or key in known:
                continue
            logins.setdefault(key, login)
        return sorted(logins.values(), key=str.casefold)

    def _recent_misses(self, forge: str, host: str) -> set[str]:
        prefix = f"{_MISS_PREFIX}{forge}:{host}:"
        with self._sessions() as session:
            keys = session.scalars(
                select(HttpCacheEntry.key).where(
                    HttpCacheEntry.key.startswith(prefix, autoescape=True),
                    HttpCacheEntry.updated_at > self._now() - MISS_TTL,
                )
            ).all()
        return {key.removeprefix(prefix) for key in keys}

    def _remember_miss(self, forge: str, host: str, login: str) -> None:
        key = f"{_MISS_PREFIX}{forge}:{host}:{login.casefold()}"
        with session_scope(self._sessions) as session:
            session.merge(HttpCacheEntry(key=key, etag="", payload=None, updated_at=self._now()))

    def _tie(self, forge: str, host: str, login: str, profile: SlackProfile) -> bool:
        """A verified identity for the Slack user. An unverified `link` of theirs on this forge gives
        way to it; a verified one for another login stays (then this is not a match). Someone else's
        unverified `link` of this login gives way too: anyone may type a maintainer's login, only the
        e-mail shows whose it is."""
        now = self._now()
        try:
            with session_scope(self._sessions) as session:
                person = ensure_person(session, profile, now)
                mine = session.scalars(
                    select(Identity).where(
                        Identity.person_id == person.id, Identity.forge == forge, Identity.host == host
                    )
                ).one_or_none()
                if mine is not None:
                    if mine.verified:
                        return False
                    session.delete(mine)
                    session.flush()
                claimed = session.scalars(
                    select(Identity).where(
                        Identity.forge == forge, Identity.host == host, Identity.login_key == login.casefold()
                    )
                ).one_or_none()
                if claimed is not None:  # another person's self-declared link (verified ones are skipped)
                    log.warning(
                        "event=link_replaced_by_email forge=%s login=%s person=%d",
                        forge,
                        login,
                        claimed.person_id,
                    )
                    session.delete(claimed)
                    session.flush()
                session.add(
                    Identity(
                        person_id=person.id, forge=forge, host=host, login=login, login_key=login.casefold(),
                        verified=True, source="email", created_at=now,
                    )
                )  # fmt: skip
                session.flush()
        except IntegrityError:  # the login was linked by someone in the meantime: theirs stands
            return False
        return True


def _people(maintainer_lists: Iterable[object]) -> list[str]:
    return [str(name) for names in maintainer_lists if isinstance(names, list) for name in names]
