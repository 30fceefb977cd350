"""The fake forge's GitLab REST v4 API: routing, auth, offset pagination and rate-limit headers.

Serves the World's `forge == "gitlab"` repositories as projects of their group full paths. Only
the endpoints the adapter (and python-gitlab beneath it) uses exist; object shapes live in
`gitlab_shapes.py`. Path parameters arrive URL-encoded ("platform%2Fsecurity"), as GitLab requires.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any, TypeVar
from urllib.parse import parse_qs, unquote, urlencode

from bot.sandbox.forge import gitlab_shapes as shapes
from bot.sandbox.forge.server import Request, Response
from bot.sandbox.forge.world import FakeComment, FakeIssue, FakePull, FakeRepo, FakeUser, World

T = TypeVar("T")
RATE_LIMIT = 2000  # requests a minute, as gitlab.com's authenticated API limit


class _Error(Exception):
    """Ends a request early with GitLab's error shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.response = Response(status, {"message": message})


def handle(world: World, request: Request) -> Response:
    try:
        _authenticate(world, request)
        if request.method == "POST":
            response = _post(world, request)
        elif request.method not in ("GET", "HEAD"):
            raise _Error(405, "405 Method Not Allowed")
        else:
            response = _route(world, request)
    except _Error as err:
        response = err.response
    response.headers.update(_rate_limit_headers(world))
    return response


def _authenticate(world: World, request: Request) -> None:
    if world.required_token is None:
        return
    sent = request.headers.get("private-token") or request.headers.get("authorization", "").removeprefix(
        "Bearer "
    )
    if sent != world.required_token:
        raise _Error(401, "401 Unauthorized")


def _rate_limit_headers(world: World) -> dict[str, str]:
    """GitLab sends these on every API answer; reset is wall-clock epoch seconds, like GitLab's."""
    with world.lock:
        observed = len(world.log) % RATE_LIMIT + 1
    reset = int(time.time()) + 60
    return {
        "RateLimit-Limit": str(RATE_LIMIT),
        "RateLimit-Observed": str(observed),
        "RateLimit-Remaining": str(RATE_LIMIT - observed),
        "RateLimit-Reset": str(reset),
        "RateLimit-ResetTime": formatdate(reset, usegmt=True),
    }


def _route(world: World, request: Request) -> Response:
    parts = [unquote(p) for p in request.path.strip("/").split("/")]
    match parts:
        case ["users"]:  # ?username=: at most one; public_email as GitLab shows it (null when hidden)
            wanted = request.query.get("username", "").lower()
            found = [u for u in world.users.values() if u.login.lower() == wanted]
            return Response(200, [_user(world, u, request) for u in found])
        case ["users", uid]:
            user = next((u for u in world.users.values() if str(u.id) == uid), None)
            if user is None:
                raise _Error(404, "404 User Not Found")
            return Response(200, _user(world, user, request))
        case ["groups", gid]:
            return Response(200, shapes.group(_group(world, gid), request.base_url))
        case ["groups", gid, "projects"]:
            return _group_projects(world, request, _group(world, gid))
        case ["groups", gid, "issues"]:
            return _group_issues(world, request, _group(world, gid))
        case ["groups", gid, "merge_requests"]:
            return _group_merge_requests(world, request, _group(world, gid))
        case ["projects", pid]:
            return Response(200, shapes.project(_project(world, pid), request.base_url))
        case ["projects", pid, "languages"]:
            return Response(200, shapes.languages(_project(world, pid)))
        case ["projects", pid, "repository", "tree"]:
            return _tree(request, _project(world, pid))
        case ["projects", pid, "repository", "files", file_path, "raw"]:
            return _raw_file(request, _project(world, pid), file_path)
        case ["projects", pid, "repository", "commits"]:
            return _commits(world, request, _project(world, pid))
        case ["projects", pid, "issues"]:
            repo = _project(world, pid)
            return _issues(world, request, [(repo, i) for i in list(repo.issues)])
        case ["projects", pid, "merge_requests"]:
            repo = _project(world, pid)
            return _merge_requests(world, request, [(repo, p) for p in list(repo.pulls)])
        case ["projects", pid, "merge_requests", iid, "approvals"]:
            repo, pull = _merge_request(world, pid, iid)
            return Response(200, shapes.approvals(world, repo, pull, request.base_url))
        case ["projects", pid, "merge_requests", iid, "notes"]:
            repo, pull = _merge_request(world, pid, iid)
            keys: dict[str, Callable[[FakeComment], Any]] = {
                "created_at": lambda c: (c.created_at, c.id),
                "updated_at": lambda c: (c.created_at, c.id),
            }
            notes = _ordered(request, list(pull.comments), keys, "created_at")
            return _paginate(request, [shapes.note(world, repo, pull, c, request.base_url) for c in notes])
    raise _Error(404, "404 Not Found")


