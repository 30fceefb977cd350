"""JSON shapes of GitLab REST v4 objects (projects, users, issues, MRs, commits, trees) for the fake.

Field names and formats follow GitLab's API entities closely enough that python-gitlab and our
adapter read them exactly as they would read gitlab.com; `gitlab_api.py` does routing and paging.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from bot.sandbox.forge.world import FakeComment, FakeIssue, FakePull, FakeRepo, World

WEEK = timedelta(days=7)


def ts(at: datetime | None) -> str | None:
    """GitLab's timestamp format: UTC with milliseconds and a Z."""
    if at is None:
        return None
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def stable_id(text: str, base: int) -> int:
    """Ids for things the World does not number (groups, unknown users): stable across runs."""
    return base + zlib.crc32(text.encode()) % 1_000_000


def web_root(base_url: str) -> str:
    """The forge's web root from the API base (".../api/v4")."""
    return base_url.rsplit("/api/", 1)[0]


def group(path: str, base_url: str) -> dict[str, Any]:
    parent, _, name = path.rpartition("/")
    return {
        "id": stable_id(path, 5_000_000),
        "name": name,
        "path": name,
        "full_name": path.replace("/", " / "),
        "full_path": path,
        "kind": "group",
        "parent_id": stable_id(parent, 5_000_000) if parent else None,
        "visibility": "internal",
        "web_url": f"{web_root(base_url)}/groups/{path}",
    }


def user(world: World, login: str, base_url: str) -> dict[str, Any]:
    """GitLab's UserBasic. `bot` is not part of it on gitlab.com; we add it only for bot users."""
    known = world.users.get(login)
    shape: dict[str, Any] = {
        "id": known.id if known else stable_id(login, 7_000_000),
        "username": login,
        "name": known.name if known else login,
        "state": "active",
        "locked": False,
        "avatar_url": None,
        "web_url": f"{web_root(base_url)}/{login}",
    }
    if known and known.is_bot:
        shape["bot"] = True
    return shape


def last_activity(repo: FakeRepo) -> datetime:
    """GitLab bumps last_activity_at for pushes and for issue/MR activity alike."""
    return max(repo.pushed_at, repo.updated_at)


def readme_path(repo: FakeRepo) -> str | None:
    return next((p for p in sorted(repo.files) if "/" not in p and p.lower().startswith("readme")), None)


def project(repo: FakeRepo, base_url: str) -> dict[str, Any]:
    web = f"{web_root(base_url)}/{repo.full_name}"
    readme = readme_path(repo)
    shape: dict[str, Any] = {
        "id": repo.id,
        "description": repo.description or None,
        "name": repo.name,
        "name_with_namespace": f"{repo.namespace.replace('/', ' / ')} / {repo.name}",
        "path": repo.name,
        "path_with_namespace": repo.full_name,
        "created_at": ts(repo.created_at),
        "default_branch": None if repo.empty else repo.default_branch,
        "tag_list": list(repo.topics),  # deprecated alias of `topics`, still served
        "topics": list(repo.topics),
        "ssh_url_to_repo": f"git@{web.split('://', 1)[-1].split('/', 1)[0]}:{repo.full_name}.git",
        "http_url_to_repo": f"{web}.git",
        "web_url": web,
        "readme_url": f"{web}/-/blob/{repo.default_branch}/{readme}" if readme and not repo.empty else None,
        "avatar_url": None,
        "forks_count": repo.forks,
        "star_count": repo.stars,
        "last_activity_at": ts(last_activity(repo)),
        "namespace": group(repo.namespace, base_url),
        "visibility": repo.visibility,
        "archived": repo.archived,
        "empty_repo": repo.empty,
        "issues_enabled": True,
        "merge_requests_enabled": True,
        "open_issues_count": repo.open_issue_count(),
        "_links": {
            "self": f"{base_url}/projects/{repo.id}",
            "issues": f"{base_url}/projects/{repo.id}/issues",
        },
    }
    if repo.fork:
        upstream = f"upstream/{repo.name}"
        shape["forked_from_project"] = {
            "id": stable_id(upstream, 8_000_000),
            "name": repo.name,
            "path_with_namespace": upstream,
            "web_url": f"{web_root(base_url)}/{upstream}",
        }
    return shape


def languages(repo: FakeRepo) -> dict[str, float]:
    """GitLab answers percentages (two decimals), largest first."""
    total = sum(repo.languages.values())
    if not total:
        return {}
    ranked = sorted(repo.languages.items(), key=lambda kv: -kv[1])
    return {name: round(size * 100 / total, 2) for name, size in ranked}


def _references(repo: FakeRepo, sign: str, iid: int) -> dict[str, str]:
    return {
        "short": f"{sign}{iid}",
        "relative": f"{sign}{iid}",
        "full": f"{repo.full_name}{sign}{iid}",
    }


def issue(world: World, repo: FakeRepo, item: FakeIssue, base_url: str) -> dict[str, Any]:
    assignees = [user(world, a, base_url) for a in item.assignees]
    return {
        "id": item.id,
        "iid": item.number,
        "project_id": repo.id,
        "title": item.title,
        "description": item.body,
        "state": "opened" if item.state == "open" else "closed",
        "created_at": ts(item.created_at),
        "updated_at": ts(item.updated_at),
        "closed_at": ts(item.updated_at) if item.state == "closed" else None,
        "labels": list(item.labels),
        "assignees": assignees,
        "assignee": assignees[0] if assignees else None,
        "author": user(world, item.author, base_url),
        "type": "ISSUE",
        "issue_type": "issue",
        "confidential": False,
        "user_notes_count": 0,
        "web_url": f"{web_root(base_url)}/{repo.full_name}/-/issues/{item.number}",
        "references": _references(repo, "#", item.number),
    }


