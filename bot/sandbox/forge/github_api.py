"""The fake GitHub REST API (served under /api/v3 by `server.py`), driven by the real PyGithub.

It answers the endpoints the GitHub adapter reads (`github_endpoints.py`, in the shapes of the
`github_*shapes` modules) with GitHub's behaviours that clients must cope with: `Link` pagination,
weak ETags and 304 answers to `If-None-Match`, `x-ratelimit-*` headers (code search counted in its
own bucket), 202 while statistics are computed, 409 for empty repositories, pull requests inside
issue lists, the 1,000-result cap of search, 401 for a bad token. This module routes,
authenticates, and adds ETags and rate headers.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import weakref
from collections.abc import Callable
from urllib.parse import unquote

from bot.sandbox.forge import github_endpoints as endpoints
from bot.sandbox.forge import github_shapes as shapes
from bot.sandbox.forge.server import Request, Response
from bot.sandbox.forge.world import FakeRepo, World

# Requests per window (seconds), as for a token on github.com; code search has its own, smaller one.
_LIMITS = {"core": 5000, "search": 30, "code_search": 10}
_WINDOWS = {"core": 3600, "search": 60, "code_search": 60}

# Per World and resource: (reset of the current window, requests charged in it). The fake only
# reports the limit in headers; exhausting it is simulated with injected faults.
_usage: weakref.WeakKeyDictionary[World, dict[str, tuple[int, int]]] = weakref.WeakKeyDictionary()
_usage_lock = threading.Lock()


def _rate_limit(world: World) -> Response:
    resources = {name: _rate(world, name, charge=False) for name in _LIMITS}
    resources["graphql"] = {"limit": 5000, "remaining": 5000, "reset": _reset("core"), "used": 0}
    return Response(200, {"resources": resources, "rate": resources["core"]})


# -- routing, auth, ETags, rate-limit headers -----------------------------------------------------
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_REPO_ROUTES: list[tuple[re.Pattern[str], Callable[[World, FakeRepo, Request, dict[str, str]], Response]]] = [
    (
        re.compile(_REPO + "$"),
        lambda w, r, q, m: Response(200, shapes.repo_json(w, r, q.base_url, full=True)),
    ),
    (
        re.compile(_REPO + "/languages$"),
        lambda w, r, q, m: Response(200, {} if r.empty else dict(r.languages)),
    ),
    (re.compile(_REPO + "/stats/participation$"), lambda w, r, q, m: endpoints.participation(w, r)),
    (re.compile(_REPO + "/git/trees/(?P<ref>.+)$"), lambda w, r, q, m: endpoints.tree(r, q, m["ref"])),
    (re.compile(_REPO + "/readme$"), lambda w, r, q, m: endpoints.readme(r, q)),
    (
        re.compile(_REPO + "/contents(?:/(?P<path>.*))?$"),
        lambda w, r, q, m: endpoints.contents(r, q, m["path"] or ""),
    ),
    (re.compile(_REPO + "/issues$"), lambda w, r, q, m: endpoints.issues(w, r, q)),
    (re.compile(_REPO + "/issues/comments$"), lambda w, r, q, m: endpoints.issue_comments(w, r, q)),
    (re.compile(_REPO + "/pulls$"), lambda w, r, q, m: endpoints.pulls(w, r, q)),
    (
        re.compile(_REPO + r"/pulls/(?P<n>\d+)/reviews$"),
        lambda w, r, q, m: endpoints.reviews(w, r, q, int(m["n"])),
    ),
]
_ORG_REPOS = re.compile(r"/orgs/(?P<org>[^/]+)/repos$")
_USER = re.compile(r"/users/(?P<login>[^/]+)$")
_USER_BY_ID = re.compile(r"/user/(?P<id>\d+)$")


def _user(world: World, request: Request, login: str) -> Response:
    """GET /users/{login}: the public profile; `email` is null unless the person made it public."""
    user = next((u for u in world.users.values() if u.login.lower() == login.lower()), None)
    if user is None:
        return endpoints.not_found()
    return Response(200, {**shapes.user_json(world, user.login, request.base_url), "name": user.name,
                          "email": user.email})  # fmt: skip


def _user_by_id(world: World, request: Request, user_id: str) -> Response:
    """GET /user/{account_id}: the same public profile, found by the account's id."""
    user = next((u for u in world.users.values() if str(u.id) == user_id), None)
    return _user(world, request, user.login) if user is not None else endpoints.not_found()


