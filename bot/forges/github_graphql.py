"""GitHub's GraphQL API for the crawl: repositories read dozens per query, their files, and the
organisation's pull requests through search. `github.py` turns what these return into RepoDetails.

Why GraphQL: REST costs about six requests per repository (metadata, languages, statistics, tree,
files, pull requests), 280,000 requests for a 50,000-repository organisation, 56 hours of one token's
budget. A GraphQL query charges points: one per hundred connection pages it may read, at least one
per query (`rateLimit { cost }` says what was charged). One query reads `batch` repositories' metadata,
languages, the folders the readiness checklist looks in (`object(expression: "HEAD:…")`) and a year
of commit dates; a second reads the files those folders showed; pull requests with their reviews and
comments come from one organisation-wide search of those updated in the window, a hundred per page.

Limits obeyed: the GraphQL budget (`rateLimit.remaining`, tracked apart from REST's), secondary limits
(403/429 with Retry-After), and GitHub's per-query timeout: a query answered 502/504, or with
GitHub's "timeout" error, is split in halves and retried, down to a single repository, so a large
organisation never fails where a small one succeeds.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from bot.forges.base import (
    PARTICIPATION_WEEKS,
    WEEK,
    ForgeError,
    RateLimited,
    RepoSummary,
    weekly_counts,
)
from bot.forges.github_records import parse_time
from bot.forges.github_transport import Transport, rate_limit_wait

log = logging.getLogger(__name__)

BATCH = 100  # repositories per query at first; halved for the rest of the crawl when one times out
TRUNCATED = "\x00truncated"  # read_texts' mark for a file GraphQL cut short
SEARCH_LAG = timedelta(minutes=10)  # how far GitHub's search index may trail: see GitHubForge._prepared
_POINTS_MARGIN = 25  # stop (or wait for the reset) before the budget runs this low
_SECONDARY_RETRIES = 3
_BUSY_WEEKS_PER_QUERY = 25  # repositories per query when counting busy ones week by week (52 counts each)
_TIMEOUT_HINTS = ("timeout", "timed out", "something went wrong")
_RATE = "rateLimit { cost remaining resetAt }"
_ACTOR = "author { login __typename }"
_I = TypeVar("_I")
_O = TypeVar("_O")
JSON = Mapping[str, Any]


def graphql_url(api_url: str) -> str:
    """https://api.github.com → …/graphql; Enterprise Server's https://host/api/v3 → https://host/api/graphql."""
    api = api_url.rstrip("/")
    return api.removesuffix("/v3") + "/graphql" if api.endswith("/api/v3") else api + "/graphql"


def _full_name(summary: RepoSummary) -> str:
    return summary.full_name


def _literal(text: str) -> str:
    """A GraphQL string literal (JSON's escapes are GraphQL's)."""
    return json.dumps(text)


class TooHeavy(ForgeError):
    """GitHub gave up on the query (502/504, a timeout): the same work must be asked for in parts."""


