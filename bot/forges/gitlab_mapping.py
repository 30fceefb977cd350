"""Pure mapping from GitLab REST v4 JSON (as dicts) to the forge-neutral dataclasses of base.py.

Kept apart from the client code in gitlab.py so the rules (what counts as a fork, how weeks are
bucketed, which user is a bot) read in one place and need no HTTP to test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.forges import base
from bot.forges.base import (
    ChangeResponse,
    ChangeSummary,
    Issue,
    MergedChange,
    RepoSummary,
    Review,
    is_bot_login,
)

WEEKS = base.PARTICIPATION_WEEKS  # the score reads the last 13, the portal export all 52
WEEK = base.WEEK


def parse_time(value: Any) -> datetime:
    """GitLab timestamps ("2026-10-31T12:00:00.000Z", or with an offset) as aware UTC datetimes."""
    parsed = datetime.fromisoformat(str(value))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def username(user: Mapping[str, Any] | None) -> str:
    return str(user.get("username") or "") if user else ""


def user_is_bot(user: Mapping[str, Any] | None) -> bool:
    """GitLab has no account type on UserBasic: go by the bot naming rules, or `bot` when sent."""
    return bool(user and (user.get("bot") is True or is_bot_login(username(user))))


def summary(project: Mapping[str, Any], host: str) -> RepoSummary:
    last_activity = parse_time(project.get("last_activity_at") or project["created_at"])
    namespace = project.get("namespace") or {}
    full_name = str(project["path_with_namespace"])
    topics = project.get("topics")
    if topics is None:  # servers before GitLab 14.5 only send the deprecated tag_list
        topics = project.get("tag_list") or []
    return RepoSummary(
        forge="gitlab",
        host=host,
        forge_id=str(project["id"]),
        full_name=full_name,
        name=str(project.get("name") or project.get("path") or ""),
        namespace=str(namespace.get("full_path") or full_name.rpartition("/")[0]),
        web_url=str(project.get("web_url") or ""),
        description=str(project.get("description") or ""),
        topics=tuple(str(t) for t in topics),
        visibility=str(project.get("visibility") or "private"),
        archived=bool(project.get("archived")),
        fork=bool(project.get("forked_from_project")),
        empty=bool(project.get("empty_repo")),
        default_branch=project.get("default_branch") or None,
        primary_language=None,  # GitLab lists carry no language; fetch_details reads them
        stars=int(project.get("star_count") or 0),
        forks=int(project.get("forks_count") or 0),
        open_issues=int(project.get("open_issues_count") or 0),
        created_at=parse_time(project["created_at"]),
        # GitLab lists have one activity timestamp; it stands for both change markers.
        updated_at=last_activity,
        pushed_at=last_activity,
        has_license=None,
    )


def issue(item: Mapping[str, Any], repo_full_name: str | None = None) -> Issue:
    """`repo_full_name` when known; otherwise from references.full ("group/sub/proj#12")."""
    if repo_full_name is None:
        full = str((item.get("references") or {}).get("full") or "")
        repo_full_name = full.rpartition("#")[0] or _repo_from_web_url(str(item.get("web_url") or ""))
    return Issue(
        forge_id=str(item["id"]),
        repo_forge_id=str(item["project_id"]),
        repo_full_name=repo_full_name,
        number=int(item["iid"]),
        title=str(item.get("title") or ""),
        url=str(item.get("web_url") or ""),
        labels=tuple(_label_name(label) for label in item.get("labels") or ()),
        state="open" if item.get("state") == "opened" else "closed",
        assignees=tuple(username(a) for a in item.get("assignees") or ()),
        author=username(item.get("author")),
        created_at=parse_time(item["created_at"]),
        updated_at=parse_time(item["updated_at"]),
    )


def _label_name(label: Any) -> str:
    """Labels are strings, or objects when the request asked for `with_labels_details`."""
    return str(label.get("name")) if isinstance(label, Mapping) else str(label)


def _repo_from_web_url(url: str) -> str:
    path = url.split("://", 1)[-1].partition("/")[2]
    return path.partition("/-/")[0]


def has_label(item: Issue, wanted: set[str]) -> bool:
    """`wanted` holds case-folded label names."""
    return any(label.casefold() in wanted for label in item.labels)


def merged_change(mr: Mapping[str, Any], repo_forge_id: str) -> MergedChange:
    return MergedChange(
        forge_id=str(mr["id"]),
        repo_forge_id=repo_forge_id,
        number=int(mr["iid"]),
        title=str(mr.get("title") or ""),
        url=str(mr.get("web_url") or ""),
        author=username(mr.get("author")),
        author_is_bot=user_is_bot(mr.get("author")),
        created_at=parse_time(mr["created_at"]),
        merged_at=parse_time(mr["merged_at"]),
    )


_STATES = {"opened": "open", "merged": "merged", "closed": "closed", "locked": "closed"}


def change_request(mr: Mapping[str, Any], repo_forge_id: str) -> ChangeSummary:
    """A merge request in any state; `locked` (a transient state while merging) counts as closed."""
    state = _STATES.get(str(mr.get("state")), "open")
    merged_at = parse_time(mr["merged_at"]) if mr.get("merged_at") else None
    closed_at = parse_time(mr["closed_at"]) if mr.get("closed_at") else None
    return ChangeSummary(
        forge_id=str(mr["id"]),
        repo_forge_id=repo_forge_id,
        number=int(mr["iid"]),
        title=str(mr.get("title") or ""),
        url=str(mr.get("web_url") or ""),
        author=username(mr.get("author")),
        author_is_bot=user_is_bot(mr.get("author")),
        state=state,
        created_at=parse_time(mr["created_at"]),
        merged_at=merged_at if state == "merged" else None,
        closed_at=(closed_at or merged_at or parse_time(mr["updated_at"])) if state != "open" else None,
    )


def approval_responses(payload: Mapping[str, Any]) -> list[ChangeResponse]:
    """Approvals as responses; only when GitLab says when (`approved_at`, GitLab 17+)."""
    return [
        ChangeResponse(
            username(entry.get("user")), user_is_bot(entry.get("user")), parse_time(entry["approved_at"])
        )
        for entry in payload.get("approved_by") or ()
        if entry.get("approved_at")
    ]


def note_response(note: Mapping[str, Any]) -> ChangeResponse | None:
    """A comment on a merge request; system notes ("added 1 commit") are no one's response."""
    if note.get("system"):
        return None
    author = note.get("author")
    return ChangeResponse(username(author), user_is_bot(author), parse_time(note["created_at"]))


def approvals(payload: Mapping[str, Any], change: MergedChange) -> list[Review]:
    """Approvals as reviews. GitLab gives approvals no id: (MR id, user) identifies one."""
    reviews = []
    for entry in payload.get("approved_by") or ():
        user = entry.get("user") or {}
        approved_at = entry.get("approved_at")  # GitLab 17+; older servers: use the merge time
        reviews.append(
            Review(
                forge_id=f"{change.forge_id}:{user.get('id', username(user))}",
                repo_forge_id=change.repo_forge_id,
                change_number=change.number,
                reviewer=username(user),
                reviewer_is_bot=user_is_bot(user),
                state="APPROVED",
                submitted_at=parse_time(approved_at) if approved_at else change.merged_at,
            )
        )
    return reviews


def weekly_counts(commit_times: Iterable[datetime], now: datetime) -> tuple[int, ...]:
    """Counts per week for the WEEKS weeks ending `now`, oldest first (last = the 7 days up to now)."""
    return base.weekly_counts(commit_times, now, WEEKS)
