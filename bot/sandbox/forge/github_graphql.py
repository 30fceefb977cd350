"""The fake GitHub GraphQL API (POST /api/graphql, as on Enterprise Server), executing each query
against GitHub's real public schema with graphql-core, over the same World the REST API serves.

The schema (data/github-schema.graphql.gz: octokit/graphql-schema, MIT, see tests/data/SOURCES.md)
validates every query exactly as GitHub would: a misspelt field or a wrong argument is an error here
too, not an answer made up for it. The data served is the part of the schema a catalog crawl reads:
`organization.repositories` (paged by cursor) and `repository(owner, name)` with their metadata,
topics, languages, licence, default branch and its commit history counts, and `object(expression:
"HEAD:path")` blobs and trees; `rateLimit` reports what the query cost, computed as GitHub documents
it (each connection's requests, multiplied by its parents' page sizes, summed, divided by 100,
rounded, at least 1). Fields outside that part resolve to null, or to an error where the schema
says they cannot be null — honest about what the fake does not know.
"""

from __future__ import annotations

import base64
import gzip
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_ast_schema,
    execute_sync,
    parse,
    validate,
)
from graphql.error import GraphQLError
from graphql.language import VariableNode
from graphql.utilities import value_from_ast_untyped

from bot.sandbox.forge.github_shapes import web_root
from bot.sandbox.forge.server import Request, Response
from bot.sandbox.forge.world import FakeRepo, World

SCHEMA_FILE = Path(__file__).parent / "data" / "github-schema.graphql.gz"
POINTS_PER_HOUR = 5_000  # a user token's GraphQL budget on github.com
_schema: GraphQLSchema | None = None
_schema_lock = threading.Lock()
JSON = dict[str, Any]


def schema() -> GraphQLSchema:
    """GitHub's schema, built once (about a second). The published SDL defines two fields of
    `EnterpriseOwnerInfo` twice, hence assume_valid_sdl."""
    global _schema
    with _schema_lock:
        if _schema is None:
            with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as sdl:
                _schema = build_ast_schema(parse(sdl.read()), assume_valid_sdl=True)
        return _schema


def handle(world: World, request: Request) -> Response:
    """POST /graphql {"query", "variables"}: GitHub answers 200 with `errors` for a query it cannot
    run, 401 without a valid token."""
    if request.method != "POST" or request.path != "/graphql":
        return Response(404, {"message": "Not Found"})
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if world.required_token is not None and (
        scheme.lower() not in ("token", "bearer") or token.strip() != world.required_token
    ):
        return Response(401, {"message": "Bad credentials"})
    try:
        body = json.loads(request.body or b"{}")
        document = parse(str(body.get("query") or ""))
    except (ValueError, GraphQLError) as error:
        return Response(200, {"errors": [{"message": f"Parse error: {error}"}]})
    variables = body.get("variables") or {}
    problems = validate(schema(), document)
    if problems:
        return Response(200, {"errors": [{"message": p.message} for p in problems]})
    cost = query_cost(document, variables)
    web = web_root(request.base_url.removesuffix("/api") + "/api/v3")
    with world.lock:
        world.graphql_points_used += cost
        used = world.graphql_points_used
        root = _Root(world, web, cost, used)
        result = execute_sync(schema(), document, root_value=root, variable_values=variables)
    answer: JSON = {"data": result.data}
    if result.errors:
        answer["errors"] = [_error(e) for e in result.errors]
    headers = {
        "x-ratelimit-limit": str(POINTS_PER_HOUR),
        "x-ratelimit-remaining": str(max(POINTS_PER_HOUR - used, 0)),
        "x-ratelimit-used": str(used),
        "x-ratelimit-resource": "graphql",
    }
    return Response(200, answer, headers)


def _error(error: GraphQLError) -> JSON:
    found: JSON = {"message": error.message, "path": error.path}
    if error.original_error is not None and isinstance(error.original_error, LookupError):
        found["type"] = "NOT_FOUND"
    return found


# -- cost, as https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api
def query_cost(document: Any, variables: JSON) -> int:
    """Requests: one per connection, times the page sizes of the connections above it."""
    requests = 0

    def walk(selections: Any, multiplier: int) -> None:
        nonlocal requests
        for selection in selections or ():
            inner = getattr(selection, "selection_set", None)
            size = _page_size(selection, variables) if isinstance(selection, FieldNode) else None
            if size is not None:
                requests += multiplier
            if inner is not None:
                walk(inner.selections, multiplier * (size or 1))

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set.selections, 1)
    return max(1, round(requests / 100))


def _page_size(field: FieldNode, variables: JSON) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last"):
            value = argument.value
            found = variables.get(value.name.value) if isinstance(value, VariableNode) else None
            if not isinstance(value, VariableNode):
                found = value_from_ast_untyped(value)
            return int(found or 0)
    return None


