"""GitHub REST JSON → the plain dataclasses of `base.py`. Pure functions, no IO, no PyGithub.

`github.py` fetches through PyGithub's requester and hands the decoded JSON here, so the mapping
rules (visibility from `visibility` not `private`, `size == 0` means empty, PRs inside issue lists)
live in one place and can be read without any HTTP in mind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bot.forges.base import (
    ChangeResponse,
    ChangeSummary,
    Issue,
    MergedChange,
    RepoSummary,
    Review,
    is_bot_login,
)

JSON = Mapping[str, Any]
CACHE_VERSION = 1  # bump when RepoSummary changes shape: older cached pages are then ignored

_REPO_URL = re.compile(r"/repos/(?P<full_name>[^/]+/[^/]+)/?$")
_ISSUE_NUMBER = re.compile(r"/(?:issues|pull)/(?P<number>\d+)(?:[/#?]|$)")


def parse_time(value: object) -> datetime | None:
    """GitHub timestamps ("2026-10-01T12:00:00Z"), always timezone-aware UTC."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _time(data: JSON, key: str, fallback: datetime | None = None) -> datetime:
    moment = parse_time(data.get(key)) or fallback
    if moment is None:
        raise ValueError(f"GitHub answer lacks {key!r}")
    return moment


def login_of(user: object) -> tuple[str, str | None]:
    """(login, account type) of a `simple-user`; deleted accounts come back as null → "ghost"."""
    if isinstance(user, Mapping):
        return str(user.get("login") or "ghost"), user.get("type")
    return "ghost", None


def repo_summary(data: JSON, *, host: str) -> RepoSummary:
    created = _time(data, "created_at")
    updated = _time(data, "updated_at", created)
    license_ = data.get("license")
    full_name = str(data["full_name"])
    return RepoSummary(
        forge="github",
        host=host,
        forge_id=str(data["id"]),
        full_name=full_name,
        name=str(data["name"]),
        namespace=full_name.split("/", 1)[0],
        web_url=str(data.get("html_url") or ""),
        description=str(data.get("description") or ""),
        topics=tuple(str(t) for t in data.get("topics") or ()),
        # `private` is true for internal repositories too; only `visibility` tells them apart.
        visibility=str(data.get("visibility") or ("private" if data.get("private") else "public")),
        archived=bool(data.get("archived")),
        fork=bool(data.get("fork")),
        empty=data.get("size") == 0,
        default_branch=data.get("default_branch") or None,
        primary_language=data.get("language") or None,
        stars=int(data.get("stargazers_count") or 0),
        forks=int(data.get("forks_count") or 0),
        open_issues=int(data.get("open_issues_count") or 0),
        created_at=created,
        updated_at=updated,
        pushed_at=_time(data, "pushed_at", created),  # null for repositories never pushed to
        has_license=None if "license" not in data else isinstance(license_, Mapping),
        secret_scanning=secret_scanning(data),
    )


def secret_scanning(repo: JSON) -> bool | None:
    """GitHub shows `security_and_analysis` only to those allowed to see it: else None (unknown)."""
    analysis = repo.get("security_and_analysis")
    scanning = analysis.get("secret_scanning") if isinstance(analysis, Mapping) else None
    return scanning.get("status") == "enabled" if isinstance(scanning, Mapping) else None


def issue(data: JSON, *, repo_forge_id: str, repo_full_name: str) -> Issue:
    return Issue(
        forge_id=str(data["id"]),
        repo_forge_id=repo_forge_id,
        repo_full_name=repo_full_name,
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        url=str(data.get("html_url") or ""),
        labels=tuple(label_names(data)),
        state=str(data.get("state") or "open"),
        assignees=tuple(login_of(user)[0] for user in data.get("assignees") or ()),
        author=login_of(data.get("user"))[0],
        created_at=_time(data, "created_at"),
        updated_at=_time(data, "updated_at"),
    )


def label_names(data: JSON) -> list[str]:
    """Issue labels are objects in answers, though the schema also allows plain strings."""
    names = []
    for label in data.get("labels") or ():
        name = label.get("name") if isinstance(label, Mapping) else label
        if isinstance(name, str):
            names.append(name)
    return names


def is_pull_request(data: JSON) -> bool:
    """GitHub's issue lists and issue search include pull requests, marked by `pull_request`."""
    return data.get("pull_request") is not None


