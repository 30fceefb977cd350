"""Reading the ledger for progression: who did what where, as counts, and who maintains what.

`tallies` groups the ledger (bots, `bot_logins` and unlisted projects left out) by forge account and
project in one query; `ProjectRoles` holds every listed project's maintainers and trusted committers
as casefolded logins. Both are plain data; bot/services/progression_levels.py decides levels from them.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from bot.db.models import Contribution, Project
from bot.db.people import Identity
from bot.db.progression import TrustedCommitter
from bot.forges.base import login_keys

Account = tuple[str, str, str]  # forge, host, casefolded login
MERGED, REVIEW = "merged_change", "review"
_CHUNK = 500  # logins per IN (…) when reading a few accounts


@dataclass
class Tally:
    """One account's work on one project."""

    merged_all: int = 0
    merged_window: int = 0
    reviews_all: int = 0
    reviews_window: int = 0
    first_merged_at: datetime | None = None
    last_at: datetime | None = None  # latest merged change or review


@dataclass
class ProjectRole:
    id: int
    forge: str
    host: str
    full_name: str
    web_url: str
    maintainers: frozenset[str]
    trusted: set[str] = field(default_factory=set)  # listed in the project's files, approved or promoted


@dataclass
class ProjectRoles:
    projects: dict[int, ProjectRole]
    # (forge, host, login) → projects that login maintains / is trusted on
    maintains: dict[Account, set[int]]
    trusted: dict[Account, set[int]]
    granted: dict[tuple[int, str], datetime] = field(default_factory=dict)  # approvals, promotions: when
    _digest: int | None = None

    def digest(self) -> int:
        """Of every listed project's maintainers and trusted committers, in 31 bits: a crawl that
        changes them (or lists or unlists a project) changes it."""
        if self._digest is None:
            self._digest = self._compute_digest()
        return self._digest

    def _compute_digest(self) -> int:
        canonical = sorted(
            (pid, role.forge, role.host, sorted(role.maintainers), sorted(role.trusted))
            for pid, role in self.projects.items()
        )
        raw = hashlib.blake2b(repr(canonical).encode(), digest_size=4).digest()
        return int.from_bytes(raw, "big") & 0x7FFFFFFF

    @staticmethod
    def load(session: Session) -> ProjectRoles:
        projects: dict[int, ProjectRole] = {}
        maintains: dict[Account, set[int]] = {}
        trusted: dict[Account, set[int]] = {}
        rows = session.execute(
            select(
                Project.id, Project.forge, Project.host, Project.full_name, Project.web_url,
                Project.maintainers, Project.trusted_committers,
            ).where(Project.listed.is_(True))
        )  # fmt: skip
        for pid, forge, host, full_name, web_url, maintainer_names, listed_trusted in rows:
            keys = set(login_keys(maintainer_names))
            role = ProjectRole(pid, forge, host, full_name, web_url, frozenset(keys))
            role.trusted.update(login_keys(listed_trusted))
            projects[pid] = role
            for key in keys:
                maintains.setdefault((forge, host, key), set()).add(pid)
        granted: dict[tuple[int, str], datetime] = {}
        rows = session.execute(
            select(TrustedCommitter.project_id, TrustedCommitter.login_key, TrustedCommitter.created_at)
        )
        for pid, key, at in rows:
            if pid in projects:
                projects[pid].trusted.add(key)
                granted[(pid, key)] = at
        for role in projects.values():
            for key in role.trusted:
                trusted.setdefault((role.forge, role.host, key), set()).add(role.id)
        return ProjectRoles(projects, maintains, trusted, granted)


def tallies(
    session: Session,
    window_start: datetime,
    bot_logins: frozenset[str],
    logins: Iterable[str] | None = None,
    until: tuple[int, Sequence[int]] | None = None,
) -> dict[Account, dict[int, Tally]]:
    """Merged changes and reviews per account and project; `logins` (casefolded) narrows the read to
    those accounts (`me`, an approval), None reads everything; `until` (position, ids) reads only the
    ledger ids up to position and those ids (what the full recompute then records as applied).
    Unlisted projects' rows come too (the caller skips them: a join to `projects` made SQLite's
    planner start from the wrong table, 10x slower for a list of logins)."""
    result: dict[Account, dict[int, Tally]] = {}
    if logins is None:
        _read(session, window_start, bot_logins, None, result, until)
    else:
        wanted = sorted(set(logins))
        for start in range(0, len(wanted), _CHUNK):
            _read(session, window_start, bot_logins, wanted[start : start + _CHUNK], result, until)
    return result


