"""Deciding a contributor's level from their tallies: pure functions, no database.

SPEC "Contributor progression", with the thresholds of `levels.*`:
- *Newcomer*: known to the bot, nothing merged outside their own projects.
- *Contributor*: ≥ contributor_merged merged, all time, in projects they do not maintain.
- *Regular*: ≥ regular_merged merged within window_days, in projects they do not maintain.
- *Trusted-committer candidate*: on one project they do not maintain and are not trusted on,
  ≥ candidate_merged merged and ≥ candidate_reviews reviews within window_days.
- *Trusted committer*: on a project whose maintainers approved them, an admin promoted them, or
  whose own files list them.
The overall level is the highest reached; a contributor with several forge accounts (one person)
is judged on all of them together, per project on the account that project's forge knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import LevelSettings
from bot.db.progression import CANDIDATE, CONTRIBUTOR, LEVELS, NEWCOMER, REGULAR, TRUSTED
from bot.services.progression_ledger import Account, ProjectRoles, Tally

FIRST_MERGED = "first-merged"


def rank(level: str) -> int:
    return LEVELS.index(level)


def person_key(person_id: int) -> str:
    return f"p:{person_id}"


def account_key(account: Account) -> str:
    return "a:" + ":".join(account)


@dataclass(frozen=True)
class Candidacy:
    project_id: int
    account: Account
    merged_window: int
    reviews_window: int
    last_at: datetime | None


@dataclass
class Standing:
    """Where one contributor stands, and when each step was reached (for milestones)."""

    contributor: str
    person_id: int | None
    level: str = NEWCOMER
    merged_outside: int = 0
    merged_window: int = 0
    reviews_window: int = 0
    first_merged_at: datetime | None = None  # any project, their own included
    first_outside_at: datetime | None = None
    last_outside_at: datetime | None = None  # latest merged change outside, within the window
    candidacies: list[Candidacy] = field(default_factory=list)
    trusted_on: set[int] = field(default_factory=set)
    trusted_at: dict[int, datetime | None] = field(default_factory=dict)  # None: listed by the project
    accounts: list[Account] = field(default_factory=list)
    satisfied: set[str] = field(default_factory=set)  # levels whose own rule holds (not inferred by rank)
    # When a window-counted level was crossed: the contribution that made the count (milestones.py
    # reads the ledger for it, only for people with a new milestone).
    crossed: dict[str, datetime] = field(default_factory=dict)

    def reached_at(self, level: str) -> datetime | None:
        """When `level` was reached, as far as the ledger tells (the contribution that reached it)."""
        if level in self.crossed:
            return self.crossed[level]
        if level == CONTRIBUTOR:
            return self.first_outside_at
        if level == REGULAR:
            return self.last_outside_at
        if level == CANDIDATE:
            times = [c.last_at for c in self.candidacies if c.last_at is not None]
            return max(times) if times else self.last_outside_at
        if level == TRUSTED:
            granted = [at for at in self.trusted_at.values() if at is not None]
            return max(granted) if granted else None
        return None


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b < a) else a


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a


def evaluate(
    contributor: str,
    person_id: int | None,
    accounts: Sequence[Account],
    work: Mapping[Account, Mapping[int, Tally]],
    roles: ProjectRoles,
    levels: LevelSettings,
) -> Standing:
    standing = Standing(contributor, person_id, accounts=list(accounts))
    for account in accounts:
        maintained = roles.maintains.get(account, set())
        # A project that lists its maintainers as trusted committers too does not make them one.
        trusted = roles.trusted.get(account, set()) - maintained
        standing.trusted_on |= trusted
        for project_id in trusted:
            standing.trusted_at[project_id] = _latest(
                standing.trusted_at.get(project_id), roles.granted.get((project_id, account[2]))
            )
        for project_id, tally in work.get(account, {}).items():
            if project_id not in roles.projects:
                continue  # unlisted: its work no longer counts
            standing.first_merged_at = _earliest(standing.first_merged_at, tally.first_merged_at)
            if project_id in maintained:
                continue  # a maintainer's own project does not make them a contributor
            standing.merged_outside += tally.merged_all
            standing.merged_window += tally.merged_window
            standing.reviews_window += tally.reviews_window
            standing.first_outside_at = _earliest(standing.first_outside_at, tally.first_merged_at)
            if tally.merged_window:
                standing.last_outside_at = _latest(standing.last_outside_at, tally.last_at)
            if (
                project_id not in trusted
                and tally.merged_window >= levels.candidate_merged
                and tally.reviews_window >= levels.candidate_reviews
            ):
                standing.candidacies.append(
                    Candidacy(project_id, account, tally.merged_window, tally.reviews_window, tally.last_at)
                )
    standing.level = _level(standing, levels)
    standing.satisfied = {
        level
        for level, holds in (
            (CONTRIBUTOR, standing.merged_outside >= levels.contributor_merged),
            (REGULAR, standing.merged_window >= levels.regular_merged),
            (CANDIDATE, bool(standing.candidacies)),
            (TRUSTED, bool(standing.trusted_on)),
        )
        if holds
    }
    return standing


def _level(standing: Standing, levels: LevelSettings) -> str:
    if standing.trusted_on:
        return TRUSTED
    if standing.candidacies:
        return CANDIDATE
    if standing.merged_outside >= levels.contributor_merged:
        return REGULAR if standing.merged_window >= levels.regular_merged else CONTRIBUTOR
    return NEWCOMER


def milestones_of(standing: Standing) -> dict[str, datetime | None]:
    """Milestone name → when it was reached (None: unknown — a trusted committer listed by the project
    itself, recorded without a DM). Only levels whose own rule holds: a trusted committer listed by
    a project was never a candidate, and is a regular only with the merged work of one."""
    reached: dict[str, datetime | None] = {}
    if standing.first_merged_at is not None:
        reached[FIRST_MERGED] = standing.first_merged_at
    for level in LEVELS[1:]:
        if level in standing.satisfied:
            reached[f"level:{level}"] = standing.reached_at(level)
    for project_id in sorted(standing.trusted_on):
        reached[f"trusted:{project_id}"] = standing.trusted_at.get(project_id)
    return reached