def repo_full_name_of(repository_url: str) -> str:
    """owner/name from an issue's `repository_url` (search results carry no repository id)."""
    match = _REPO_URL.search(repository_url)
    return match["full_name"] if match else ""


def merged_change(data: JSON, *, repo_forge_id: str) -> MergedChange | None:
    merged_at = parse_time(data.get("merged_at"))
    if merged_at is None:
        return None  # closed without merging
    login, kind = login_of(data.get("user"))
    return MergedChange(
        forge_id=str(data["id"]),
        repo_forge_id=repo_forge_id,
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        url=str(data.get("html_url") or ""),
        author=login,
        author_is_bot=is_bot_login(login, kind),
        created_at=_time(data, "created_at"),
        merged_at=merged_at,
    )


def review(data: JSON, *, repo_forge_id: str, change_number: int) -> Review | None:
    submitted = parse_time(data.get("submitted_at"))
    if data.get("state") == "PENDING" or submitted is None:
        return None  # a draft review nobody else can see yet
    login, kind = login_of(data.get("user"))
    return Review(
        forge_id=str(data["id"]),
        repo_forge_id=repo_forge_id,
        change_number=change_number,
        reviewer=login,
        reviewer_is_bot=is_bot_login(login, kind),
        state=str(data.get("state")),
        submitted_at=submitted,
    )


def change_summary(
    data: JSON, *, repo_forge_id: str, responses: Sequence[ChangeResponse] = ()
) -> ChangeSummary:
    """A pull request (`pull-request-simple`, or a webhook's `pull_request`) in any state."""
    login, kind = login_of(data.get("user"))
    merged_at = parse_time(data.get("merged_at"))
    closed_at = parse_time(data.get("closed_at"))
    state = "merged" if merged_at else "closed" if data.get("state") == "closed" else "open"
    return ChangeSummary(
        forge_id=str(data["id"]),
        repo_forge_id=repo_forge_id,
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        url=str(data.get("html_url") or ""),
        author=login,
        author_is_bot=is_bot_login(login, kind),
        state=state,
        created_at=_time(data, "created_at"),
        merged_at=merged_at,
        closed_at=closed_at or merged_at if state != "open" else None,
        responses=tuple(responses),
    )


def review_response(review: Review) -> ChangeResponse:
    return ChangeResponse(review.reviewer, review.reviewer_is_bot, review.submitted_at)


def comment_response(data: JSON) -> tuple[int, ChangeResponse] | None:
    """(issue or pull request number, response) of an `issue-comment`; None if it names neither."""
    match = _ISSUE_NUMBER.search(str(data.get("issue_url") or "")) or _ISSUE_NUMBER.search(
        str(data.get("html_url") or "")
    )
    created = parse_time(data.get("created_at"))
    if match is None or created is None:
        return None
    login, kind = login_of(data.get("user"))
    return int(match["number"]), ChangeResponse(login, is_bot_login(login, kind), created)


def weekly_commits(data: object) -> tuple[int, ...]:
    """`participation-stats.all`: 52 weekly commit counts, oldest first."""
    weeks = data.get("all") if isinstance(data, Mapping) else None
    return tuple(int(n) for n in weeks) if isinstance(weeks, Sequence) else ()


# -- the conditional-listing cache payload ---------------------------------------------------------
def summary_to_cache(summary: RepoSummary) -> dict[str, Any]:
    data = asdict(summary)
    for key in ("created_at", "updated_at", "pushed_at"):
        data[key] = data[key].isoformat()
    data["topics"] = list(summary.topics)
    return data


def summary_from_cache(data: JSON) -> RepoSummary:
    fields = dict(data)
    for key in ("created_at", "updated_at", "pushed_at"):
        fields[key] = datetime.fromisoformat(fields[key])
    fields["topics"] = tuple(fields["topics"])
    return RepoSummary(**fields)


def page_to_cache(summaries: Sequence[RepoSummary], next_url: str | None) -> dict[str, Any]:
    return {"v": CACHE_VERSION, "repos": [summary_to_cache(s) for s in summaries], "next": next_url}


def page_from_cache(payload: object) -> tuple[list[RepoSummary], str | None] | None:
    """The cached page, or None when it is from another version or unreadable."""
    if not isinstance(payload, Mapping) or payload.get("v") != CACHE_VERSION:
        return None
    try:
        repos = [summary_from_cache(item) for item in payload["repos"]]
    except (KeyError, TypeError, ValueError):
        return None
    next_url = payload.get("next")
    return repos, next_url if isinstance(next_url, str) else None
