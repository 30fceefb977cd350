"""The fake GitHub GraphQL API (POST /api/graphql, as on Enterprise Server), executing each query
against GitHub's real public schema with graphql-core, over the same World the REST API serves.

The schema (data/github-schema.graphql.gz: octokit/graphql-schema, MIT, see tests/data/SOURCES.md)
validates every query exactly as GitHub would: a misspelt field or a wrong argument is an error here
too, not an answer made up for it. The data served is the part of the schema a catalog crawl reads
(`github_graphql_shapes.py`): `organization.repositories` (paged by cursor) and `repository(owner,
name)` with their metadata, topics, languages, licence, default branch and its commit history
(counts and commits, `since`/`until`), `object(expression: "HEAD:path")` blobs and trees (entries
with their objects); and issue search (`github_graphql_search.py`): pull requests with reviews and
comments, issues with labels and assignees. `rateLimit` reports what the query cost, computed as
GitHub documents it (each connection's requests, multiplied by its parents' page sizes, summed,
divided by 100, rounded, at least 1). Fields outside that part resolve to null, or to an error where
the schema says they cannot be null — honest about what the fake does not know.

A query selecting more `repository` fields than `World.graphql_max_repositories` gets GitHub's
answer to a query that timed out: 502 with an empty body.
"""

from __future__ import annotations

import gzip
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    build_ast_schema,
    execute_sync,
    parse,
    validate,
)
from graphql.error import GraphQLError
from graphql.language import VariableNode
from graphql.utilities import value_from_ast_untyped

from bot.sandbox.forge import github_graphql_search
from bot.sandbox.forge import github_graphql_shapes as shapes
from bot.sandbox.forge.github_shapes import iso, web_root
from bot.sandbox.forge.server import Request, Response
from bot.sandbox.forge.world import World

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
    with world.lock:
        world.graphql_requests += 1
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
    limit = world.graphql_max_repositories
    if limit is not None and repository_fields(document) > limit:
        return Response(502, b"")  # GitHub's answer when a heavy query times out
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


def repository_fields(document: DocumentNode) -> int:
    """How many top-level `repository(owner, name)` fields the operations select, aliases counted."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def count(selections: Any) -> int:
        found = 0
        for selection in selections or ():
            if isinstance(selection, FieldNode):
                found += selection.name.value == "repository"
            elif isinstance(selection, InlineFragmentNode):
                found += count(selection.selection_set.selections)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
                found += count(fragments[selection.name.value].selection_set.selections)
        return found

    return sum(
        count(d.selection_set.selections)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    )


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
            "resetAt": iso(_next_hour(world.now)),
            "used": used,
        }

    def organization(self, info: Any, login: str) -> JSON:
        world = self._world
        repos = [r for r in world.repos if r.forge == "github" and r.namespace.lower() == login.lower()]
        if not repos and login.lower() not in {o.lower() for o in world.github_orgs}:
            raise LookupError(f"Could not resolve to an Organization with the login of '{login}'.")
        return {
            "__typename": "Organization",
            "login": login,
            "repositories": lambda info, first=None, after=None, **_: shapes.connection(
                sorted(repos, key=lambda r: r.id),
                first,
                after,
                lambda r: shapes.repository(r, self._web, world.now),
            ),
        }

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> JSON | None:
        found = self._world.github_repo(f"{owner}/{name}")  # case-insensitive, as GitHub
        return shapes.repository(found, self._web, self._world.now) if found is not None else None

    def search(
        self, info: Any, query: str, type: str, first: int | None = None, after: str | None = None, **_: Any
    ) -> JSON:
        return github_graphql_search.search(self._world, self._web, query, type, first, after)


def _next_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
