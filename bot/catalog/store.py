"""Writes what the forges returned into catalog rows, and re-derives score and readiness.

Pure row manipulation inside a session the caller owns; no forge requests happen here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog.readiness import ReadinessFacts, checklist, is_ready, maintainers
from bot.catalog.score import ScoreInputs, activity_score
from bot.catalog.trusted_committers import listed_trusted_committers
from bot.db.models import Contribution, GoodFirstIssue, Project
from bot.db.progression import ChangeRequest
from bot.forges.base import (
    ChangeResponse,
    ChangeSummary,
    Issue,
    MergedChange,
    RepoDetails,
    RepoSummary,
    Review,
    first_response,
    login_keys,
)


def new_project(summary: RepoSummary, namespace: str, now: datetime) -> Project:
    project = Project(
        forge=summary.forge,
        host=summary.host,
        forge_id=summary.forge_id,
        namespace=namespace,
        first_seen_at=now,
        last_crawled_at=now,
        details_complete=False,
        docs={},
        maintainers=[],
        trusted_committers=[],
        weekly_commits=[],
        languages={},
        readme_excerpt="",
        subscribers=0,
    )
    apply_summary(project, summary)
    return project


def apply_summary(project: Project, summary: RepoSummary) -> None:
    """Fields the listing carries; cheap, applied to every listed repository on every crawl."""
    project.full_name = summary.full_name
    project.name = summary.name
    project.web_url = summary.web_url
    project.description = summary.description
    project.topics = list(summary.topics)
    project.visibility = summary.visibility
    project.archived = summary.archived
    project.fork = summary.fork
    project.default_branch = summary.default_branch
    project.primary_language = summary.primary_language
    project.stars = summary.stars
    project.forks = summary.forks
    project.open_issues = summary.open_issues
    project.created_at = summary.created_at
    project.updated_at = summary.updated_at
    project.pushed_at = summary.pushed_at


def apply_details(
    session: Session,
    project: Project,
    details: RepoDetails,
    now: datetime,
    bot_logins: Iterable[str] = (),
) -> None:
    """Everything one detail read produced: files, languages, commits, contributions, change requests.

    `bot_logins`: accounts that are bots without saying so (`Settings.bot_logins`).
    """
    apply_summary(project, details.summary)
    files = details.files
    project.subscribers = details.subscribers
    project.languages = dict(details.languages)
    if details.languages:
        project.primary_language = max(details.languages, key=details.languages.__getitem__)
    project.weekly_commits = list(details.weekly_commits)
    project.innersource = files.innersource
    project.readme_excerpt = files.readme_text or ""
    project.docs = {
        "readme": files.readme_path,
        "contributing": files.contributing_path,
        "license": files.license_path or (True if details.summary.has_license else None),
        "issue_template": files.issue_template,
        "change_template": files.change_template,
        "secret_detection": files.secret_detection or bool(details.summary.secret_scanning),
        "innersource_error": files.innersource_error,
    }
    project.maintainers = maintainers(files.codeowners_text, files.innersource)
    project.trusted_committers = listed_trusted_committers(
        files.innersource, files.trusted_committers_section
    )
    project.change_marker = details.summary.change_marker
    project.details_complete = True
    project.last_crawled_at = now
    bots = login_keys(bot_logins)
    record_contributions(session, project, details.merged_changes, details.reviews, bots)
    record_change_requests(session, project, details.change_requests, bots)


def _issue_row(project: Project, issue: Issue) -> GoodFirstIssue:
    return GoodFirstIssue(
        project=project,
        forge_id=issue.forge_id,
        number=issue.number,
        title=issue.title,
        url=issue.url,
        labels=list(issue.labels),
        state=issue.state,
        assignees=list(issue.assignees),
        author=issue.author,
        created_at=issue.created_at,
        updated_at=issue.updated_at,
    )


def _copy_issue(row: GoodFirstIssue, issue: Issue) -> None:
    row.title, row.url, row.labels = issue.title, issue.url, list(issue.labels)
    row.state, row.assignees, row.updated_at = issue.state, list(issue.assignees), issue.updated_at


def replace_open_issues(project: Project, open_issues: Iterable[Issue]) -> None:
    """The fetched set is the truth about open good-first-issues; rows not in it stop being open."""
    fresh = {issue.number: issue for issue in open_issues}
    existing = {row.number: row for row in project.issues}
    for number, row in existing.items():
        if number in fresh:
            _copy_issue(row, fresh[number])
        elif row.state == "open":
            row.state = "closed"
    for number, issue in fresh.items():
        if number not in existing:
            project.issues.append(_issue_row(project, issue))


def apply_issue_change(project: Project, issue: Issue, labels: Iterable[str]) -> bool:
    """One issue changed since the last crawl (org-wide search). Returns True if a row changed."""
    wanted = {label.lower() for label in labels}
    is_gfi = any(label.lower() in wanted for label in issue.labels)
    row = next((r for r in project.issues if r.number == issue.number), None)
    if row is None:
        if not (is_gfi and issue.state == "open"):
            return False
        project.issues.append(_issue_row(project, issue))
        return True
    _copy_issue(row, issue)
    if not is_gfi and row.state == "open":
        row.state = "unlabelled"
    return True


def record_contributions(
    session: Session,
    project: Project,
    changes: Iterable[MergedChange],
    reviews: Iterable[Review],
    bot_logins: Iterable[str] = (),
) -> int:
    """Append to the ledger, deduplicated by forge id. Returns how many rows were new.

    An account in `bot_logins` (case-insensitive) is recorded as a bot, whatever the forge said.
    """
    prefix = f"{project.forge}:{project.host}"
    bots = login_keys(bot_logins)
    entries: dict[str, tuple[str, str, bool, int, str, str, datetime]] = {}
    for c in changes:
        entries[f"{prefix}:merged_change:{c.forge_id}"] = (
            "merged_change",
            c.author,
            c.author_is_bot or c.author.casefold() in bots,
            c.number,
            c.title,
            c.url,
            c.merged_at,
        )
    for r in reviews:
        entries[f"{prefix}:review:{r.forge_id}"] = (
            "review",
            r.reviewer,
            r.reviewer_is_bot or r.reviewer.casefold() in bots,
            r.change_number,
            "",
            "",
            r.submitted_at,
        )
    if not entries:
        return 0
    known = set(session.scalars(select(Contribution.key).where(Contribution.key.in_(list(entries)))))
    session.flush()  # a project first seen in this crawl needs its id
    fresh = [
        Contribution(
            key=key,
            project_id=project.id,
            forge=project.forge,
            host=project.host,
            kind=kind,
            author=author,
            author_is_bot=is_bot,
            number=number,
            title=title,
            url=url,
            occurred_at=at,
        )
        for key, (kind, author, is_bot, number, title, url, at) in entries.items()
        if key not in known
    ]
    session.add_all(fresh)
    return len(fresh)


def record_change_requests(
    session: Session, project: Project, changes: Iterable[ChangeSummary], bot_logins: Iterable[str] = ()
) -> int:
    """Upsert pull/merge requests by key (`forge:host:change:<forge id>`). Returns how many were new.

    State, title and merge/close times follow the latest news; the first response only ever moves
    earlier (a crawl of a shorter window, or a webhook, may not see the earliest one); an author
    never becomes unknown ("" from a webhook that could not name them).
    """
    bots = login_keys(bot_logins)
    prefix = f"{project.forge}:{project.host}:change"
    fresh = {f"{prefix}:{c.forge_id}": c for c in changes}
    if not fresh:
        return 0
    session.flush()  # a project first seen in this crawl needs its id
    rows = {
        row.key: row
        for row in session.scalars(select(ChangeRequest).where(ChangeRequest.key.in_(list(fresh))))
    }
    added = 0
    for key, change in fresh.items():
        row = rows.get(key)
        if row is None:
            row = ChangeRequest(
                key=key, project_id=project.id, forge=project.forge, host=project.host, author=""
            )
            session.add(row)
            added += 1
        row.number, row.title, row.url = change.number, change.title, change.url or row.url or ""
        if change.author or not row.author:
            row.author = change.author
            row.author_is_bot = change.author_is_bot or change.author.casefold() in bots
        row.state, row.created_at = change.state, change.created_at
        row.merged_at = change.merged_at or (row.merged_at if change.state == "merged" else None)
        row.closed_at = change.closed_at or (row.closed_at if change.state != "open" else None)
        _respond(row, change.responses, bots)
    return added


def record_change_response(
    session: Session, project: Project, number: int, response: ChangeResponse, bot_logins: Iterable[str] = ()
) -> bool:
    """A comment on a known change request (a webhook names the change only by number). Returns
    whether the change is known; an unknown one waits for the crawl, which reads its comments too."""
    row = session.scalars(
        select(ChangeRequest).where(ChangeRequest.project_id == project.id, ChangeRequest.number == number)
    ).first()
    if row is None:
        return False
    _respond(row, (response,), login_keys(bot_logins))
    return True


def _respond(row: ChangeRequest, responses: Iterable[ChangeResponse], bots: frozenset[str]) -> None:
    """Lower `first_response_at` to the earliest response by someone other than the author or a bot;
    `updated_at` is the latest thing known to have happened to the change."""
    earliest = first_response(row.author, responses, bots)
    if earliest is not None and (row.first_response_at is None or earliest < row.first_response_at):
        row.first_response_at = earliest
    known = (row.created_at, row.merged_at, row.closed_at, row.first_response_at)
    row.updated_at = max(t for t in known if t is not None)


def rescore(project: Project, threshold: int, now: datetime) -> bool:
    """Recompute activity score and readiness (both decay with time). True if it became ready."""
    innersource = project.innersource or {}
    raw_motivation = innersource.get("motivation")
    motivation = raw_motivation if isinstance(raw_motivation, str) else ""
    docs = project.docs or {}
    result = activity_score(
        ScoreInputs(
            forks=project.forks,
            stars=project.stars,
            subscribers=project.subscribers,
            open_issues=project.open_issues,
            created_at=project.created_at,
            updated_at=project.updated_at,
            participation=project.weekly_commits or None,
            description=project.description or "",
            motivation=motivation,
            guidelines=docs.get("contributing"),
        ),
        now,
    )
    facts = ReadinessFacts(
        description=project.description or "",
        motivation=motivation,
        topics=tuple(project.topics or ()),
        readme=bool(docs.get("readme")),
        contributing=bool(docs.get("contributing")),
        maintainers=tuple(project.maintainers or ()),
        license=bool(docs.get("license")),
        innersource_json=project.innersource is not None,
        issue_template=bool(docs.get("issue_template")),
        change_template=bool(docs.get("change_template")),
        open_good_first_issues=sum(1 for i in project.issues if i.state == "open" and not i.assignees),
        secret_detection=bool(docs.get("secret_detection")),
        pushed_at=project.pushed_at,
    )
    items = checklist(facts, now)
    project.activity_score = result.score
    project.score_parts = result.parts()
    project.readiness = items
    was_ready = project.ready
    project.ready = is_ready(items, result.score, threshold)
    if project.ready and project.first_ready_at is None:
        project.first_ready_at = now
        return not was_ready
    return False
