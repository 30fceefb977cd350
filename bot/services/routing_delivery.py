"""What a good-first-issue DM or digest shows, re-checked at send time (for bot/slack/issue_blocks.py).

Between routing and sending an issue may be closed, assigned, claimed or unlabelled, its project may
stop being listed, the person may mute the project or turn deliveries off: such an item is not sent.
A digest drops only its stale items (their rows become dropped) and is dropped itself when none remain.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import GoodFirstIssue, Project
from bot.db.operations import DROPPED, OutboxEntry
from bot.db.people import IssueClaim, Person, ProjectMute, Subscription
from bot.services.routing_issues import IssueView, view_of


@dataclass(frozen=True)
class DigestView:
    date: str  # the person's local date, ISO
    part: int
    parts: int
    items: tuple[IssueView, ...]  # grouped by project


def stale_reason(session: Session, issue: GoodFirstIssue | None, project: Project | None) -> str | None:
    """Why an issue must not be offered any more, or None while it still may be."""
    if issue is None or project is None:
        return "issue gone"
    if not project.listed:
        return "project not listed"
    if issue.state == "closed":
        return "issue closed"
    if issue.state != "open":
        return "no longer labelled"
    if issue.assignees:
        return "issue assigned"
    if session.scalar(select(IssueClaim.id).where(IssueClaim.issue_id == issue.id)) is not None:
        return "issue claimed"
    return None


def _unwanted(session: Session, person_id: int | None, project_id: int) -> str | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    if person is None:
        return "person gone"
    if person.cadence == "off":
        return "deliveries off"
    muted = session.get(ProjectMute, (person_id, project_id)) is not None
    explicit = session.scalar(
        select(Subscription.id).where(
            Subscription.person_id == person_id,
            Subscription.kind == "project",
            Subscription.value == str(project_id),
        )
    )
    return "project muted" if muted and explicit is None else None


def gfi_delivery(session: Session, entry: OutboxEntry) -> IssueView | str:
    """The issue a `gfi` row (or a digest's item) offers, or why it must be dropped."""
    payload = entry.payload or {}
    issue = session.get(GoodFirstIssue, int(payload.get("issue") or 0))
    project = session.get(Project, issue.project_id) if issue is not None else None
    reason = stale_reason(session, issue, project)
    if reason is None and issue is not None:
        reason = _unwanted(session, entry.person_id, issue.project_id)
    if reason is not None or issue is None or project is None:
        return reason or "issue gone"
    return view_of(issue, project, str(payload.get("why") or ""))


def digest_delivery(session: Session, entry: OutboxEntry) -> DigestView | str:
    """A digest's live items (stale ones are marked dropped here), or why the digest must be dropped."""
    items = session.scalars(
        select(OutboxEntry).where(OutboxEntry.bundle_id == entry.id).order_by(OutboxEntry.id)
    ).all()
    live: list[IssueView] = []
    for item in items:
        checked = gfi_delivery(session, item)
        if isinstance(checked, str):
            item.status, item.last_error = DROPPED, checked
        else:
            live.append(checked)
    if not live:
        return "no items left"
    live.sort(key=lambda view: (view.project_name.casefold(), view.project_id, view.number))
    payload = entry.payload or {}
    return DigestView(
        date=str(payload.get("date") or ""),
        part=int(payload.get("part") or 1),
        parts=int(payload.get("parts") or 1),
        items=tuple(live),
    )
