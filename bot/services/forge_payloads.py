"""GitHub and GitLab webhook payloads → one forge-neutral `ForgeEvent`. Pure functions, no IO.

The shapes follow the forges' published examples (octokit/webhooks, GitLab's webhook_events docs).
GitHub's payload objects are REST objects, so `github_records` maps them as the crawl does; GitLab's
hook objects differ from its REST objects (`url` not `web_url`, labels as objects, an issue's or
merge request's author only as `author_id`), so they are mapped here; an author known only by id is
left for the service to name (`ForgeEvent.author_id`, `Forge.username`). Nothing in a payload decides
a repository's visibility: the service looks the repository up through the forge API (`Forge.repository`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.forges import github_records
from bot.forges import gitlab_mapping as mapping
from bot.forges.base import ChangeResponse, ChangeSummary, Issue, MergedChange, Review

JSON = Mapping[str, Any]


class PayloadError(ValueError):
    """The payload lacks what its event always carries (answered 400)."""


@dataclass(frozen=True)
class RepoRef:
    """Who the payload says the repository is: identity only, never visibility."""

    forge_id: str
    full_name: str  # GitHub owner/name; GitLab path_with_namespace
    name: str
    web_url: str


@dataclass(frozen=True)
class ForgeEvent:
    forge: str  # "github" | "gitlab"
    name: str  # for logs and answers, e.g. "issues.labeled", "merge_request.merge"
    repo: RepoRef | None = None
    issue: Issue | None = None
    changes: tuple[MergedChange, ...] = ()
    reviews: tuple[Review, ...] = ()
    # Pull/merge requests to upsert (time to first response), with any response the event is.
    change_requests: tuple[ChangeSummary, ...] = ()
    # A comment on a change request the payload names only by number (GitHub issue_comment, GitLab
    # note): it lowers that change's first response when the catalog knows the change.
    response: tuple[int, ChangeResponse] | None = None
    repository_action: str | None = None  # GitHub `repository` events: created, archived, renamed…
    ignored: str | None = None  # why there is nothing to apply (ping, an event we do not use)
    # The author of `issue`, `changes[0]` or `change_requests[0]` when the payload gives only their
    # user id (GitLab): the
    # service asks the forge for the username (`Forge.username`) before applying; until then "".
    author_id: str | None = None


def _repo_ref(data: JSON, full_name: str, name: str, web_url: object) -> RepoRef:
    return RepoRef(forge_id=str(data["id"]), full_name=full_name, name=name, web_url=str(web_url or ""))


# -- GitHub ----------------------------------------------------------------------------------------
def github_event(event: str, payload: JSON) -> ForgeEvent:
    """`event` is the X-GitHub-Event header."""
    action = str(payload.get("action") or "")
    name = f"{event}.{action}" if action else event
    if event == "ping":
        return ForgeEvent("github", name, ignored="ping")
    try:
        return _github(event, action, name, payload)
    except (KeyError, TypeError, ValueError) as exc:
        raise PayloadError(f"GitHub {name} payload: {exc!r}") from None


_PULL_REQUEST_ACTIONS = ("opened", "reopened", "closed", "edited", "synchronize", "ready_for_review")


def _github(event: str, action: str, name: str, payload: JSON) -> ForgeEvent:
    used = ("issues", "issue_comment", "pull_request", "pull_request_review", "repository")
    if event not in used:
        return ForgeEvent("github", name, ignored=f"{event} events are not used")
    data = payload["repository"]
    repo = _repo_ref(data, str(data["full_name"]), str(data["name"]), data.get("html_url"))
    if event == "repository":
        return ForgeEvent("github", name, repo, repository_action=action)
    if event == "issue_comment":
        return _github_comment(name, action, payload, repo)
    if event == "issues":
        if github_records.is_pull_request(payload["issue"]):
            return ForgeEvent("github", name, repo, ignored="a pull request, not an issue")
        issue = github_records.issue(
            payload["issue"], repo_forge_id=repo.forge_id, repo_full_name=repo.full_name
        )
        if action in ("deleted", "transferred"):  # it left this repository: no longer offered here
            issue = replace(issue, state="closed")
        return ForgeEvent("github", name, repo, issue=issue)
    pull = payload["pull_request"]
    if event == "pull_request":
        if action not in _PULL_REQUEST_ACTIONS:
            return ForgeEvent("github", name, repo, ignored=f"pull_request.{action} changes nothing kept")
        change = (
            github_records.merged_change(pull, repo_forge_id=repo.forge_id) if action == "closed" else None
        )
        request = github_records.change_summary(pull, repo_forge_id=repo.forge_id)
        return ForgeEvent(
            "github", name, repo, changes=(change,) if change else (), change_requests=(request,)
        )
    review = (
        github_records.review(
            payload["review"], repo_forge_id=repo.forge_id, change_number=int(pull["number"])
        )
        if action == "submitted"
        else None
    )
    if review is None:
        return ForgeEvent("github", name, repo, ignored="only submitted reviews are recorded")
    response = github_records.review_response(review)
    request = github_records.change_summary(pull, repo_forge_id=repo.forge_id, responses=(response,))
    return ForgeEvent("github", name, repo, reviews=(review,), change_requests=(request,))


def _github_comment(name: str, action: str, payload: JSON, repo: RepoRef) -> ForgeEvent:
    """A new comment on a pull request's conversation is a response (its issue names the number only:
    the issue's id is not the pull request's, so the change request is found by number)."""
    if action != "created":
        return ForgeEvent("github", name, repo, ignored="only new comments are responses")
    if not github_records.is_pull_request(payload["issue"]):
        return ForgeEvent("github", name, repo, ignored="a comment on an issue, not on a pull request")
    found = github_records.comment_response(payload["comment"])
    if found is None:
        raise ValueError("the comment names no issue or time")
    return ForgeEvent("github", name, repo, response=(int(payload["issue"]["number"]), found[1]))


# -- GitLab ----------------------------------------------------------------------------------------
def gitlab_event(event: str, payload: JSON) -> ForgeEvent:
    """`event` is the X-Gitlab-Event header ("Issue Hook", "Merge Request Hook", "Note Hook", …)."""
    action = str((payload.get("object_attributes") or {}).get("action") or "")
    kind = str(payload.get("object_kind") or event)
    name = f"{kind}.{action}" if action else kind
    try:
        return _gitlab(event, action, name, payload)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"GitLab {name} payload: {exc!r}") from None


def _gitlab(event: str, action: str, name: str, payload: JSON) -> ForgeEvent:
    if event not in ("Issue Hook", "Confidential Issue Hook", "Merge Request Hook", "Note Hook"):
        return ForgeEvent("gitlab", name, ignored=f"{event or 'unnamed'} events are not used")
    project = payload["project"]
    repo = _repo_ref(
        project, str(project["path_with_namespace"]), str(project.get("name") or ""), project.get("web_url")
    )
    if event == "Note Hook":
        return _gitlab_note(name, payload, repo)
    attributes = payload["object_attributes"]
    user = payload.get("user") or {}
    if event != "Merge Request Hook":
        if str(attributes.get("type") or "Issue") != "Issue":  # incidents, tasks and other work items
            return ForgeEvent("gitlab", name, repo, ignored="only issues are used, not other work items")
        issue = _gitlab_issue(payload, attributes, repo, user)
        return ForgeEvent("gitlab", name, repo, issue=issue, author_id=_author_id(attributes, issue.author))
    if action not in _MERGE_REQUEST_ACTIONS:
        return ForgeEvent(
            "gitlab", name, repo, ignored=f"merge request {action or 'event'} changes nothing kept"
        )
    request = _gitlab_change_request(attributes, repo, user, action)
    author_id = _author_id(attributes, request.author)
    if action == "merge":
        if attributes.get("author_id") is None:
            return ForgeEvent("gitlab", name, repo, ignored="merge author unknown; the next crawl records it")
        change = _gitlab_merged(attributes, repo, user)
        return ForgeEvent(
            "gitlab", name, repo, changes=(change,), change_requests=(request,), author_id=author_id
        )
    if action in ("approval", "approved"):  # one approver added / the last required one: same key
        approval = _gitlab_approval(attributes, repo, user)
        response = ChangeResponse(approval.reviewer, approval.reviewer_is_bot, approval.submitted_at)
        request = replace(request, responses=(response,))
        return ForgeEvent(
            "gitlab", name, repo, reviews=(approval,), change_requests=(request,), author_id=author_id
        )
    return ForgeEvent("gitlab", name, repo, change_requests=(request,), author_id=author_id)


_MERGE_REQUEST_ACTIONS = ("open", "reopen", "update", "close", "merge", "approval", "approved")
_MERGE_REQUEST_STATES = {"opened": "open", "merged": "merged", "closed": "closed", "locked": "closed"}


def _gitlab_change_request(attributes: JSON, repo: RepoRef, user: JSON, action: str) -> ChangeSummary:
    """The merge request as a change request. The hook names its author only by id: the acting user
    is the author when opening (as for issues) or when their ids match, else "" (`author_id`)."""
    by_author = action == "open" or (
        user.get("id") is not None and user.get("id") == attributes.get("author_id")
    )
    state = _MERGE_REQUEST_STATES.get(str(attributes.get("state")), "open")
    if action == "merge":
        state = "merged"
    updated = parse_gitlab_time(attributes.get("updated_at") or attributes["created_at"])
    merged_at = attributes.get("merged_at")
    closed_at = attributes.get("closed_at")
    return ChangeSummary(
        forge_id=str(attributes["id"]),  # the MR's global id, as the crawl keys it
        repo_forge_id=repo.forge_id,
        number=int(attributes["iid"]),
        title=str(attributes.get("title") or ""),
        url=str(attributes.get("url") or ""),
        author=mapping.username(user) if by_author else "",
        author_is_bot=by_author and mapping.user_is_bot(user),
        state=state,
        created_at=parse_gitlab_time(attributes["created_at"]),
        merged_at=(parse_gitlab_time(merged_at) if merged_at else updated) if state == "merged" else None,
        closed_at=(parse_gitlab_time(closed_at) if closed_at else updated) if state != "open" else None,
    )


def _gitlab_note(name: str, payload: JSON, repo: RepoRef) -> ForgeEvent:
    """A comment on a merge request by someone other than its author is a response; system notes
    ("added 1 commit") and comments elsewhere change nothing the catalog keeps."""
    attributes = payload["object_attributes"]
    if attributes.get("noteable_type") != "MergeRequest":
        return ForgeEvent("gitlab", name, repo, ignored="only comments on merge requests are used")
    if attributes.get("system"):
        return ForgeEvent("gitlab", name, repo, ignored="a system note is no response")
    merge_request = payload["merge_request"]
    user = payload.get("user") or {}
    author_id = attributes.get("author_id", user.get("id"))
    if author_id is not None and author_id == merge_request.get("author_id"):
        return ForgeEvent("gitlab", name, repo, ignored="a comment by the merge request's author")
    at = parse_gitlab_time(attributes.get("created_at") or attributes["updated_at"])
    response = ChangeResponse(mapping.username(user), mapping.user_is_bot(user), at)
    return ForgeEvent("gitlab", name, repo, response=(int(merge_request["iid"]), response))


def _gitlab_issue(payload: JSON, attributes: JSON, repo: RepoRef, user: JSON) -> Issue:
    labels = payload.get("labels")
    labels = attributes.get("labels") if labels is None else labels
    names = tuple(str(label.get("title") if isinstance(label, Mapping) else label) for label in labels or ())
    if attributes.get("confidential"):
        # A confidential issue must never be offered to a channel of newcomers: as far as routing
        # goes it carries no good-first-issue label (an existing row becomes "unlabelled").
        names = ()
    return Issue(
        forge_id=str(attributes["id"]),
        repo_forge_id=repo.forge_id,
        repo_full_name=repo.full_name,
        number=int(attributes["iid"]),
        title=str(attributes.get("title") or ""),
        url=str(attributes.get("url") or ""),
        labels=names,
        state="open" if attributes.get("state") == "opened" else "closed",
        assignees=tuple(mapping.username(a) for a in payload.get("assignees") or ()),
        # The hook names no author, only author_id; the acting user is the author when opening.
        author=mapping.username(user) if attributes.get("action") == "open" else "",
        created_at=parse_gitlab_time(attributes["created_at"]),
        updated_at=parse_gitlab_time(attributes.get("updated_at") or attributes["created_at"]),
    )


def _author_id(attributes: JSON, author: str) -> str | None:
    """The author's id when the payload does not name them (the service asks the forge), else None."""
    author_id = attributes.get("author_id")
    return None if author or author_id is None else str(author_id)