def _merge_request(world: World, pid: str, iid: str) -> tuple[FakeRepo, FakePull]:
    repo = _project(world, pid)
    pull = next((p for p in list(repo.pulls) if str(p.number) == iid), None)
    if pull is None:
        raise _Error(404, "404 Not found")
    return repo, pull


def _user(world: World, user: FakeUser, request: Request) -> dict[str, object]:
    return {**shapes.user(world, user.login, request.base_url), "public_email": user.email}


def _post(world: World, request: Request) -> Response:
    """POST /projects/:id/issues/:iid/notes: 201 with the note, as GitLab answers."""
    match [unquote(p) for p in request.path.strip("/").split("/")]:
        case ["projects", pid, "issues", iid, "notes"]:
            repo = _project(world, pid)
            issue = next((i for i in list(repo.issues) if str(i.number) == iid), None)
            if issue is None:
                raise _Error(404, "404 Issue Not Found")
            body = _form_or_json(request).get("body")
            if not isinstance(body, str) or not body:
                raise _Error(400, "body is missing")
            issue.comments.append(body)
            return Response(201, {"id": world.next_id(), "body": body, "noteable_iid": issue.number})
    raise _Error(405, "405 Method Not Allowed")


def _form_or_json(request: Request) -> dict[str, Any]:
    if "json" in request.headers.get("content-type", ""):
        data = request.json()
        return data if isinstance(data, dict) else {}
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


# -- lookups ----------------------------------------------------------------------------------
def _known_groups(world: World) -> set[str]:
    """Configured groups plus every namespace (and ancestor) a GitLab project lives in."""
    with world.lock:
        known = set(world.gitlab_groups)
        for repo in world.repos:
            if repo.forge == "gitlab":
                segments = repo.namespace.split("/")
                known.update("/".join(segments[: i + 1]) for i in range(len(segments)))
    return known


def _group(world: World, gid: str) -> str:
    for path in _known_groups(world):
        if gid == path or gid == str(shapes.stable_id(path, 5_000_000)):
            return path
    raise _Error(404, "404 Group Not Found")


def _project(world: World, pid: str) -> FakeRepo:
    repo = world.find_repo("gitlab", pid)
    if repo is None:
        raise _Error(404, "404 Project Not Found")
    return repo


# -- query parameters -------------------------------------------------------------------------
def _flag(request: Request, name: str, default: bool = False) -> bool:
    value = request.query.get(name)
    return default if value is None else value.lower() in ("true", "1", "yes")


def _time(request: Request, name: str) -> datetime | None:
    value = request.query.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Error(400, f"{name} is invalid") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _ordered(request: Request, items: list[T], keys: dict[str, Callable[[T], Any]], default: str) -> list[T]:
    key = keys.get(request.query.get("order_by", default), keys[default])
    return sorted(items, key=key, reverse=request.query.get("sort", "desc") != "asc")


def _paginate(request: Request, items: Sequence[Any]) -> Response:
    """GitLab's offset pagination: X-* headers and a Link header with absolute URLs."""
    try:
        per_page = min(max(int(request.query.get("per_page", "20")), 1), 100)
        page = max(int(request.query.get("page", "1")), 1)
    except ValueError:
        raise _Error(400, "per_page or page is invalid") from None
    pages = max(math.ceil(len(items) / per_page), 1)

    def url(number: int) -> str:
        query = {**request.query, "page": str(number), "per_page": str(per_page)}
        return f"{request.base_url}{request.path}?{urlencode(query)}"

    links = []
    if page > 1:
        links.append((url(page - 1), "prev"))
    if page < pages:
        links.append((url(page + 1), "next"))
    links += [(url(1), "first"), (url(pages), "last")]
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": str(page + 1) if page < pages else "",
        "X-Prev-Page": str(page - 1) if page > 1 else "",
        "X-Total": str(len(items)),
        "X-Total-Pages": str(pages),
        "Link": ", ".join(f'<{u}>; rel="{rel}"' for u, rel in links),
    }
    return Response(200, list(items[(page - 1) * per_page : page * per_page]), headers)


# -- endpoints --------------------------------------------------------------------------------
def _group_projects(world: World, request: Request, path: str) -> Response:
    repos = world.repos_of("gitlab", path, include_subgroups=_flag(request, "include_subgroups"))
    if "archived" in request.query:
        repos = [r for r in repos if r.archived == _flag(request, "archived")]
    keys: dict[str, Callable[[FakeRepo], Any]] = {
        "id": lambda r: r.id,
        "created_at": lambda r: (r.created_at, r.id),
        "last_activity_at": lambda r: (shapes.last_activity(r), r.id),
        "name": lambda r: (r.name, r.id),
        "path": lambda r: (r.name, r.id),
    }
    ordered = _ordered(request, repos, keys, "created_at")
    return _paginate(request, [shapes.project(r, request.base_url) for r in ordered])


def _group_issues(world: World, request: Request, path: str) -> Response:
    repos = world.repos_of("gitlab", path, include_subgroups=True)
    if _flag(request, "non_archived", default=True):  # GitLab leaves archived projects out by default
        repos = [r for r in repos if not r.archived]
    return _issues(world, request, [(r, i) for r in repos for i in list(r.issues)])


