"""GitHub REST JSON shapes for the fake forge, built from the World's plain records.

Field sets follow GitHub's OpenAPI description (`minimal-repository`, `full-repository`, `issue`,
`pull-request-simple`, ...); tests/sandbox/forge/test_github_api_openapi.py validates them against it, so
PyGithub and our adapter parse exactly what the real API would send.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.forge.world import FakeRepo, World

JSON = dict[str, Any]


def iso(when: datetime | None) -> str | None:
    """GitHub's timestamp format: UTC, seconds, trailing Z."""
    return None if when is None else when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def web_root(base_url: str) -> str:
    """GitHub Enterprise Server serves the web UI at the host root and the API under /api/v3."""
    return base_url.removesuffix("/api/v3")


def node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def stable_id(text: str) -> int:
    """Ids for things the World does not number (orgs, labels, unregistered users)."""
    return 10_000_000 + zlib.crc32(text.encode()) % 10_000_000


def git_sha(data: str) -> str:
    """The blob id git itself would give this text."""
    raw = data.encode()
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw, usedforsecurity=False).hexdigest()


def user_json(world: World, login: str, base_url: str, *, org: bool = False) -> JSON:
    user = world.users.get(login)
    ident = user.id if user else stable_id(login)
    if org:
        kind = "Organization"
    elif (user and user.is_bot) or login.endswith("[bot]"):
        kind = "Bot"
    else:
        kind = "User"
    api = f"{base_url}/users/{login}"
    return {
        "login": login,
        "id": ident,
        "node_id": node_id("User", ident),
        "avatar_url": f"{web_root(base_url)}/avatars/u/{ident}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{web_root(base_url)}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def association(world: World, login: str) -> str:
    return "MEMBER" if login in world.users and not world.users[login].is_bot else "NONE"


def license_json(spdx: str | None, base_url: str) -> JSON | None:
    if spdx is None:
        return None
    key = spdx.lower()
    return {
        "key": key,
        "name": spdx,
        "spdx_id": spdx,
        "url": f"{base_url}/licenses/{key}",
        "node_id": node_id("License", stable_id(key)),
    }


_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repo_size_kb(repo: FakeRepo) -> int:
    """GitHub's `size` (KB); 0 exactly when the repository has no commits."""
    if repo.empty:
        return 0
    return 1 + sum(len(text.encode()) for text in repo.files.values()) // 1024


def repo_json(world: World, repo: FakeRepo, base_url: str, *, full: bool = False) -> JSON:
    """`minimal-repository` (org listing) or, with `full`, `full-repository` (GET /repos/...)."""
    api = f"{base_url}/repos/{repo.full_name}"
    html = f"{web_root(base_url)}/{repo.full_name}"
    status = "enabled" if repo.secret_scanning else "disabled"
    data: JSON = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.visibility != "public",  # GitHub says private:true for internal repos too
        "visibility": repo.visibility,
        "owner": user_json(world, repo.namespace, base_url, org=True),
        "html_url": html,
        "description": repo.description or None,
        "fork": repo.fork,
        "url": api,
        **{name: api + suffix for name, suffix in _URL_TEMPLATES.items()},
        "git_url": f"git://{html.split('://', 1)[-1]}.git",
        "ssh_url": f"git@{html.split('://', 1)[-1].split('/', 1)[0]}:{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "mirror_url": None,
        "homepage": None,
        "language": repo.primary_language,
        "forks_count": repo.forks,
        "forks": repo.forks,
        "stargazers_count": repo.stars,
        "watchers_count": repo.stars,  # GitHub's legacy "watchers" are stars; subscribers differ
        "watchers": repo.stars,
        "size": repo_size_kb(repo),
        "default_branch": repo.default_branch,
        "open_issues_count": repo.open_issue_count(),
        "open_issues": repo.open_issue_count(),
        "is_template": False,
        "topics": list(repo.topics),
        "has_issues": True,
        "has_projects": True,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": repo.archived,
        "disabled": False,
        "pushed_at": iso(repo.pushed_at),
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.updated_at),
        "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "license": license_json(repo.license_spdx, base_url),
        "security_and_analysis": {
            "secret_scanning": {"status": status},
            "secret_scanning_push_protection": {"status": status},
        },
    }
    if full:
        data["subscribers_count"] = repo.watchers
        data["network_count"] = repo.forks
    return data