def _read(
    session: Session,
    window_start: datetime,
    bot_logins: frozenset[str],
    logins: Sequence[str] | None,
    into: dict[Account, dict[int, Tally]],
    until: tuple[int, Sequence[int]] | None = None,
) -> None:
    author = func.lower(Contribution.author)
    recent = case((Contribution.occurred_at >= window_start, 1), else_=0)
    merged_at = case((Contribution.kind == MERGED, Contribution.occurred_at), else_=None)
    query = (
        select(
            Contribution.forge, Contribution.host, author, Contribution.project_id, Contribution.kind,
            func.count(), func.sum(recent), func.min(merged_at), func.max(Contribution.occurred_at),
        )
        .where(Contribution.author_is_bot.is_(False), Contribution.kind.in_((MERGED, REVIEW)))
        .group_by(Contribution.forge, Contribution.host, author, Contribution.project_id, Contribution.kind)
    )  # fmt: skip
    if logins is not None:
        query = query.where(author.in_(logins))
    if until is not None:
        position, ids = until
        query = query.where(or_(Contribution.id <= position, Contribution.id.in_(list(ids))))
    for forge, host, login, project_id, kind, count, in_window, first_merged, last in session.execute(query):
        if login in bot_logins:
            continue
        tally = into.setdefault((forge, host, login), {}).setdefault(project_id, Tally())
        if kind == MERGED:
            tally.merged_all, tally.merged_window, tally.first_merged_at = (
                count,
                int(in_window or 0),
                first_merged,
            )
        else:
            tally.reviews_all, tally.reviews_window = count, int(in_window or 0)
        tally.last_at = last if tally.last_at is None or last > tally.last_at else tally.last_at


def identity_owners(session: Session, accounts: Iterable[Account] | None = None) -> dict[Account, int]:
    """Forge account → the person it is tied to (verified or not)."""
    query = select(Identity.forge, Identity.host, Identity.login_key, Identity.person_id)
    if accounts is not None:
        keys = sorted({login for _, _, login in accounts})
        found: dict[Account, int] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = query.where(Identity.login_key.in_(keys[start : start + _CHUNK]))
            found.update({(f, h, k): p for f, h, k, p in session.execute(chunk)})
        return found
    return {(f, h, k): p for f, h, k, p in session.execute(query)}


def accounts_of(session: Session, person_ids: Iterable[int]) -> dict[int, list[Account]]:
    ids = sorted(set(person_ids))
    found: dict[int, list[Account]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Identity.person_id, Identity.forge, Identity.host, Identity.login_key).where(
                Identity.person_id.in_(ids[start : start + _CHUNK])
            )
        )
        for pid, forge, host, key in rows:
            found.setdefault(pid, []).append((forge, host, key))
    return found


# Every listed project's roles, per database, kept between calls: loading them reads 50,000 JSON
# lists (about a second). Reloaded when a cheap fingerprint changes — a crawl touched projects, a
# project was listed or unlisted, a trusted committer was approved or promoted.
_ROLES: dict[str, tuple[tuple[object, ...], ProjectRoles, float]] = {}
_ROLES_LOCK = threading.Lock()
_LOADING = threading.Lock()


def roles_fingerprint(session: Session) -> tuple[object, ...]:
    projects = session.execute(
        select(func.count(Project.id), func.max(Project.last_crawled_at), func.max(Project.id)).where(
            Project.listed.is_(True)
        )
    ).one()
    granted = session.execute(select(func.count(), func.max(TrustedCommitter.created_at))).one()
    return (*projects, *granted)


def cached_roles(session: Session, max_age: float | None = None) -> ProjectRoles:
    """The roles, reloaded when their fingerprint changed; with `max_age` (seconds), the fingerprint
    itself is asked at most that often (answers such as `me` need not ask it every time)."""
    key = str(session.get_bind().engine.url)
    with _ROLES_LOCK:
        hit = _ROLES.get(key)
    if hit is not None and max_age is not None and time.monotonic() - hit[2] < max_age:
        return hit[1]
    fingerprint = roles_fingerprint(session)
    if hit is not None and hit[0] == fingerprint:
        with _ROLES_LOCK:
            _ROLES[key] = (fingerprint, hit[1], time.monotonic())
        return hit[1]
    with _LOADING:  # one load at a time: threads arriving meanwhile take what it loaded
        hit = _ROLES.get(key)
        if hit is not None and hit[0] == fingerprint:
            return hit[1]
        roles = ProjectRoles.load(session)
        with _ROLES_LOCK:
            _ROLES[key] = (fingerprint, roles, time.monotonic())
        return roles