class GraphQL:
    """Sends queries, charges their points, and keeps within the GraphQL budget."""

    def __init__(
        self,
        http: Transport,
        url: str,
        *,
        max_rate_limit_wait: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http, self._url = http, url
        self._max_wait = max_rate_limit_wait
        self._sleep = sleep
        self._lock = threading.Lock()
        self.remaining: int | None = None  # points left, from the last answer
        self.reset_at: datetime | None = None

    def run(self, query: str, variables: Mapping[str, Any] | None = None) -> tuple[JSON, list[JSON]]:
        """(data, errors) of one query. Raises TooHeavy, RateLimited or ForgeError; errors that name
        a path (e.g. one repository not found) come back for the caller to place."""
        for attempt in range(_SECONDARY_RETRIES + 1):
            self._wait_for_budget()
            reply = self._http.post(self._url, {"query": query, "variables": dict(variables or {})})
            if reply.status in (403, 429):
                wait = rate_limit_wait(reply.headers, time.time())
                if wait is None and "rate limit" in _message(reply.data).lower():
                    wait = rate_limit_wait({"retry-after": "60"}, time.time())  # GitHub: wait a minute
                if wait is None:
                    raise ForgeError(f"GitHub GraphQL: {reply.status} {_message(reply.data)}".strip())
                if wait[0] > self._max_wait or attempt == _SECONDARY_RETRIES:
                    raise RateLimited(f"GitHub GraphQL: rate limited for {wait[0]:.0f}s", wait[1])
                self._sleep(wait[0])
                continue
            break
        if reply.status in (502, 503, 504):
            self._http.charge(1)  # what a query GitHub gave up on costs is not said: assume one
            raise TooHeavy(f"GraphQL answered {reply.status}")
        if reply.status == 401:
            raise ForgeError("GitHub GraphQL: 401 Bad credentials (check GITHUB_TOKEN)")
        if reply.status != 200 or not isinstance(reply.data, Mapping):
            raise ForgeError(
                f"GitHub GraphQL: unexpected {reply.status} answer {_message(reply.data)}".strip()
            )
        found = reply.data.get("data")
        data: JSON = found if isinstance(found, Mapping) else {}
        errors = [e for e in reply.data.get("errors") or () if isinstance(e, Mapping)]
        self._account(data.get("rateLimit"))
        if errors and not any(key != "rateLimit" and data.get(key) is not None for key in data):
            messages = "; ".join(str(e.get("message") or "") for e in errors)[:300]
            if any(e.get("type") == "RATE_LIMITED" for e in errors):
                raise RateLimited(f"GitHub GraphQL: {messages}", self.reset_at)
            if any(hint in messages.lower() for hint in _TIMEOUT_HINTS):
                raise TooHeavy(messages)
            if not any(isinstance(e.get("path"), list) and e["path"] for e in errors):
                raise ForgeError(f"GitHub GraphQL: {messages}")
        return data, errors

    def _account(self, rate: object) -> None:
        cost = rate.get("cost") if isinstance(rate, Mapping) else None
        self._http.charge(int(cost) if isinstance(cost, int) else 1)
        if isinstance(rate, Mapping) and isinstance(rate.get("remaining"), int):
            with self._lock:
                self.remaining = int(rate["remaining"])
                self.reset_at = parse_time(rate.get("resetAt"))

    def _wait_for_budget(self) -> None:
        """Obey the budget before GitHub has to refuse: wait for the reset when it is near, or raise
        RateLimited when that is further away than `max_rate_limit_wait` (the crawl then says when
        to come back)."""
        with self._lock:
            remaining, reset_at = self.remaining, self.reset_at
        if remaining is None or remaining > _POINTS_MARGIN or reset_at is None:
            return
        wait = (reset_at - datetime.now(UTC)).total_seconds() + 1
        if wait <= 0:
            return
        if wait > self._max_wait:
            raise RateLimited(f"GitHub GraphQL: {remaining} points left until {reset_at:%H:%M} UTC", reset_at)
        log.info("github graphql budget low (%d points): waiting %.0fs for the reset", remaining, wait)
        self._sleep(wait)
        with self._lock:
            self.remaining = None


def _mapping(value: object) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _message(data: object) -> str:
    return str(data.get("message") or "") if isinstance(data, Mapping) else ""


def _alias_errors(errors: list[JSON]) -> dict[str, str]:
    """First error message per top-level alias (e.g. a repository renamed since it was listed)."""
    found: dict[str, str] = {}
    for error in errors:
        path = error.get("path")
        if isinstance(path, list) and path and isinstance(path[0], str):
            found.setdefault(path[0], str(error.get("message") or "error"))
    return found


# -- reading in batches that split when GitHub gives up --------------------------------------------
class Batches:
    """Runs per-item query parts in batches; a batch GitHub gives up on is halved, down to one item.

    The size halves for the rest of the run after a timeout: the next batches start small rather
    than time out again.
    """

    def __init__(self, size: int = BATCH) -> None:
        self.size = self.initial = max(1, size)
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Back to the first size: called once per crawl, so one bad hour does not cost every later crawl."""
        with self._lock:
            self.size = self.initial

    def run(
        self,
        items: Sequence[_I],
        send: Callable[[Sequence[_I]], list[_O | ForgeError]],
        name: Callable[[_I], str],
    ) -> list[_O | ForgeError]:
        """`send(part)` answers one result per item; this calls it on parts of at most `size`.
        `name(item)` names the repository in the error when GitHub gives up on it alone."""
        results: list[_O | ForgeError] = []
        start = 0
        while start < len(items):
            part = items[start : start + self.size]
            results += self._attempt(part, send, name)
            start += len(part)
        return results

    def _attempt(
        self,
        part: Sequence[_I],
        send: Callable[[Sequence[_I]], list[_O | ForgeError]],
        name: Callable[[_I], str],
    ) -> list[_O | ForgeError]:
        try:
            return send(part)
        except TooHeavy as exc:
            if len(part) == 1:
                return [ForgeError(f"GitHub GraphQL {name(part[0])}: gave up on it even alone ({exc})")]
            with self._lock:
                self.size = max(1, min(self.size, len(part) // 2))
            log.info(
                "github graphql query too heavy (%s): %d repositories per query from now", exc, self.size
            )
            middle = len(part) // 2
            return self._attempt(part[:middle], send, name) + self._attempt(part[middle:], send, name)


# -- repositories -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepoRead:
    """What the batched query learnt of one repository."""

    subscribers: int
    languages: dict[str, float]
    paths: tuple[str, ...]  # files in the root, docs/, .github/ and .github/*/ (what the checklist reads)
    weekly_commits: tuple[int, ...]  # PARTICIPATION_WEEKS counts, oldest first


_HISTORY = "history(first: 100, since: $since) { pageInfo { hasNextPage } nodes { committedDate } }"
_CONTENT = """
  languages(first: 100, orderBy: {field: SIZE, direction: DESC}) { edges { size node { name } } }
  root: object(expression: "HEAD:") { ... on Tree { entries { path type } } }
  dotgithub: object(expression: "HEAD:.github") {
    ... on Tree { entries { path type object { ... on Tree { entries { path type } } } } }
  }
  docs: object(expression: "HEAD:docs") { ... on Tree { entries { path type } } }"""
_COMMITS = f"""
  defaultBranchRef {{ target {{ ... on Commit {{ {_HISTORY} }} }} }}"""


def _content(summary: RepoSummary, since: datetime) -> str:
    """What to ask of a repository besides its subscribers: nothing for an empty one, no commit
    history for one not pushed to within the year (its weeks are idle)."""
    if summary.empty:
        return ""
    return _CONTENT + (_COMMITS if summary.pushed_at >= since else "")


def _repository(alias: str, full_name: str, body: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"{alias}: repository(owner: {_literal(owner)}, name: {_literal(name)}) {{ {body} }}"


def read_repositories(
    client: GraphQL, batches: Batches, summaries: Sequence[RepoSummary], now: datetime
) -> list[RepoRead | ForgeError]:
    """One RepoRead (or the reason it failed) per summary, in order."""
    since = now - PARTICIPATION_WEEKS * WEEK

    def send(part: Sequence[RepoSummary]) -> list[RepoRead | ForgeError]:
        fields = [
            _repository(f"r{i}", s.full_name, "databaseId watchers { totalCount }" + _content(s, since))
            for i, s in enumerate(part)
        ]
        uses_since = any(_HISTORY in _content(s, since) for s in part)
        head = "query Repositories($since: GitTimestamp!)" if uses_since else "query Repositories"
        query = f"{head} {{ {_RATE}\n" + "\n".join(fields) + "\n}"
        data, errors = client.run(query, {"since": _stamp(since)} if uses_since else None)
        problems = _alias_errors(errors)
        results: list[RepoRead | ForgeError] = []
        for i, summary in enumerate(part):
            node = data.get(f"r{i}")
            # A field that failed inside it comes back null: stored, it would read as "nothing there".
            if not isinstance(node, Mapping) or f"r{i}" in problems:
                reason = problems.get(f"r{i}", "not found (renamed, deleted or hidden since it was listed)")
                results.append(ForgeError(f"GitHub GraphQL {summary.full_name}: {reason}"))
                continue
            results.append(_repo_read(node, now))
        return results

    reads = batches.run(summaries, send, _full_name)
    busy = [(i, s) for i, (s, r) in enumerate(zip(summaries, reads, strict=True)) if isinstance(r, _Busy)]
    if busy:
        counted = _weekly_counts_of_busy(client, [s for _, s in busy], now)
        for (i, summary), weeks in zip(busy, counted, strict=True):
            read = reads[i]
            assert isinstance(read, RepoRead)
            if isinstance(weeks, ForgeError):  # unknown, not a failed repository (REST's 202 is the same)
                log.warning("github weekly commits not counted: repo=%s: %s", summary.full_name, weeks)
            reads[i] = _plain(read, () if isinstance(weeks, ForgeError) else weeks)
    return reads


class _Busy(RepoRead):
    """A repository with more than a page of commits in the year: its weeks are counted one by one."""


def _plain(read: RepoRead, weeks: tuple[int, ...]) -> RepoRead:
    return RepoRead(read.subscribers, read.languages, read.paths, weeks)


def _repo_read(node: JSON, now: datetime) -> RepoRead:
    languages = {
        str(edge["node"]["name"]): float(edge["size"])
        for edge in (node.get("languages") or {}).get("edges") or ()
        if isinstance(edge, Mapping) and isinstance(edge.get("node"), Mapping)
    }
    paths = [*_blobs(node.get("root")), *_blobs(node.get("docs")), *_blobs(node.get("dotgithub"))]
    for entry in _entries(node.get("dotgithub")):
        paths += _blobs(entry.get("object"))
    target = (node.get("defaultBranchRef") or {}).get("target") or {}
    history = target.get("history") if isinstance(target, Mapping) else None
    history = history if isinstance(history, Mapping) else {}
    times = [parse_time(n.get("committedDate")) for n in history.get("nodes") or () if isinstance(n, Mapping)]
    weeks = weekly_counts((t for t in times if t is not None), now)
    watchers = _mapping(node.get("watchers"))
    kind = _Busy if (history.get("pageInfo") or {}).get("hasNextPage") else RepoRead
    return kind(int(watchers.get("totalCount") or 0), languages, tuple(paths), weeks)


def _entries(tree: object) -> list[JSON]:
    entries = tree.get("entries") if isinstance(tree, Mapping) else None
    return [e for e in entries or () if isinstance(e, Mapping)]


def _blobs(tree: object) -> list[str]:
    return [str(e["path"]) for e in _entries(tree) if e.get("type") == "blob" and e.get("path")]


def _weekly_counts_of_busy(
    client: GraphQL, summaries: Sequence[RepoSummary], now: datetime
) -> list[tuple[int, ...] | ForgeError]:
    """Commits per week counted by GitHub (`history(since, until) { totalCount }`, one per week)
    rather than paged through: exact for a repository with thousands of commits a year."""
    windows = [
        (now - (PARTICIPATION_WEEKS - i) * WEEK, now - (PARTICIPATION_WEEKS - 1 - i) * WEEK)
        for i in range(PARTICIPATION_WEEKS)
    ]
    weeks = " ".join(
        f"w{i}: history(since: {_literal(_stamp(a))}, until: {_literal(_stamp(b))}) {{ totalCount }}"
        for i, (a, b) in enumerate(windows)
    )
    body = f"defaultBranchRef {{ target {{ ... on Commit {{ {weeks} }} }} }}"

    def send(part: Sequence[RepoSummary]) -> list[tuple[int, ...] | ForgeError]:
        fields = "\n".join(_repository(f"r{i}", s.full_name, body) for i, s in enumerate(part))
        data, _ = client.run(f"query WeeklyCommits {{ {_RATE}\n{fields}\n}}")
        out: list[tuple[int, ...] | ForgeError] = []
        for i, summary in enumerate(part):
            target = ((data.get(f"r{i}") or {}).get("defaultBranchRef") or {}).get("target")
            if not isinstance(target, Mapping):
                out.append(ForgeError(f"GitHub GraphQL {summary.full_name}: weekly commits not read"))
                continue
            out.append(
                tuple(int((target.get(f"w{w}") or {}).get("totalCount") or 0) for w in range(len(windows)))
            )
        return out

    return Batches(_BUSY_WEEKS_PER_QUERY).run(summaries, send, _full_name)


# -- files ----------------------------------------------------------------------------------------
def read_texts(
    client: GraphQL, batches: Batches, wanted: Sequence[tuple[str, Sequence[str]]]
) -> list[dict[str, str | None] | ForgeError]:
    """For each (repository full name, paths): path → text on the default branch (None: missing,
    binary, or a folder). One query for a batch of repositories."""

    def send(part: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, str | None] | ForgeError]:
        fields = []
        for i, (full_name, paths) in enumerate(part):
            blobs = " ".join(
                f"f{j}: object(expression: {_literal('HEAD:' + path)}) "
                "{ ... on Blob { text isBinary isTruncated } }"
                for j, path in enumerate(paths)
            )
            fields.append(_repository(f"r{i}", full_name, blobs or "databaseId"))
        data, errors = client.run(f"query Files {{ {_RATE}\n" + "\n".join(fields) + "\n}")
        problems = _alias_errors(errors)
        out: list[dict[str, str | None] | ForgeError] = []
        for i, (full_name, paths) in enumerate(part):
            node = data.get(f"r{i}")
            if not isinstance(node, Mapping) or f"r{i}" in problems:
                out.append(
                    ForgeError(f"GitHub GraphQL {full_name}: {problems.get(f'r{i}', 'files not read')}")
                )
                continue
            texts: dict[str, str | None] = {}
            for j, path in enumerate(paths):
                blob = _mapping(node.get(f"f{j}"))
                if blob.get("isTruncated"):  # over GraphQL's 512 KB: the caller reads it over REST (1 MB)
                    texts[path] = TRUNCATED
                    continue
                ok = not blob.get("isBinary") and isinstance(blob.get("text"), str)
                texts[path] = str(blob["text"]) if ok else None
            out.append(texts)
        return out

    return batches.run(wanted, send, lambda item: item[0])


# -- pull requests, organisation-wide --------------------------------------------------------------
_PULL = f"""
  ... on PullRequest {{
    fullDatabaseId number title url state createdAt updatedAt mergedAt closedAt {_ACTOR}
    repository {{ databaseId }}
    reviews(first: 100) {{ totalCount nodes {{ fullDatabaseId state submittedAt {_ACTOR} }} }}
    comments(first: 100) {{ totalCount nodes {{ createdAt {_ACTOR} }} }}
  }}"""
_SEARCH = f"""query PullRequests($q: String!, $after: String) {{ {_RATE}
  search(query: $q, type: ISSUE, first: 100, after: $after) {{
    issueCount pageInfo {{ hasNextPage endCursor }} nodes {{ {_PULL} }}
  }}
}}"""
_MORE = """query More($owner: String!, $name: String!, $number: Int!, $after: String) { %s
  repository(owner: $owner, name: $name) { pullRequest(number: $number) {
    %s(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { %s } }
  } }
}"""
_MORE_FIELDS = {
    "reviews": f"fullDatabaseId state submittedAt {_ACTOR}",
    "comments": f"createdAt {_ACTOR}",
}


def pull_requests(client: GraphQL, org: str, start: datetime) -> Iterator[JSON]:
    """Every pull request of the organisation updated at or after `start`, each with all its
    reviews and comments (`reviews.nodes`, `comments.nodes`). Raises ForgeError when the search
    cannot be read whole: a partial list would read as "no pull requests" for some repositories.

    Paged by time, not by cursor: each query asks for the first hundred updated at or after the
    latest update read so far, oldest first. A pull request updated while the search is read then
    moves to a later page (and comes again, newer: keep the last one) instead of shifting the pages
    under a cursor and hiding another; and no query needs more than its first hundred results, far
    under search's 1,000 cap."""
    cursor = start.astimezone(UTC).replace(microsecond=0)
    after: str | None = None
    while True:
        query = f"org:{org} is:pr updated:>={_stamp(cursor)} sort:updated-asc"
        data, _ = client.run(_SEARCH, {"q": query, "after": after})
        found = data.get("search")
        if not isinstance(found, Mapping) or not isinstance(found.get("nodes"), list):
            raise ForgeError(f"GitHub GraphQL search {query!r}: unexpected answer")
        nodes = [n for n in found["nodes"] if isinstance(n, Mapping) and n.get("fullDatabaseId") is not None]
        for node in nodes:
            yield _complete(client, org, node)
        info = _mapping(found.get("pageInfo"))
        if not info.get("hasNextPage") or not nodes:
            return
        latest = max((parse_time(n.get("updatedAt")) or cursor for n in nodes), default=cursor)
        if latest > cursor:
            cursor, after = latest, None
        else:  # a hundred updated within one second: page on within it
            after = str(info.get("endCursor"))


def _complete(client: GraphQL, org: str, node: JSON) -> JSON:
    """The node, with the reviews or comments past the first hundred read too (rare)."""
    full = dict(node)
    for kind in ("reviews", "comments"):
        connection = _mapping(node.get(kind))
        nodes = [n for n in connection.get("nodes") or () if isinstance(n, Mapping)]
        if int(connection.get("totalCount") or 0) > len(nodes):
            nodes = _all_of(client, org, node, kind)
        full[kind] = {"nodes": nodes}
    return full


def _all_of(client: GraphQL, org: str, node: JSON, kind: str) -> list[JSON]:
    owner, name = _name_of(str(node.get("url") or ""), org)
    nodes: list[JSON] = []
    after: str | None = None
    while True:
        variables = {"owner": owner, "name": name, "number": int(node["number"]), "after": after}
        data, _ = client.run(_MORE % (_RATE, kind, _MORE_FIELDS[kind]), variables)
        pull = ((data.get("repository") or {}).get("pullRequest") or {}).get(kind) or {}
        nodes += [n for n in pull.get("nodes") or () if isinstance(n, Mapping)]
        info = pull.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return nodes
        after = str(info.get("endCursor"))


def _name_of(url: str, org: str) -> tuple[str, str]:
    """owner and name from a pull request's URL (…/OWNER/NAME/pull/N)."""
    parts = url.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "pull":
        return parts[-4], parts[-3]
    raise ForgeError(f"GitHub GraphQL: cannot tell the repository of {url!r} in {org}")


def as_rest_pull(node: JSON) -> dict[str, Any]:
    """A search node in REST's `pull-request-simple` shape, so one mapping (github_records) serves
    both APIs and their results cannot drift apart."""
    return {
        "id": node.get("fullDatabaseId"),  # a BigInt (as text): ids have outgrown 32 bits
        "number": node.get("number"),
        "title": node.get("title"),
        "html_url": node.get("url"),
        "user": as_rest_user(node.get("author")),
        "state": "open" if node.get("state") == "OPEN" else "closed",
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "merged_at": node.get("mergedAt"),
        "closed_at": node.get("closedAt"),
    }


def as_rest_review(node: JSON) -> dict[str, Any]:
    return {
        "id": node.get("fullDatabaseId"),
        "user": as_rest_user(node.get("author")),
        "state": node.get("state"),
        "submitted_at": node.get("submittedAt"),
    }


def as_rest_user(actor: object) -> dict[str, Any] | None:
    """A GraphQL actor as REST's simple-user: `__typename` Bot is REST's `type: Bot`."""
    if not isinstance(actor, Mapping) or not actor.get("login"):
        return None  # a deleted account: REST says null too ("ghost")
    if actor.get("__typename") != "Bot":
        return {"login": actor["login"], "type": "User"}
    # GraphQL names an app's bot `dependabot`; REST (and webhooks, and `bot_logins`) `dependabot[bot]`.
    login = str(actor["login"])
    return {"login": login if login.endswith("[bot]") else f"{login}[bot]", "type": "Bot"}


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
