"""GitHub GraphQL objects of the fake forge, built from the World's plain records: connections,
repositories, commit history, trees and blobs, actors.

Each object is a dict graphql-core's default resolver reads: plain values for fields without
arguments, callables `(info, **arguments)` for fields with them (and for anything costly, so it is
only built when a query selects it). `__typename` tells interfaces and unions which type a dict is.
Identifiers (node ids, database ids, blob and tree oids) are the ones the REST API gives.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.sandbox.forge.github_git_shapes import root_tree_sha
from bot.sandbox.forge.github_shapes import git_sha, iso, node_id, stable_id
from bot.sandbox.forge.world import FakeRepo, World, commit_times

JSON = dict[str, Any]
MAX_PAGE = 100  # GitHub refuses `first`/`last` above 100 on every connection
_FILE_MODE, _DIRECTORY_MODE = 0o100644, 0o040000


def connection(items: list[Any], first: int | None, after: str | None, node: Callable[[Any], Any]) -> JSON:
    """One page of `items` after the cursor `after`, with GitHub's connection fields."""
    if first is not None and not 0 <= first <= MAX_PAGE:
        raise ValueError(f"Requesting {first} records exceeds the `first` limit of {MAX_PAGE} records.")
    start = int(base64.b64decode(after).decode().split(":")[1]) if after else 0
    page = items[start : start + (first if first is not None else MAX_PAGE)]
    end = start + len(page)
    cursor = base64.b64encode(f"cursor:{end}".encode()).decode()
    nodes = [node(item) for item in page]
    return {
        "totalCount": len(items),
        "nodes": nodes,
        "edges": [
            {"node": found, "cursor": base64.b64encode(f"cursor:{start + i + 1}".encode()).decode()}
            for i, found in enumerate(nodes)
        ],
        "pageInfo": {
            "hasNextPage": end < len(items),
            "hasPreviousPage": start > 0,
            "endCursor": cursor if page else None,
        },
    }


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def actor(world: World, login: str) -> JSON:
    """An `Actor`: a `Bot` as the REST API types it (a bot account, or a login ending in [bot]),
    else a `User` (also for logins the World does not know). A Bot's GraphQL login lacks REST's
    "[bot]" suffix (`dependabot`, where REST says `dependabot[bot]`), as on GitHub."""
    user = world.users.get(login)
    ident = user.id if user else stable_id(login)
    kind = "Bot" if (user and user.is_bot) or login.endswith("[bot]") else "User"
    return {
        "__typename": kind,
        "login": login.removesuffix("[bot]") if kind == "Bot" else login,
        "id": node_id(kind, ident),
        "databaseId": ident,
        "name": user.name if user and kind == "User" else None,
    }


def repository(repo: FakeRepo, web: str, now: datetime) -> JSON:
    languages = sorted(repo.languages.items(), key=lambda item: -item[1])
    return {
        "__typename": "Repository",
        "id": node_id("Repository", repo.id),
        "databaseId": repo.id,
        "name": repo.name,
        "nameWithOwner": repo.full_name,
        "owner": {"__typename": "Organization", "login": repo.namespace},
        "description": repo.description or None,
        "url": f"{web}/{repo.full_name}",
        "isArchived": repo.archived,
        "isFork": repo.fork,
        "isPrivate": repo.visibility != "public",
        "isEmpty": repo.empty,
        "visibility": repo.visibility.upper(),
        "createdAt": iso(repo.created_at),
        "updatedAt": iso(repo.updated_at),
        "pushedAt": iso(repo.pushed_at),
        "stargazerCount": repo.stars,
        "forkCount": repo.forks,
        "watchers": lambda info, **_: {"totalCount": repo.watchers},
        "repositoryTopics": lambda info, first=None, after=None: connection(
            list(repo.topics), first, after, lambda t: {"topic": {"name": t}}
        ),
        "languages": lambda info, first=None, after=None, **_: {
            **connection(languages, first, after, lambda item: {"name": item[0]}),
            "edges": [{"size": size, "node": {"name": name}} for name, size in languages[: first or 100]],
            "totalSize": sum(repo.languages.values()),
        },
        "licenseInfo": {"spdxId": repo.license_spdx} if repo.license_spdx else None,
        "defaultBranchRef": None
        if repo.empty
        else {"name": repo.default_branch, "target": lambda info: head_commit(repo, now)},
        "object": lambda info, expression=None, oid=None: git_object(repo, expression),
    }


def head_commit(repo: FakeRepo, now: datetime) -> JSON:
    """The default branch's head; its history is the World's synthetic commits (`commit_times`),
    newest first, `since` inclusive and `until` exclusive, as GitHub filters them."""
    times = commit_times(repo, now)

    def history(
        info: Any,
        first: int | None = None,
        after: str | None = None,
        since: str | None = None,
        until: str | None = None,
        **unsupported: Any,
    ) -> JSON:
        if any(value is not None for value in unsupported.values()):
            raise ValueError(f"the fake forge cannot filter history by {sorted(unsupported)}")
        start = parse_time(since) if since else None
        end = parse_time(until) if until else None
        chosen = [at for at in reversed(times) if (not start or at >= start) and (not end or at < end)]
        return connection(chosen, first, after, lambda at: _commit(repo, at))

    newest = times[-1] if times else repo.pushed_at
    return {**_commit(repo, newest), "oid": f"{repo.id:040x}", "history": history}


def _commit(repo: FakeRepo, at: datetime) -> JSON:
    moment = iso(at)
    return {
        "__typename": "Commit",
        "oid": git_sha(f"commit {repo.id} {moment}"),
        "committedDate": moment,
        "authoredDate": moment,
        "pushedDate": moment,
    }


def git_object(repo: FakeRepo, expression: str | None) -> JSON | None:
    """`REF:path` (REF being HEAD or the default branch): a Blob for a file, a Tree for a directory
    (`HEAD:` the root), null for a path that does not exist."""
    if repo.empty or not expression or ":" not in expression:
        return None
    ref, _, path = expression.partition(":")
    if ref not in ("HEAD", repo.default_branch):
        return None
    path = path.strip("/")
    if path in repo.files:
        text = repo.files[path]
        size = len(text.encode())
        return {
            "__typename": "Blob",
            "oid": git_sha(text),
            "text": text,
            "byteSize": size,
            "isBinary": False,
            "isTruncated": False,
        }
    prefix = f"{path}/" if path else ""
    kinds: dict[str, str] = {}
    for file in repo.files:
        if file.startswith(prefix):
            head, _, rest = file[len(prefix) :].partition("/")
            kinds[head] = "tree" if rest else "blob"
    if not kinds:
        return None
    entries = [_entry(repo, prefix + name, kind) for name, kind in sorted(kinds.items())]
    oid = git_sha(f"tree {path}") if path else root_tree_sha(repo)  # as the REST git tree gives them
    return {"__typename": "Tree", "oid": oid, "entries": entries}


def _entry(repo: FakeRepo, path: str, kind: str) -> JSON:
    name = path.rpartition("/")[2]
    blob = kind == "blob"
    return {
        "name": name,
        "path": path,
        "type": kind,
        "mode": _FILE_MODE if blob else _DIRECTORY_MODE,
        "oid": git_sha(repo.files[path]) if blob else git_sha(f"tree {path}"),
        "size": len(repo.files[path].encode()) if blob else 0,
        "extension": f".{name.rpartition('.')[2]}" if blob and "." in name.lstrip(".") else None,
        "isGenerated": False,
        "object": lambda info: git_object(repo, f"HEAD:{path}"),
    }