# -- the data ------------------------------------------------------------------------------------
class _Root:
    """The query root: graphql-core's default resolver reads these attributes, calling the callables
    with the field's arguments."""

    def __init__(self, world: World, web: str, cost: int, used: int) -> None:
        self._world, self._web = world, web
        self.rateLimit = lambda info, **_: {
            "cost": cost,
            "limit": POINTS_PER_HOUR,
            "nodeCount": 0,
            "remaining": max(POINTS_PER_HOUR - used, 0),
            "resetAt": _iso(_next_hour(world.now)),
            "used": used,
        }

    def organization(self, info: Any, login: str) -> JSON:
        repos = [r for r in self._world.repos if r.forge == "github" and r.namespace.lower() == login.lower()]
        if not repos and login.lower() not in {o.lower() for o in self._world.github_orgs}:
            raise LookupError(f"Could not resolve to an Organization with the login of '{login}'.")
        return {
            "__typename": "Organization",
            "login": login,
            "repositories": lambda info, first=None, after=None, **_: _connection(
                sorted(repos, key=lambda r: r.id), first, after, lambda r: _repository(r, self._web)
            ),
        }

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> JSON | None:
        found = self._world.find_repo("github", f"{owner}/{name}")
        return _repository(found, self._web) if found is not None else None


def _connection(items: list[Any], first: int | None, after: str | None, node: Any) -> JSON:
    start = int(base64.b64decode(after).decode().split(":")[1]) if after else 0
    page = items[start : start + (first if first is not None else 100)]
    end = start + len(page)
    cursor = base64.b64encode(f"cursor:{end}".encode()).decode()
    return {
        "totalCount": len(items),
        "nodes": [node(item) for item in page],
        "edges": [{"node": node(item)} for item in page],
        "pageInfo": {"hasNextPage": end < len(items), "endCursor": cursor if page else None},
    }


def _repository(repo: FakeRepo, web: str) -> JSON:
    languages = sorted(repo.languages.items(), key=lambda item: -item[1])
    return {
        "__typename": "Repository",
        "id": base64.b64encode(f"010:Repository{repo.id}".encode()).decode(),
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
        "createdAt": _iso(repo.created_at),
        "updatedAt": _iso(repo.updated_at),
        "pushedAt": _iso(repo.pushed_at),
        "stargazerCount": repo.stars,
        "forkCount": repo.forks,
        "watchers": lambda info, **_: {"totalCount": repo.watchers},
        "repositoryTopics": lambda info, first=None, after=None: _connection(
            list(repo.topics), first, after, lambda t: {"topic": {"name": t}}
        ),
        "languages": lambda info, first=None, after=None, **_: {
            **_connection(languages, first, after, lambda item: {"name": item[0]}),
            "edges": [{"size": size, "node": {"name": name}} for name, size in languages[: first or 100]],
            "totalSize": sum(repo.languages.values()),
        },
        "licenseInfo": {"spdxId": repo.license_spdx} if repo.license_spdx else None,
        "defaultBranchRef": None if repo.empty else {"name": repo.default_branch, "target": _commit(repo)},
        "object": lambda info, expression=None, oid=None: _object(repo, expression),
    }


def _commit(repo: FakeRepo) -> JSON:
    """The default branch's head: its history counts commits from the weekly counts (newest last)."""

    def history(info: Any, since: str | None = None, **_: Any) -> JSON:
        weeks = list(repo.weekly_commits)
        if since is not None:
            start = datetime.fromisoformat(since.replace("Z", "+00:00"))
            age = (repo.pushed_at - start) // timedelta(weeks=1) + 1
            weeks = weeks[-age:] if age > 0 else []
        return {"totalCount": sum(weeks)}

    return {"__typename": "Commit", "oid": f"{repo.id:040x}", "history": history}


def _object(repo: FakeRepo, expression: str | None) -> JSON | None:
    """`HEAD:path` (or `BRANCH:path`): a Blob for a file, a Tree for a directory (`HEAD:` the root)."""
    if repo.empty or not expression or ":" not in expression:
        return None
    path = expression.split(":", 1)[1].strip("/")
    if path in repo.files:
        text = repo.files[path]
        return {"__typename": "Blob", "text": text, "byteSize": len(text.encode()), "isBinary": False}
    prefix = f"{path}/" if path else ""
    names: dict[str, str] = {}
    for file in repo.files:
        if file.startswith(prefix):
            head, _, rest = file[len(prefix) :].partition("/")
            names[head] = "tree" if rest else "blob"
    if not names:
        return None
    entries = [{"name": n, "path": prefix + n, "type": kind} for n, kind in sorted(names.items())]
    return {"__typename": "Tree", "entries": entries}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _next_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
