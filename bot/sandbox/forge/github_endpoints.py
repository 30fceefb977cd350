"""The fake GitHub's endpoints: one function per REST path, answering from the World.

Each returns a `Response` in GitHub's shape (see the `github_*shapes` modules) with GitHub's
behaviours: `Link` pagination with absolute URLs, 409 for empty repositories, 202 while statistics
are computed, pull requests inside issue lists, and search (issues, code) capped at 1,000 results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import chain
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.forge import github_code_search, github_search
from bot.sandbox.forge import github_git_shapes as git
from bot.sandbox.forge import github_issue_shapes as activity
from bot.sandbox.forge import github_shapes as shapes
from bot.sandbox.forge.server import Request, Response
from bot.sandbox.forge.world import FakePull, FakeRepo, World

_DOCS = "https://docs.github.com/rest"
SEARCH_CAP = 1000  # GitHub search never returns more than the first 1,000 results


def error(status: int, message: str) -> Response:
    return Response(status, {"message": message, "documentation_url": _DOCS, "status": str(status)})


def not_found() -> Response:
    return error(404, "Not Found")


def _empty_repository() -> Response:
    return error(409, "Git Repository is empty.")


# -- pagination -----------------------------------------------------------------------------------
def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _paginate(request: Request, items: Sequence[Any], available: int | None = None) -> tuple[list[Any], str]:
    """One page of `items` and its Link header (absolute URLs, like GitHub's)."""
    per_page = min(max(_int(request.query.get("per_page"), 30), 1), 100)
    page = max(_int(request.query.get("page"), 1), 1)
    total = len(items) if available is None else min(len(items), available)
    last = max((total + per_page - 1) // per_page, 1)

    def url(number: int) -> str:
        return f"{request.base_url}{request.path}?{urlencode({**request.query, 'page': str(number)})}"

    links = []
    if page < last:
        links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
    start = (page - 1) * per_page
    return list(items[start : min(start + per_page, total)]), ", ".join(links)


def _listing(request: Request, items: Sequence[Any], render: Callable[[Any], Any]) -> Response:
    page, link = _paginate(request, items)
    return Response(200, [render(item) for item in page], {"Link": link} if link else {})


# -- endpoints ------------------------------------------------------------------------------------
def org_repos(world: World, request: Request, org: str) -> Response:
    repos = [r for r in world.repos if r.forge == "github" and r.namespace.lower() == org.lower()]
    if not repos and org.lower() not in {o.lower() for o in world.github_orgs}:
        return not_found()
    kind = request.query.get("type", "all")
    if kind == "public":
        repos = [r for r in repos if r.visibility == "public"]
    elif kind == "private":
        repos = [r for r in repos if r.visibility != "public"]
    elif kind in ("forks", "sources"):
        repos = [r for r in repos if r.fork == (kind == "forks")]
    sort = request.query.get("sort", "created")
    keys: dict[str, Callable[[FakeRepo], Any]] = {
        "full_name": lambda r: r.full_name.lower(),
        "updated": lambda r: (r.updated_at, r.id),
        "pushed": lambda r: (r.pushed_at, r.id),
    }
    # GitHub's defaults: sort=created, direction asc for full_name and desc otherwise.
    descending = request.query.get("direction", "asc" if sort == "full_name" else "desc") == "desc"
    repos.sort(key=keys.get(sort, lambda r: (r.created_at, r.id)), reverse=descending)
    return _listing(request, repos, lambda r: shapes.repo_json(world, r, request.base_url))


def participation(world: World, repo: FakeRepo) -> Response:
    if repo.empty:
        return Response(204)
    if world.stats_pending.get(repo.id, 0) > 0:
        world.stats_pending[repo.id] -= 1  # GitHub computes statistics in the background
        return Response(202, {})
    weeks = ([0] * 52 + list(repo.weekly_commits))[-52:]
    return Response(200, {"all": weeks, "owner": [0] * 52})


def tree(repo: FakeRepo, request: Request, ref: str) -> Response:
    if repo.empty:
        return _empty_repository()
    if ref not in (repo.default_branch, "HEAD", git.root_tree_sha(repo)):
        return error(404, "Not Found")
    recursive = request.query.get("recursive", "") not in ("", "0", "false")
    return Response(200, git.tree_json(repo, request.base_url, recursive=recursive))


def readme(repo: FakeRepo, request: Request) -> Response:
    if repo.empty:
        return _empty_repository()
    # GitHub's documented preference: .github/, then the root, then docs/.
    for folder in (".github/", "", "docs/"):
        for path in sorted(repo.files):
            name = path[len(folder) :]
            if path.startswith(folder) and "/" not in name and name.lower().startswith("readme"):
                return Response(200, git.content_file_json(repo, path, request.base_url))
    return not_found()


def contents(repo: FakeRepo, request: Request, path: str) -> Response:
    if repo.empty:
        return _empty_repository()
    path = path.strip("/")
    if path in repo.files:
        return Response(200, git.content_file_json(repo, path, request.base_url))
    if path == "" or path in git.directories(repo):
        return Response(200, git.directory_json(repo, path, request.base_url))
    return not_found()


def _since(request: Request) -> datetime | None:
    value = request.query.get("since")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def issues(world: World, repo: FakeRepo, request: Request) -> Response:
    state = request.query.get("state", "open")
    wanted = {n.strip().lower() for n in request.query.get("labels", "").split(",") if n.strip()}
    since = _since(request)
    # GitHub's issue lists include pull requests (state "closed" covers merged ones).
    items: list[github_search.Item] = [
        item
        for item in chain[github_search.Item](repo.issues, repo.pulls)
        if (state == "all" or (item.state == "open") == (state == "open"))
        and wanted <= {n.lower() for n in item.labels}
    ]
    if since is not None:
        items = [item for item in items if item.updated_at >= since]
    sort = request.query.get("sort", "created")
    key = github_search.sort_key(sort)
    items.sort(
        key=lambda item: (key(item), item.number), reverse=request.query.get("direction", "desc") == "desc"
    )

    def render(item: Any) -> Any:
        if isinstance(item, FakePull):
            return activity.pull_as_issue_json(world, repo, item, request.base_url)
        return activity.issue_json(world, repo, item, request.base_url)

    return _listing(request, items, render)


def pulls(world: World, repo: FakeRepo, request: Request) -> Response:
    state = request.query.get("state", "open")
    pulls = [p for p in repo.pulls if state == "all" or (p.state == "open") == (state == "open")]
    sort = request.query.get("sort", "created")
    # GitHub: direction defaults to desc for sort=created, asc otherwise.
    descending = request.query.get("direction", "desc" if sort == "created" else "asc") == "desc"
    key = github_search.sort_key(sort)
    pulls.sort(key=lambda p: (key(p), p.number), reverse=descending)
    return _listing(request, pulls, lambda p: activity.pull_json(world, repo, p, request.base_url))


def issue_comments(world: World, repo: FakeRepo, request: Request) -> Response:
    """GET /repos/{owner}/{repo}/issues/comments: comments on the repository's issues and pull requests
    (the fake holds them on pull requests only), by ascending id unless `sort` says otherwise."""
    since = _since(request)
    found = [
        (pull, comment)
        for pull in repo.pulls
        for comment in pull.comments
        if since is None or comment.created_at >= since  # a comment's updated_at is its created_at here
    ]
    sort = request.query.get("sort")
    if sort in ("created", "updated"):
        descending = request.query.get("direction", "desc") == "desc"
        found.sort(key=lambda pc: (pc[1].created_at, pc[1].id), reverse=descending)
    else:
        found.sort(key=lambda pc: pc[1].id)
    return _listing(
        request, found, lambda pc: activity.comment_json(world, repo, pc[0], pc[1], request.base_url)
    )


def reviews(world: World, repo: FakeRepo, request: Request, number: int) -> Response:
    pull = next((p for p in repo.pulls if p.number == number), None)
    if pull is None:
        return not_found()
    reviews = sorted(pull.reviews, key=lambda r: r.id)
    return _listing(request, reviews, lambda r: activity.review_json(world, repo, pull, r, request.base_url))


def search_issues(world: World, request: Request) -> Response:
    try:
        query = github_search.parse(request.query.get("q", ""))
    except github_search.QueryError as exc:
        return error(422, f"Validation Failed: {exc}")
    matches: list[tuple[FakeRepo, Any]] = [
        (repo, item)
        for repo in world.repos
        if repo.forge == "github"
        for item in chain[github_search.Item](repo.issues, repo.pulls)
        if query.matches(repo, item)
    ]
    key = github_search.sort_key(request.query.get("sort", "created"))
    descending = request.query.get("order", "desc") == "desc"
    matches.sort(key=lambda pair: (key(pair[1]), pair[1].id), reverse=descending)

    def render(pair: tuple[FakeRepo, Any]) -> Any:
        repo, item = pair
        shape = activity.pull_as_issue_json if isinstance(item, FakePull) else activity.issue_json
        return {**shape(world, repo, item, request.base_url), "score": 1.0}

    return _search_results(request, matches, render, {"search_type": "lexical"})


def search_code(world: World, request: Request) -> Response:
    try:
        query = github_code_search.parse(request.query.get("q", ""))
    except github_code_search.QueryError as exc:
        return error(422, f"Validation Failed: {exc}")

    def render(pair: tuple[FakeRepo, str]) -> Any:
        return github_code_search.item_json(world, pair[0], pair[1], request.base_url)

    return _search_results(request, github_code_search.search(world, query), render)


def _search_results(
    request: Request,
    matches: Sequence[Any],
    render: Callable[[Any], Any],
    extra: dict[str, Any] | None = None,
) -> Response:
    """A page of search results: total_count tells all matches, but pages end at the 1,000th."""
    per_page = min(max(_int(request.query.get("per_page"), 30), 1), 100)
    if (max(_int(request.query.get("page"), 1), 1) - 1) * per_page >= SEARCH_CAP:
        return error(422, "Only the first 1000 search results are available")
    page, link = _paginate(request, matches, available=SEARCH_CAP)
    body = {
        "total_count": len(matches),
        "incomplete_results": False,
        "items": [render(match) for match in page],
        **(extra or {}),
    }
    return Response(200, body, {"Link": link} if link else {})
