"""Milestones: first merged contribution, each level reached, trusted committer — once each, by DM.

A milestone is a row in `milestones` (person, name), written in the transaction that noticed it,
with the DM's outbox row when it is told. One reached through work older than
`milestone_backfill_days` is recorded without a DM, so a fresh install neither floods people about
last year nor forgets last week. Only people in Slack with no refusal on record are told; the
deliverer checks the recipient again before sending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import LevelSettings
from bot.db.models import Contribution
from bot.db.people import Person
from bot.db.progression import CANDIDATE, LEVELS, REGULAR, Milestone
from bot.services.outbox import enqueue
from bot.services.progression_ledger import MERGED, REVIEW, Account, ProjectRoles
from bot.services.progression_levels import FIRST_MERGED, Standing, milestones_of
from bot.services.progression_views import MilestoneNote

KIND = "milestone"
_CHUNK = 500


def _order(name: str) -> tuple[int, str]:
    if name == FIRST_MERGED:
        return 0, name
    if name.startswith("level:"):
        return 1 + LEVELS.index(name.removeprefix("level:")), name
    return 10, name


def existing(session: Session, person_ids: Iterable[int]) -> set[tuple[int, str]]:
    ids = sorted(set(person_ids))
    found: set[tuple[int, str]] = set()
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Milestone.person_id, Milestone.name).where(
                Milestone.person_id.in_(ids[start : start + _CHUNK])
            )
        )
        found.update((pid, name) for pid, name in rows)
    return found


@dataclass(frozen=True)
class Rules:
    """What deciding milestones needs besides the standings: the projects and the level rules."""

    roles: ProjectRoles
    levels: LevelSettings
    bot_logins: frozenset[str]
    backfill_days: int


def record(session: Session, standings: Iterable[Standing], now: datetime, rules: Rules) -> tuple[int, int]:
    """Record what these people newly reached; DM the recent ones. Returns (recorded, DMs queued)."""
    people = [s for s in standings if s.person_id is not None]
    known = existing(session, (s.person_id for s in people if s.person_id is not None))
    cutoff = now - timedelta(days=rules.backfill_days)
    recorded = queued = 0
    new_by_person: dict[int, tuple[Standing, dict[str, datetime | None]]] = {}
    for standing in people:
        pid = standing.person_id
        assert pid is not None
        new = {name: at for name, at in milestones_of(standing).items() if (pid, name) not in known}
        if new:
            new_by_person[pid] = (standing, new)
    if not new_by_person:
        return 0, 0
    counted = [
        s for s, new in new_by_person.values() if {f"level:{REGULAR}", f"level:{CANDIDATE}"} & set(new)
    ]
    if counted:  # when the count was crossed, not the latest contribution: a fresh install stays quiet
        crossings(session, counted, rules, now - timedelta(days=rules.levels.window_days))
        for standing, new in new_by_person.values():
            new.update(
                {n: standing.reached_at(n.removeprefix("level:")) for n in new if n.startswith("level:")}
            )
    names = {pid: role.full_name for pid, role in rules.roles.projects.items()}
    slack = _slack_users(session, new_by_person)
    for pid, (standing, new) in new_by_person.items():
        user = slack.get(pid)
        told = sorted((n for n, at in new.items() if at is not None and at >= cutoff and user), key=_order)
        for name, at in new.items():
            session.add(
                Milestone(person_id=pid, name=name, reached_at=at or now, recorded_at=now, told=name in told)
            )
            recorded += 1
        if told and user is not None:
            projects = tuple(
                names.get(int(n.partition(":")[2]), "") for n in told if n.startswith("trusted:")
            )
            queued += tell(session, pid, user, told, standing.level, projects, now)
    return recorded, queued


def tell(
    session: Session,
    person_id: int,
    slack_user_id: str,
    names: list[str],
    level: str,
    projects: tuple[str, ...],
    now: datetime,
) -> int:
    """Queue the DM for `names` (already recorded); keyed by the highest of them, which is told once."""
    payload: dict[str, Any] = {"names": names, "level": level, "projects": list(projects)}
    key = f"{KIND}:{person_id}:{max(names, key=_order)}"
    return int(
        enqueue(
            session,
            key=key,
            kind=KIND,
            recipient=slack_user_id,
            payload=payload,
            now=now,
            person_id=person_id,
        )
    )


def crossings(session: Session, standings: list[Standing], rules: Rules, window_start: datetime) -> None:
    """Fill each standing's `crossed` for Regular and Candidate: counting the window's contributions
    oldest first, the one that made the threshold (the 5th merged for Regular; for Candidate, the
    later of the 10th merged and the 5th review on the project, earliest over their candidacies)."""
    levels, roles = rules.levels, rules.roles
    times: dict[Account, dict[tuple[int, str], list[datetime]]] = {}
    logins = sorted({account[2] for s in standings for account in s.accounts})
    author = func.lower(Contribution.author)
    for start in range(0, len(logins), _CHUNK):
        rows = session.execute(
            select(Contribution.forge, Contribution.host, author, Contribution.project_id, Contribution.kind,
                   Contribution.occurred_at)
            .where(author.in_(logins[start : start + _CHUNK]), Contribution.occurred_at >= window_start,
                   Contribution.author_is_bot.is_(False), Contribution.kind.in_((MERGED, REVIEW)))
        )  # fmt: skip
        for forge, host, login, project_id, kind, at in rows:
            if login not in rules.bot_logins and project_id in roles.projects:
                times.setdefault((forge, host, login), {}).setdefault((project_id, kind), []).append(at)
    for standing in standings:
        outside = sorted(
            at
            for account in standing.accounts
            for (project_id, kind), found in times.get(account, {}).items()
            if kind == MERGED and project_id not in roles.maintains.get(account, ())
            for at in found
        )
        if REGULAR in standing.satisfied and len(outside) >= levels.regular_merged:
            standing.crossed[REGULAR] = outside[levels.regular_merged - 1]
        crossed = [
            _nth_both(
                sorted(times.get(c.account, {}).get((c.project_id, MERGED), [])),
                sorted(times.get(c.account, {}).get((c.project_id, REVIEW), [])),
                levels,
            )
            for c in standing.candidacies
        ]
        found_at = [at for at in crossed if at is not None]
        if found_at:
            standing.crossed[CANDIDATE] = min(found_at)


def _nth_both(merged: list[datetime], reviews: list[datetime], levels: LevelSettings) -> datetime | None:
    if len(merged) < levels.candidate_merged or len(reviews) < levels.candidate_reviews:
        return None
    at = merged[levels.candidate_merged - 1]
    return max(at, reviews[levels.candidate_reviews - 1]) if levels.candidate_reviews else at


def _slack_users(session: Session, people: Mapping[int, object]) -> dict[int, str]:
    """Person → Slack user id, for people the bot may DM (no refusal on record)."""
    ids = sorted(people)
    found: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Person.id, Person.slack_user_id).where(
                Person.id.in_(ids[start : start + _CHUNK]), Person.slack_refusal.is_(None)
            )
        )
        found.update({pid: user for pid, user in rows})
    return found


def milestone_note(session: Session, payload: Mapping[str, Any]) -> MilestoneNote | str:
    """What a queued milestone DM says (the deliverer's composer); a str is a reason to drop it."""
    names = tuple(str(n) for n in payload.get("names") or ())
    if not names:
        return "no milestones in the payload"
    return MilestoneNote(
        names=names,
        level=str(payload.get("level") or LEVELS[0]),
        projects=tuple(str(p) for p in payload.get("projects") or ()),
        suggestions=(),
    )
