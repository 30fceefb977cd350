"""Reading a maintainer digest's sections, each once for all the projects of the maintainers due, and
re-reading its nominations when a message is composed.

Each section reuses its one home: waiting contributions (bot/services/waiting.py), time to first
response (bot/services/metrics.py), new contributors (metrics' definition, bot/services/metrics_load.py,
over the last 7 days), good-first-issues, nominations and the readiness checklist as the catalog keeps
them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.catalog.readiness import CHECKLIST
from bot.db.models import Contribution, GoodFirstIssue
from bot.db.people import Identity, Person
from bot.db.progression import NOMINATION_PENDING, Nomination
from bot.services.digests_content import (
    NEW_CONTRIBUTOR_DAYS,
    DigestPart,
    NewContributor,
    PendingNomination,
    ProjectDigest,
    ProjectRow,
    StaleIssue,
)
from bot.services.metrics import ProjectMetrics, all_project_metrics, project_metrics
from bot.services.metrics_load import MERGED_CHANGE, load
from bot.services.waiting import waiting_changes

MAX_WAITING = 25  # per project, oldest first; the heading gives the total
MAX_NEW = 15
MAX_STALE = 15
# Below this many projects, metrics are read per project; above, once for the whole catalog.
_PER_PROJECT_METRICS = 40
_CHUNK = 500


def project_digests(
    session: Session,
    projects: Mapping[int, ProjectRow],
    now: datetime,
    *,
    metrics_days: int,
    stale_days: int,
    bot_logins: frozenset[str],
) -> dict[int, ProjectDigest]:
    """Every section of these projects, each read once however many maintainers share a project."""
    ids = sorted(projects)
    waiting = waiting_changes(session, now, bot_logins, ids)
    metrics = _metrics(session, ids, now, metrics_days, bot_logins)
    new = _new_contributors(session, projects, now, bot_logins)
    stale = _stale_issues(session, ids, now - timedelta(days=stale_days))
    nominations = _pending_nominations(session, ids)
    digests: dict[int, ProjectDigest] = {}
    for pid in ids:
        row = projects[pid]
        waits, stales = waiting.get(pid, []), stale.get(pid, [])
        digests[pid] = ProjectDigest(
            project_id=pid, full_name=row.full_name, web_url=row.web_url, forge=row.forge,
            metrics=metrics.get(pid), waiting=tuple(waits[:MAX_WAITING]), waiting_total=len(waits),
            new_contributors=tuple(new.get(pid, [])[:MAX_NEW]), stale_issues=tuple(stales[:MAX_STALE]),
            stale_total=len(stales), nominations=tuple(nominations.get(pid, [])),
            missing=tuple(key for key, _ in CHECKLIST if row.readiness.get(key) is False),
        )  # fmt: skip
    return digests


def _metrics(
    session: Session, ids: list[int], now: datetime, days: int, bots: frozenset[str]
) -> dict[int, ProjectMetrics]:
    if len(ids) <= _PER_PROJECT_METRICS:
        return {pid: project_metrics(session, pid, now, days, bots) for pid in ids}
    wanted = set(ids)
    return {pid: m for pid, m in all_project_metrics(session, now, days, bots).items() if pid in wanted}


def _new_contributors(
    session: Session, projects: Mapping[int, ProjectRow], now: datetime, bots: frozenset[str]
) -> dict[int, list[NewContributor]]:
    """Metrics' new contributors (non-bot, non-maintainer, first merged contribution to the project)
    whose first merge landed in the last `NEW_CONTRIBUTOR_DAYS`, with that change and a Slack mention."""
    since = now - timedelta(days=NEW_CONTRIBUTOR_DAYS)
    ids = sorted(projects)
    loaded = (
        [load(session, now, NEW_CONTRIBUTOR_DAYS, pid, bots) for pid in ids]
        if len(ids) <= _PER_PROJECT_METRICS
        else [load(session, now, NEW_CONTRIBUTOR_DAYS, None, bots)]
    )
    firsts: dict[tuple[int, str], datetime] = {}
    for data in loaded:
        for first in data.first_merges:
            project = data.projects.get(first.project_id)
            if project is None or first.project_id not in projects or first.first_at <= since:
                continue
            if first.author[2] not in project.maintainers:
                firsts[(first.project_id, first.author[2])] = first.first_at
    if not firsts:
        return {}
    changes: dict[tuple[int, str], tuple[str, int, str, str]] = {}
    wanted = sorted({pid for pid, _ in firsts})
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(Contribution.project_id, Contribution.author, Contribution.number, Contribution.title,
                   Contribution.url, Contribution.occurred_at)
            .where(Contribution.project_id.in_(wanted[start : start + _CHUNK]),
                   Contribution.kind == MERGED_CHANGE, Contribution.occurred_at > since)
            .order_by(Contribution.occurred_at, Contribution.id)
        )  # fmt: skip
        for pid, author, number, title, url, at in rows:
            key = (pid, author.casefold())
            if firsts.get(key) == at and key not in changes:
                changes[key] = (author, number, title or "", url or "")
    people = _verified_people(session, projects, {login for _, login in firsts})
    found: dict[int, list[NewContributor]] = {}
    for (pid, login), at in sorted(firsts.items(), key=lambda item: (item[1], item[0])):
        spelled, number, title, url = changes.get((pid, login), (login, 0, "", ""))
        account = (projects[pid].forge, projects[pid].host, login)
        found.setdefault(pid, []).append(NewContributor(spelled, people.get(account), at, number, title, url))
    return found


def _verified_people(
    session: Session, projects: Mapping[int, ProjectRow], logins: Collection[str]
) -> dict[tuple[str, str, str], str]:
    """(forge, host, login key) → Slack user id, for accounts tied to a person by e-mail."""
    keys = sorted(logins)
    found: dict[tuple[str, str, str], str] = {}
    for start in range(0, len(keys), _CHUNK):
        rows = session.execute(
            select(Identity.forge, Identity.host, Identity.login_key, Person.slack_user_id)
            .join(Person, Person.id == Identity.person_id)
            .where(Identity.login_key.in_(keys[start : start + _CHUNK]), Identity.verified.is_(True))
        )
        for forge, host, key, slack_user_id in rows:
            found[(forge, host, key)] = slack_user_id
    return found


def _stale_issues(session: Session, ids: list[int], before: datetime) -> dict[int, list[StaleIssue]]:
    found: dict[int, list[StaleIssue]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(GoodFirstIssue.project_id, GoodFirstIssue.number, GoodFirstIssue.title,
                   GoodFirstIssue.url, GoodFirstIssue.updated_at, GoodFirstIssue.assignees)
            .where(GoodFirstIssue.project_id.in_(ids[start : start + _CHUNK]),
                   GoodFirstIssue.state == "open", GoodFirstIssue.updated_at < before)
            .order_by(GoodFirstIssue.updated_at, GoodFirstIssue.id)
        )  # fmt: skip
        for pid, number, title, url, updated_at, assignees in rows:
            found.setdefault(pid, []).append(StaleIssue(number, title, url, updated_at, bool(assignees)))
    return found


def _pending_nominations(session: Session, ids: list[int]) -> dict[int, list[PendingNomination]]:
    found: dict[int, list[PendingNomination]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Nomination.id, Nomination.project_id, Nomination.login, Nomination.person_id,
                   Person.slack_user_id, Nomination.created_at)
            .outerjoin(Person, Person.id == Nomination.person_id)
            .where(Nomination.project_id.in_(ids[start : start + _CHUNK]),
                   Nomination.status == NOMINATION_PENDING)
            .order_by(Nomination.created_at, Nomination.id)
        )  # fmt: skip
        for nomination_id, pid, login, person_id, slack_user_id, created_at in rows:
            found.setdefault(pid, []).append(
                PendingNomination(nomination_id, login, person_id, slack_user_id, created_at)
            )
    return found


def live_nominations(session: Session, part: DigestPart) -> DigestPart:
    """The part with each nomination's status as it is now (decided since the digest was written?)."""
    ids = sorted({n.nomination_id for p in part.projects for n in p.nominations})
    if not ids:
        return part
    decider = aliased(Person)
    current = {
        nid: (status, slack_user_id)
        for nid, status, slack_user_id in session.execute(
            select(Nomination.id, Nomination.status, decider.slack_user_id)
            .outerjoin(decider, decider.id == Nomination.decided_by)
            .where(Nomination.id.in_(ids))
        )
    }
    projects = tuple(
        replace(
            p,
            nominations=tuple(
                replace(n, status=current[n.nomination_id][0], decided_by=current[n.nomination_id][1])
                if n.nomination_id in current
                else replace(n, status="gone")
                for n in p.nominations
            ),
        )
        for p in part.projects
    )
    return replace(part, projects=projects)