def _find_repo(world: World, owner: str, name: str) -> FakeRepo | None:
    return world.github_repo(f"{owner}/{name}")  # case-insensitive, as GitHub


_ISSUE_COMMENTS = re.compile(_REPO + r"/issues/(?P<n>\d+)/comments$")


def _comment(world: World, request: Request, match: re.Match[str]) -> Response:
    """POST /repos/{owner}/{repo}/issues/{number}/comments: 201 with the comment, as GitHub answers."""
    repo = _find_repo(world, unquote(match["owner"]), unquote(match["repo"]))
    issue = next((i for i in repo.issues if i.number == int(match["n"])), None) if repo else None
    body = (request.json() or {}).get("body") if request.body else None
    if repo is None or issue is None:
        return endpoints.not_found()
    if not isinstance(body, str) or not body:
        return endpoints.error(422, "Validation Failed")
    issue.comments.append(body)
    url = f"{request.base_url}/repos/{repo.full_name}/issues/{issue.number}/comments/{world.next_id()}"
    return Response(201, {"id": world.next_id(), "body": body, "url": url})


def _route(world: World, request: Request) -> Response:
    if request.method == "POST" and (match := _ISSUE_COMMENTS.match(request.path)):
        return _comment(world, request, match)
    if request.method not in ("GET", "HEAD"):
        return endpoints.not_found()
    if request.path == "/rate_limit":
        return _rate_limit(world)
    if request.path == "/search/issues":
        return endpoints.search_issues(world, request)
    if request.path == "/search/code":
        return endpoints.search_code(world, request)
    if match := _ORG_REPOS.match(request.path):
        return endpoints.org_repos(world, request, unquote(match["org"]))
    if match := _USER.match(request.path):
        return _user(world, request, unquote(match["login"]))
    if match := _USER_BY_ID.match(request.path):
        return _user_by_id(world, request, match["id"])
    for pattern, endpoint in _REPO_ROUTES:
        if match := pattern.match(request.path):
            repo = _find_repo(world, unquote(match["owner"]), unquote(match["repo"]))
            if repo is None:
                return endpoints.not_found()
            groups = {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
            return endpoint(world, repo, request, groups)
    return endpoints.not_found()


def _authorised(world: World, request: Request) -> bool:
    if world.required_token is None:
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() in ("token", "bearer") and token.strip() == world.required_token


def _reset(resource: str) -> int:
    window = _WINDOWS[resource]
    return (int(time.time()) // window + 1) * window  # epoch seconds, as GitHub sends it


def _rate(world: World, resource: str, *, charge: bool) -> dict[str, int]:
    """The resource's window after this request (a 304 or /rate_limit is not charged)."""
    reset = _reset(resource)
    with _usage_lock:
        windows = _usage.setdefault(world, {})
        window_reset, used = windows.get(resource, (reset, 0))
        used = (used if window_reset == reset else 0) + int(charge)
        windows[resource] = (reset, used)
    limit = _LIMITS[resource]
    return {"limit": limit, "remaining": max(limit - used, 0), "reset": reset, "used": used}


def _resource(path: str) -> str:
    """The rate-limit bucket GitHub charges (its `x-ratelimit-resource` header)."""
    if path == "/search/code":
        return "code_search"
    return "search" if path.startswith("/search/") else "core"


def _etag(response: Response) -> str:
    # The Link header is part of the page: a new last page must invalidate the one before it.
    digest = hashlib.sha256(response.encoded() + response.headers.get("Link", "").encode())
    return f'W/"{digest.hexdigest()[:40]}"'


def handle(world: World, request: Request) -> Response:
    resource = _resource(request.path)
    if not _authorised(world, request):
        response = endpoints.error(401, "Bad credentials")
    else:
        with world.lock:
            response = _route(world, request)
    if response.status == 200 and request.path != "/rate_limit":
        etag = _etag(response)
        sent = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
        response.headers["Vary"] = "Accept, Authorization, Cookie, X-GitHub-OTP"
        if etag in sent or "*" in sent:
            response = Response(304, None, {"ETag": etag, "Vary": response.headers["Vary"]})
    rate = _rate(world, resource, charge=response.status != 304 and request.path != "/rate_limit")
    response.headers.update(
        {
            "x-ratelimit-limit": str(rate["limit"]),
            "x-ratelimit-remaining": str(rate["remaining"]),
            "x-ratelimit-used": str(rate["used"]),
            "x-ratelimit-reset": str(rate["reset"]),
            "x-ratelimit-resource": resource,
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
        }
    )
    return response
