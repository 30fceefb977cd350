"""GitHub REST shapes of issue activity for the fake forge: labels, issues, pull requests, reviews.

Pull requests appear twice, as GitHub shows them: as `pull-request-simple` in pull lists, and as
an issue with a `pull_request` member in issue lists and issue search.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.sandbox.forge.github_shapes import (
    JSON,
    association,
    git_sha,
    iso,
    node_id,
    repo_json,
    stable_id,
    user_json,
    web_root,
)
from bot.sandbox.forge.world import FakeComment, FakeIssue, FakePull, FakeRepo, FakeReview, World

# GitHub's default labels come with these descriptions; others get "" (the PR schema wants a string).
_LABEL_DESCRIPTIONS = {
    "good first issue": "Good for newcomers",
    "help wanted": "Extra attention is needed",
    "bug": "Something isn't working",
    "documentation": "Improvements or additions to documentation",
}


def label_json(repo: FakeRepo, name: str, base_url: str) -> JSON:
    ident = stable_id(f"{repo.full_name}#{name.lower()}")
    return {
        "id": ident,
        "node_id": node_id("Label", ident),
        "url": f"{base_url}/repos/{repo.full_name}/labels/{quote(name)}",
        "name": name,
        "description": _LABEL_DESCRIPTIONS.get(name.lower(), ""),
        "color": "7057ff",
        "default": name.lower() in _LABEL_DESCRIPTIONS,
    }


def _issue_common(world: World, repo: FakeRepo, number: int, base_url: str) -> JSON:
    api = f"{base_url}/repos/{repo.full_name}"
    return {
        "url": f"{api}/issues/{number}",
        "repository_url": api,
        "labels_url": f"{api}/issues/{number}/labels{{/name}}",
        "comments_url": f"{api}/issues/{number}/comments",
        "events_url": f"{api}/issues/{number}/events",
        "timeline_url": f"{api}/issues/{number}/timeline",
        "number": number,
        "locked": False,
        "milestone": None,
        "comments": 0,
        "active_lock_reason": None,
        "performed_via_github_app": None,
    }


def issue_json(world: World, repo: FakeRepo, issue: FakeIssue, base_url: str) -> JSON:
    assignees = [user_json(world, login, base_url) for login in issue.assignees]
    return {
        **_issue_common(world, repo, issue.number, base_url),
        "id": issue.id,
        "node_id": node_id("Issue", issue.id),
        "html_url": f"{web_root(base_url)}/{repo.full_name}/issues/{issue.number}",
        "title": issue.title,
        "body": issue.body,  # issue search says string, not null
        "user": user_json(world, issue.author, base_url),
        "labels": [label_json(repo, name, base_url) for name in issue.labels],
        "state": issue.state,
        "state_reason": "completed" if issue.state == "closed" else None,
        "assignee": assignees[0] if assignees else None,
        "assignees": assignees,
        "author_association": association(world, issue.author),
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.updated_at) if issue.state == "closed" else None,
    }


def pull_as_issue_json(world: World, repo: FakeRepo, pull: FakePull, base_url: str) -> JSON:
    """How a pull request appears in issue lists and issue search: an issue with `pull_request`."""
    html = f"{web_root(base_url)}/{repo.full_name}/pull/{pull.number}"
    return {
        **_issue_common(world, repo, pull.number, base_url),
        "id": pull.id,
        "node_id": node_id("PullRequest", pull.id),
        "html_url": html,
        "title": pull.title,
        "body": "",
        "user": user_json(world, pull.author, base_url),
        "labels": [label_json(repo, name, base_url) for name in pull.labels],
        "state": "open" if pull.state == "open" else "closed",
        "state_reason": None,
        "assignee": None,
        "assignees": [],
        "author_association": association(world, pull.author),
        "draft": False,
        "pull_request": {
            "url": f"{base_url}/repos/{repo.full_name}/pulls/{pull.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": iso(pull.merged_at),
        },
        "created_at": iso(pull.created_at),
        "updated_at": iso(pull.updated_at),
        "closed_at": iso(pull.ended_at),
    }


def _link(href: str) -> JSON:
    return {"href": href}


def pull_json(world: World, repo: FakeRepo, pull: FakePull, base_url: str) -> JSON:
    """`pull-request-simple`, as GET /repos/{owner}/{repo}/pulls lists it."""
    api = f"{base_url}/repos/{repo.full_name}/pulls/{pull.number}"
    issue_api = f"{base_url}/repos/{repo.full_name}/issues/{pull.number}"
    html = f"{web_root(base_url)}/{repo.full_name}/pull/{pull.number}"
    head_sha = git_sha(f"{repo.full_name}#{pull.number}")
    repo_data = repo_json(world, repo, base_url)

    def ref(name: str, sha: str) -> JSON:
        return {
            "label": f"{repo.namespace}:{name}",
            "ref": name,
            "sha": sha,
            "user": user_json(world, repo.namespace, base_url, org=True),
            "repo": repo_data,
        }

    return {
        "url": api,
        "id": pull.id,
        "node_id": node_id("PullRequest", pull.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_api,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{base_url}/repos/{repo.full_name}/pulls/comments{{/number}}",
        "comments_url": f"{issue_api}/comments",
        "statuses_url": f"{base_url}/repos/{repo.full_name}/statuses/{head_sha}",
        "number": pull.number,
        "state": "open" if pull.state == "open" else "closed",
        "locked": False,
        "title": pull.title,
        "user": user_json(world, pull.author, base_url),
        "body": "",
        "labels": [label_json(repo, name, base_url) for name in pull.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(pull.created_at),
        "updated_at": iso(pull.updated_at),
        "closed_at": iso(pull.ended_at),
        "merged_at": iso(pull.merged_at),
        "merge_commit_sha": git_sha(f"merge {head_sha}") if pull.merged_at else None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": ref(f"change-{pull.number}", head_sha),
        "base": ref(repo.default_branch, git_sha(f"{repo.full_name}@{repo.default_branch}")),
        "_links": {
            "self": _link(api),
            "html": _link(html),
            "issue": _link(issue_api),
            "comments": _link(f"{issue_api}/comments"),
            "review_comments": _link(f"{api}/comments"),
            "review_comment": _link(f"{base_url}/repos/{repo.full_name}/pulls/comments{{/number}}"),
            "commits": _link(f"{api}/commits"),
            "statuses": _link(f"{base_url}/repos/{repo.full_name}/statuses/{head_sha}"),
        },
        "author_association": association(world, pull.author),
        "auto_merge": None,
        "draft": False,
    }


def review_json(world: World, repo: FakeRepo, pull: FakePull, review: FakeReview, base_url: str) -> JSON:
    html = f"{web_root(base_url)}/{repo.full_name}/pull/{pull.number}"
    data: JSON = {
        "id": review.id,
        "node_id": node_id("PullRequestReview", review.id),
        "user": user_json(world, review.reviewer, base_url),
        "body": "",
        "state": review.state,
        "html_url": f"{html}#pullrequestreview-{review.id}",
        "pull_request_url": f"{base_url}/repos/{repo.full_name}/pulls/{pull.number}",
        "_links": {"html": _link(f"{html}#pullrequestreview-{review.id}"), "pull_request": _link(html)},
        "commit_id": git_sha(f"{repo.full_name}#{pull.number}"),
        "author_association": association(world, review.reviewer),
    }
    if review.state != "PENDING":  # a pending review has not been submitted yet
        data["submitted_at"] = iso(review.submitted_at)
    return data


def comment_json(world: World, repo: FakeRepo, pull: FakePull, comment: FakeComment, base_url: str) -> JSON:
    """`issue-comment`: a comment on a pull request's conversation, as the issue comment lists give it."""
    api = f"{base_url}/repos/{repo.full_name}"
    return {
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "url": f"{api}/issues/comments/{comment.id}",
        "html_url": f"{web_root(base_url)}/{repo.full_name}/pull/{pull.number}#issuecomment-{comment.id}",
        "body": comment.body,
        "user": user_json(world, comment.author, base_url),
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.created_at),
        "issue_url": f"{api}/issues/{pull.number}",
        "author_association": association(world, comment.author),
        "performed_via_github_app": None,
        "reactions": {
            "url": f"{api}/issues/comments/{comment.id}/reactions",
            "total_count": 0,
            **dict.fromkeys(("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"), 0),
        },
    }