def _gitlab_merged(attributes: JSON, repo: RepoRef, user: JSON) -> MergedChange:
    """A merge hook names who merged (`user`) and only the author's id: the author's username is
    known here only when the author merged it themselves, else "" (see `ForgeEvent.author_id`)."""
    by_author = user.get("id") is not None and user.get("id") == attributes.get("author_id")
    username = mapping.username(user) if by_author else ""
    merged_at = attributes.get("merged_at") or attributes.get("updated_at") or attributes["created_at"]
    return MergedChange(
        forge_id=str(attributes["id"]),  # the MR's global id, as the crawl keys it
        repo_forge_id=repo.forge_id,
        number=int(attributes["iid"]),
        title=str(attributes.get("title") or ""),
        url=str(attributes.get("url") or ""),
        author=username,
        author_is_bot=by_author and mapping.user_is_bot(user),
        created_at=parse_gitlab_time(attributes["created_at"]),
        merged_at=parse_gitlab_time(merged_at),
    )


def _gitlab_approval(attributes: JSON, repo: RepoRef, user: JSON) -> Review:
    username = mapping.username(user)
    return Review(
        # The crawl keys approvals "<MR id>:<user id>" (gitlab_mapping.approvals): the same approval
        # seen by webhook and by crawl is one ledger row.
        forge_id=f"{attributes['id']}:{user.get('id', username)}",
        repo_forge_id=repo.forge_id,
        change_number=int(attributes["iid"]),
        reviewer=username,
        reviewer_is_bot=mapping.user_is_bot(user),
        state="APPROVED",
        submitted_at=parse_gitlab_time(attributes.get("updated_at") or attributes["created_at"]),
    )


def parse_gitlab_time(value: object) -> datetime:
    """Hooks send ISO 8601 ("2013-12-03T17:15:43Z") or, in older parts, "2015-05-17 17:06:40 UTC"."""
    text = str(value).strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    return mapping.parse_time(text)