def merge_request(world: World, repo: FakeRepo, pull: FakePull, base_url: str) -> dict[str, Any]:
    state = {"open": "opened"}.get(pull.state, pull.state)
    merger = user(world, pull.reviews[-1].reviewer, base_url) if pull.reviews else None
    return {
        "id": pull.id,
        "iid": pull.number,
        "project_id": repo.id,
        "title": pull.title,
        "description": "",
        "state": state,
        "created_at": ts(pull.created_at),
        "updated_at": ts(pull.updated_at),
        "merged_at": ts(pull.merged_at) if state == "merged" else None,
        "closed_at": ts(pull.ended_at) if state == "closed" else None,
        "merge_user": merger if state == "merged" else None,
        "author": user(world, pull.author, base_url),
        "assignees": [],
        "reviewers": [user(world, r.reviewer, base_url) for r in pull.reviews],
        "source_branch": f"feature-{pull.number}",
        "target_branch": repo.default_branch,
        "draft": False,
        "labels": [],
        "user_notes_count": sum(1 for c in pull.comments if not c.system),
        "web_url": f"{web_root(base_url)}/{repo.full_name}/-/merge_requests/{pull.number}",
        "references": _references(repo, "!", pull.number),
    }


def approvals(world: World, repo: FakeRepo, pull: FakePull, base_url: str) -> dict[str, Any]:
    approved = [r for r in pull.reviews if r.state == "APPROVED"]
    return {
        "id": pull.id,
        "iid": pull.number,
        "project_id": repo.id,
        "title": pull.title,
        "state": {"open": "opened"}.get(pull.state, pull.state),
        "approved": bool(approved),
        "approvals_required": 0,
        "approvals_left": 0,
        # approved_at is recent GitLab (17.x); older servers send only `user`.
        "approved_by": [
            {"user": user(world, r.reviewer, base_url), "approved_at": ts(r.submitted_at)} for r in approved
        ],
    }


def note(world: World, repo: FakeRepo, pull: FakePull, comment: FakeComment, base_url: str) -> dict[str, Any]:
    """A merge request note, as GET /projects/:id/merge_requests/:iid/notes lists it."""
    return {
        "id": comment.id,
        "type": None,
        "body": comment.body,
        "attachment": None,
        "author": user(world, comment.author, base_url),
        "created_at": ts(comment.created_at),
        "updated_at": ts(comment.created_at),
        "system": comment.system,
        "noteable_id": pull.id,
        "noteable_type": "MergeRequest",
        "project_id": repo.id,
        "noteable_iid": pull.number,
        "resolvable": False,
        "confidential": False,
        "internal": False,
    }


def commits(
    repo: FakeRepo, now: datetime, since: datetime | None, until: datetime | None
) -> Iterator[dict[str, Any]]:
    """Commits synthesised from `weekly_commits`, newest first.

    weekly_commits[-1] is the week ending `now`; a week's n commits sit at evenly spaced instants
    strictly inside it, so bucketing by week boundaries gets the counts back exactly.
    """
    for back, count in enumerate(reversed(repo.weekly_commits)):
        week_end = now - back * WEEK
        if since is not None and week_end < since:
            return
        for j in range(count):
            at = week_end - WEEK * (j + 1) / (count + 1)
            if (since is not None and at < since) or (until is not None and at > until):
                continue
            sha = hashlib.sha1(f"{repo.id}:{back}:{j}".encode()).hexdigest()
            author = f"dev{j % 3}"
            yield {
                "id": sha,
                "short_id": sha[:8],
                "title": f"Change {j} of week -{back}",
                "message": f"Change {j} of week -{back}\n",
                "author_name": author,
                "author_email": f"{author}@example.com",
                "authored_date": ts(at),
                "committer_name": author,
                "committer_email": f"{author}@example.com",
                "committed_date": ts(at),
                "created_at": ts(at),
                "parent_ids": [],
            }


def tree(repo: FakeRepo, path: str, recursive: bool) -> list[dict[str, Any]] | None:
    """Entries under `path` (trees first, then blobs, by name); None when the path is no folder."""
    prefix = f"{path.strip('/')}/" if path.strip("/") else ""
    folders: set[str] = set()
    blobs: set[str] = set()
    for file_path in repo.files:
        if not file_path.startswith(prefix):
            continue
        rest = file_path[len(prefix) :].split("/")
        depth = len(rest) if recursive else 1
        for i in range(1, min(depth, len(rest) - 1) + 1):
            folders.add(prefix + "/".join(rest[:i]))
        if len(rest) == 1 or recursive:
            blobs.add(file_path)
    if prefix and not folders and not blobs:
        return None
    entries = [("tree", p) for p in sorted(folders)] + [("blob", p) for p in sorted(blobs)]
    return [
        {
            "id": hashlib.sha1(f"{repo.id}:{p}".encode()).hexdigest(),
            "name": p.rsplit("/", 1)[-1],
            "type": kind,
            "path": p,
            "mode": "040000" if kind == "tree" else "100644",
        }
        for kind, p in entries
    ]