def _issues(world: World, request: Request, found: list[tuple[FakeRepo, FakeIssue]]) -> Response:
    state = request.query.get("state", "all")
    if state in ("opened", "closed"):
        found = [(r, i) for r, i in found if (i.state == "open") == (state == "opened")]
    # labels= means *all* of them, each matched exactly (case-sensitively) as GitLab matches titles.
    wanted = [w for w in request.query.get("labels", "").split(",") if w]
    found = [(r, i) for r, i in found if all(w in i.labels for w in wanted)]
    found = _window(request, found, lambda i: i[1].updated_at, lambda i: i[1].created_at)
    keys: dict[str, Callable[[tuple[FakeRepo, FakeIssue]], Any]] = {
        "created_at": lambda ri: (ri[1].created_at, ri[1].id),
        "updated_at": lambda ri: (ri[1].updated_at, ri[1].id),
    }
    ordered = _ordered(request, found, keys, "created_at")
    return _paginate(request, [shapes.issue(world, r, i, request.base_url) for r, i in ordered])


def _window(
    request: Request, items: list[T], updated: Callable[[T], datetime], created: Callable[[T], datetime]
) -> list[T]:
    """updated_after/updated_before/created_after/created_before, inclusive as GitLab's are."""
    bounds = [
        (_time(request, n), f, n.endswith("after"))
        for n, f in (
            ("updated_after", updated),
            ("updated_before", updated),
            ("created_after", created),
            ("created_before", created),
        )
    ]
    for at, field, after in bounds:
        if at is not None:
            items = [x for x in items if (field(x) >= at if after else field(x) <= at)]
    return items


_MR_SCOPES = {"all", "created_by_me", "assigned_to_me", "reviews_for_me", "created-by-me", "assigned-to-me"}
_MR_STATES = {"all", "opened", "closed", "locked", "merged"}


def _group_merge_requests(world: World, request: Request, path: str) -> Response:
    """GET /groups/:id/merge_requests: the group's and its subgroups' projects (never projects shared
    into the group), archived ones only with `non_archived=false`, as GitLab's finder answers."""
    scope = request.query.get("scope", "all")  # no default on the group endpoint: every MR
    if scope not in _MR_SCOPES:
        raise _Error(400, "scope does not have a valid value")
    repos = world.repos_of("gitlab", path, include_subgroups=True)
    if _flag(request, "non_archived", default=True):
        repos = [r for r in repos if not r.archived]
    if scope != "all":  # the fake's token is nobody's: nothing is by, for or assigned to it
        repos = []
    return _merge_requests(world, request, [(r, p) for r in repos for p in list(r.pulls)])


def _merge_requests(world: World, request: Request, found: list[tuple[FakeRepo, FakePull]]) -> Response:
    state = request.query.get("state", "all")
    if state not in _MR_STATES:
        raise _Error(400, "state does not have a valid value")
    if state != "all":
        found = [(r, p) for r, p in found if {"open": "opened"}.get(p.state, p.state) == state]
    found = _window(request, found, lambda rp: rp[1].updated_at, lambda rp: rp[1].created_at)
    keys: dict[str, Callable[[tuple[FakeRepo, FakePull]], Any]] = {
        "created_at": lambda rp: (rp[1].created_at, rp[1].id),
        "updated_at": lambda rp: (rp[1].updated_at, rp[1].id),
        "merged_at": lambda rp: (rp[1].merged_at or rp[1].created_at, rp[1].id),
    }
    ordered = _ordered(request, found, keys, "created_at")
    return _paginate(request, [shapes.merge_request(world, r, p, request.base_url) for r, p in ordered])


def _check_ref(request: Request, repo: FakeRepo, name: str, message: str) -> None:
    ref = request.query.get(name)
    if repo.empty or (ref and ref not in (repo.default_branch, "HEAD")):
        raise _Error(404, message)


def _tree(request: Request, repo: FakeRepo) -> Response:
    _check_ref(request, repo, "ref", "404 Tree Not Found")  # empty repositories have no tree
    entries = shapes.tree(repo, request.query.get("path", ""), _flag(request, "recursive"))
    if entries is None:
        raise _Error(404, "404 Tree Not Found")
    return _paginate(request, entries)


def _raw_file(request: Request, repo: FakeRepo, file_path: str) -> Response:
    _check_ref(request, repo, "ref", "404 Commit Not Found")
    text = repo.files.get(file_path)
    if text is None:
        raise _Error(404, "404 File Not Found")
    return Response(200, text.encode(), {"Content-Type": "text/plain; charset=utf-8"})


def _commits(world: World, request: Request, repo: FakeRepo) -> Response:
    if repo.empty:
        return _paginate(request, [])
    _check_ref(request, repo, "ref_name", "404 Commit Not Found")
    since, until = _time(request, "since"), _time(request, "until")
    return _paginate(request, list(shapes.commits(repo, world.now, since, until)))
