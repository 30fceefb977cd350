"""The GitHub adapter (github.com and Enterprise Server), the only module that imports PyGithub.

Requests go through PyGithub's `Requester` (auth, base URL, user agent, connection pool, retries
by `github_transport.RetryPolicy`), asked directly for each REST path rather than through
PyGithub's object API, because that API cannot do three things the crawl needs: a conditional
request per listing page (it turns a 304 into an empty object), a bounded wait for statistics (it
retries a 202 forever), and an exact request budget (its objects lazily fetch missing fields).
JSON is mapped to `base.py` dataclasses by `github_records.py`.

Requests per repository (`fetch_details`): the repository (subscribers), languages, commit participation
(skipped when idle for 13 weeks), one recursive tree, then only the files the tree shows (README,
innersource.json, CODEOWNERS), and pull requests (any state) only when something was pushed in the
window: reviews of merged ones and of people's changes touched since they were opened, and then one
listing of the repository's comments, for the first response. Empty repositories skip everything that
reads the tree. Whether a workflow runs gitleaks or trufflehog comes from one code search per scanner
and organisation, made once per instance (workflow files are read only if that search fails).
Good-first-issues are read organisation-wide by issue search (`open_good_first_issues`), never per
repository.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from github import Auth, Github, GithubException

from bot.forges import files as repo_files
from bot.forges import github_graphql as gql
from bot.forges import github_records as records
from bot.forges import github_search as search
from bot.forges.base import (
    PARTICIPATION_WEEKS,
    ChangeResponse,
    ChangeSummary,
    ConditionalCache,
    ForgeError,
    Issue,
    ListingIncomplete,
    MergedChange,
    RepoDetails,
    RepoFiles,
    RepoSummary,
    RequestStats,
    Review,
    earliest_responses,
    fetch_each,
    is_bot_login,
)
from bot.forges.github_transport import RetryPolicy, Transport

log = logging.getLogger(__name__)

_PARTICIPATION_WINDOW = timedelta(weeks=PARTICIPATION_WEEKS)  # older pushes: idle weeks, no request
_IDLE_WEEKS = (0,) * PARTICIPATION_WEEKS
_MAX_WORKFLOWS = 10  # bounds the cost of a repository with dozens of workflows
_SCANNERS = ("gitleaks", "trufflehog")  # what `files.workflow_runs_secret_scanner` looks for
_SCANNER_NAME = re.compile(r"secret|leak|truffle|scan|security", re.IGNORECASE)
# What one detail read learns of pull requests: merged changes, their reviews, every change request.
_Changes = tuple[tuple[MergedChange, ...], tuple[Review, ...], tuple[ChangeSummary, ...]]


def _likely_scanners_first(paths: Sequence[str]) -> list[str]:
    """Workflows named like a secret scan first: reading stops at the first that runs one."""
    return sorted(paths, key=lambda path: not _SCANNER_NAME.search(path.rpartition("/")[2]))


def _by_size(languages: dict[str, float]) -> dict[str, float]:
    """Largest first (ties by name): both APIs store the same, whatever order they answered in."""
    return dict(sorted(languages.items(), key=lambda item: (-item[1], item[0])))


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GitHubForge:
    kind = "github"

    def __init__(
        self,
        *,
        api_url: str,
        token: str | None,
        good_first_issue_labels: Sequence[str],
        cache: ConditionalCache | None = None,
        now: Callable[[], datetime] = _utc_now,
        max_rate_limit_wait: float = 60.0,
        stats_retries: int = 4,
        stats_retry_delay: float = 1.0,
        lookback_days: int = 180,
        timeout: int = 15,
        retry_backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        graphql: bool = True,
        batch: int = gql.BATCH,
    ) -> None:
        self._api = api_url.rstrip("/")
        parts = urlsplit(self._api)
        self.host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        self.stats = RequestStats()
        self._labels = frozenset(label.lower() for label in good_first_issue_labels)
        self._cache = cache
        self._now = now
        self._lookback = timedelta(days=lookback_days)
        # Org (lower-cased) -> repository -> workflows naming a scanner; None: search failed.
        self._scanning_workflows: dict[str, dict[str, set[str]] | None] = {}
        self._scanning_lock = threading.Lock()
        self._http = Transport(self._send, self.stats, token, post=self._send_post)
        # GraphQL: `batch` repositories per detail query; REST reads one repository per call.
        self.detail_batch = max(1, batch) if graphql else 1
        self._graphql = (
            gql.GraphQL(
                self._http, gql.graphql_url(self._api), max_rate_limit_wait=max_rate_limit_wait, sleep=sleep
            )
            if graphql
            else None
        )
        self._batches = gql.Batches(self.detail_batch)
        # From `prepare`: the organisation's pull requests updated since `_pulls_since`, by repository id.
        self._pulls: dict[str, dict[str, list[records.JSON]]] = {}
        self._pulls_since: dict[str, datetime] = {}
        self._pulls_lock = threading.Lock()
        retry = RetryPolicy(
            on_retry=self._http.on_retry,
            max_rate_limit_wait=max_rate_limit_wait,
            stats_retries=stats_retries,
            stats_retry_delay=stats_retry_delay,
            sleeper=sleep,
            total=6,
            connect=3,
            read=2,
            status=3,
            backoff_factor=retry_backoff,
            backoff_max=8 * retry_backoff,
        )
        self._github = Github(
            auth=Auth.Token(token) if token else None,
            base_url=self._api,
            timeout=timeout,
            per_page=100,
            retry=retry,
            pool_size=16,  # ≥ the crawl's worker threads, so connections are reused, not dropped
            seconds_between_requests=None,  # PyGithub's 0.25 s default would make big crawls crawl
            seconds_between_writes=None,
        )

    def _send(self, url: str, headers: dict[str, str] | None) -> tuple[int, dict[str, Any], str]:
        return self._github.requester.requestJson("GET", url, headers=headers)

    def _send_post(self, url: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
        return self._github.requester.requestJson("POST", url, input=payload)

    def close(self) -> None:
        self._github.close()

    def user_email(self, login: str) -> str | None:
        """The account's public e-mail (`email` of GET /users/{login}); None when hidden or unknown."""
        reply = self._http.get(f"{self._api}/users/{quote(login, safe='')}", allow=(404,))
        email = reply.data.get("email") if reply.status == 200 and isinstance(reply.data, dict) else None
        return email.strip() if isinstance(email, str) and "@" in email else None

    def username(self, user_id: str) -> str | None:
        """The login of GET /user/{account_id}; None when no such account (404)."""
        reply = self._http.get(f"{self._api}/user/{quote(user_id, safe='')}", allow=(404,))
        login = reply.data.get("login") if reply.status == 200 and isinstance(reply.data, dict) else None
        return login if isinstance(login, str) and login else None

    # -- listing -----------------------------------------------------------------------------------
    def list_repositories(self, namespace: str) -> Iterator[RepoSummary]:
        url: str | None = f"{self._api}/orgs/{quote(namespace, safe='')}/repos?type=all&per_page=100"
        while url is not None:
            try:
                summaries, url = self._listing_page(url)
            except (ForgeError, KeyError, TypeError, ValueError) as exc:
                # Chained: a RateLimited cause tells the crawl when to come back (no token in it).
                raise ListingIncomplete(f"GitHub organisation {namespace}: listing stopped: {exc}") from exc
            yield from summaries

    def _listing_page(self, url: str) -> tuple[list[RepoSummary], str | None]:
        """One page, sent with If-None-Match when cached: a 304 costs nothing and reuses the page."""
        cached = self._cache.get(url) if self._cache is not None else None
        page = records.page_from_cache(cached[1]) if cached is not None else None
        reply = self._http.get(url, etag=cached[0] if cached is not None and page is not None else None)
        if reply.status == 304 and page is not None:
            return page
        if reply.status != 200 or not isinstance(reply.data, list):
            raise ForgeError(f"GitHub GET {urlsplit(url).path}: unexpected {reply.status} answer")
        summaries = [records.repo_summary(item, host=self.host) for item in reply.data]
        etag = reply.headers.get("etag")
        if self._cache is not None and etag:
            self._cache.put(url, etag, records.page_to_cache(summaries, reply.next_url))
        return summaries, reply.next_url

    def repository(self, full_name: str) -> RepoSummary | None:
        """GET /repos/{owner}/{name}: 404 (gone, or hidden from this token) is None."""
        owner, _, name = full_name.partition("/")
        url = f"{self._api}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        reply = self._http.get(url, allow=(404,))
        if reply.status == 404 or not isinstance(reply.data, dict):
            return None
        try:
            return records.repo_summary(reply.data, host=self.host)
        except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped like GitHub's
            raise ForgeError(f"GitHub {full_name}: unexpected answer ({exc!r})") from None

    def comment_on_issue(self, full_name: str, number: int, body: str) -> None:
        """POST /repos/{owner}/{name}/issues/{number}/comments (not retried: a POST is not idempotent)."""
        owner, _, name = full_name.partition("/")
        path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}/issues/{int(number)}/comments"
        try:
            self._github.requester.requestJsonAndCheck("POST", path, input={"body": body})
        except GithubException as exc:
            raise ForgeError(f"GitHub refused a comment on {full_name}#{number} ({exc.status})") from None
        except requests.RequestException as exc:
            failure = type(exc).__name__
            raise ForgeError(f"GitHub unreachable commenting on {full_name}#{number}: {failure}") from None

    # -- one repository ----------------------------------------------------------------------------
    def fetch_details(self, summary: RepoSummary, since: datetime | None) -> RepoDetails:
        try:
            return self._details(summary, since)
        except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped like GitHub's
            raise ForgeError(f"GitHub {summary.full_name}: unexpected answer ({exc!r})") from None

    def fetch_batch(
        self, summaries: Sequence[RepoSummary], since: datetime | None
    ) -> list[RepoDetails | ForgeError]:
        """GraphQL: two queries per batch (repositories, then the files their folders showed);
        REST: one repository after the other."""
        if self._graphql is None:
            return fetch_each(self.fetch_details, summaries, since)
        try:
            return self._graphql_batch(summaries, since)
        except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped like GitHub's
            failure = ForgeError(f"GitHub GraphQL: unexpected answer ({exc!r})")
            return [failure for _ in summaries]

    def _graphql_batch(
        self, summaries: Sequence[RepoSummary], since: datetime | None
    ) -> list[RepoDetails | ForgeError]:
        assert self._graphql is not None
        try:
            reads = gql.read_repositories(self._graphql, self._batches, summaries, self._now())
            plans: list[tuple[RepoSummary, gql.RepoRead, repo_files.TreeFacts, list[str]]] = []
            for summary, read in zip(summaries, reads, strict=True):
                if isinstance(read, gql.RepoRead) and not summary.empty:
                    facts = repo_files.classify_tree(read.paths, "github")
                    plans.append((summary, read, facts, self._paths_to_read(summary, facts)))
            texts = gql.read_texts(self._graphql, self._batches, [(p[0].full_name, p[3]) for p in plans])
        except ForgeError as exc:  # the budget, or GitHub refusing the query: the whole batch waits
            return [exc for _ in summaries]
        files: dict[str, RepoFiles | ForgeError] = {}
        for (summary, _, facts, _), found in zip(plans, texts, strict=True):
            if isinstance(found, ForgeError):
                files[summary.forge_id] = found
                continue
            opener = self._opener(f"{self._api}/repos/{summary.full_name}", found)
            try:
                files[summary.forge_id] = self._files_from(summary, facts, opener, summary.secret_scanning)
            except ForgeError as exc:
                files[summary.forge_id] = exc
        return [
            self._assemble(summary, read, files.get(summary.forge_id), since)
            for summary, read in zip(summaries, reads, strict=True)
        ]

    def _opener(self, base: str, texts: dict[str, str | None]) -> Callable[[str], str | None]:
        """Texts the files query read; one GraphQL cut short (over 512 KB) is read over REST (1 MB)."""

        def read(path: str) -> str | None:
            text = texts.get(path)
            return self._text(base, path) if text == gql.TRUNCATED else text

        return read

    def _assemble(
        self,
        summary: RepoSummary,
        read: gql.RepoRead | ForgeError,
        files: RepoFiles | ForgeError | None,
        since: datetime | None,
    ) -> RepoDetails | ForgeError:
        if isinstance(read, ForgeError):
            return read
        if isinstance(files, ForgeError):
            return files
        try:
            changes, reviews, change_requests = self._changes(
                summary, f"{self._api}/repos/{summary.full_name}", since
            )
        except ForgeError as exc:
            return exc
        except (KeyError, TypeError, ValueError) as exc:
            return ForgeError(f"GitHub {summary.full_name}: unexpected answer ({exc!r})")
        idle = summary.empty or summary.pushed_at < self._now() - _PARTICIPATION_WINDOW
        return RepoDetails(
            summary=summary,
            subscribers=read.subscribers,
            languages=_by_size(read.languages) if self._coded(summary) else {},
            weekly_commits=_IDLE_WEEKS if idle else read.weekly_commits,
            files=files or RepoFiles(),
            merged_changes=changes,
            reviews=reviews,
            change_requests=change_requests,
        )

    @staticmethod
    def _coded(summary: RepoSummary) -> bool:
        """No primary language means linguist found none: the breakdown would be empty too."""
        return not summary.empty and summary.primary_language is not None

    def _details(self, summary: RepoSummary, since: datetime | None) -> RepoDetails:
        base = f"{self._api}/repos/{summary.full_name}"
        repo = self._http.get(base).data
        repo = repo if isinstance(repo, dict) else {}
        scanning = records.secret_scanning(repo)
        languages = self._http.get(f"{base}/languages").data or {} if self._coded(summary) else {}
        changes, reviews, change_requests = self._changes(summary, base, since)
        return RepoDetails(
            summary=summary,
            subscribers=int(repo.get("subscribers_count") or 0),
            languages=_by_size({str(name): float(size) for name, size in languages.items()}),
            weekly_commits=self._weekly_commits(summary, base),
            files=RepoFiles() if summary.empty else self._files(summary, base, scanning),
            merged_changes=changes,
            reviews=reviews,
            change_requests=change_requests,
        )

    def _weekly_commits(self, summary: RepoSummary, base: str) -> tuple[int, ...]:
        if summary.empty or summary.pushed_at < self._now() - _PARTICIPATION_WINDOW:
            return _IDLE_WEEKS
        reply = self._http.get(f"{base}/stats/participation")
        if reply.status == 202:  # still computing after our retries: unknown, not zero
            log.info("github stats still computing: repo=%s", summary.full_name)
            return ()
        return _IDLE_WEEKS if reply.status == 204 else records.weekly_commits(reply.data)

    def _text(self, base: str, path: str | None) -> str | None:
        if path is None:
            return None
        reply = self._http.get(f"{base}/contents/{quote(path)}", allow=(404, 409))
        content = reply.data.get("content") if reply.status == 200 and isinstance(reply.data, dict) else None
        if not isinstance(content, str) or reply.data.get("encoding") != "base64":
            return None  # missing, a directory, or too big for the contents API
        return base64.b64decode(content).decode("utf-8", errors="replace")

    def _files(self, summary: RepoSummary, base: str, scanning: bool | None) -> RepoFiles:
        ref = quote(summary.default_branch or "HEAD", safe="")
        reply = self._http.get(f"{base}/git/trees/{ref}?recursive=1", allow=(404, 409))  # 409: empty
        tree = reply.data.get("tree") if reply.status == 200 and isinstance(reply.data, dict) else None
        paths = [str(e["path"]) for e in tree or () if isinstance(e, dict) and e.get("type") == "blob"]
        if isinstance(reply.data, dict) and reply.data.get("truncated"):  # >100k entries: classify what came
            log.warning("github tree truncated: repo=%s", summary.full_name)
        facts = repo_files.classify_tree(paths, "github")
        return self._files_from(summary, facts, lambda path: self._text(base, path), scanning)

    def _paths_to_read(self, summary: RepoSummary, facts: repo_files.TreeFacts) -> list[str]:
        """The files `_files_from` will open, so one GraphQL query can read them all beforehand."""
        paths = [p for p in (facts.readme_path, facts.innersource_path, facts.codeowners_path) if p]
        scanned = summary.secret_scanning or not facts.workflow_paths
        if not scanned and self._workflows_naming_scanners(summary.namespace) is None:
            paths += _likely_scanners_first(facts.workflow_paths)[:_MAX_WORKFLOWS]
        return paths

    def _files_from(
        self,
        summary: RepoSummary,
        facts: repo_files.TreeFacts,
        read: Callable[[str], str | None],
        scanning: bool | None,
    ) -> RepoFiles:
        """RepoFiles from the classified tree, opening files with `read` (REST: a request each;
        GraphQL: texts read beforehand)."""
        readme = read(facts.readme_path) if facts.readme_path else None
        innersource_text = read(facts.innersource_path) if facts.innersource_path else None
        innersource, problem = (
            repo_files.parse_innersource_json(innersource_text)
            if innersource_text is not None
            else (None, None)
        )
        # Secret scanning enabled on the repository already counts; else look for a scanner in CI.
        detected = bool(scanning if scanning is not None else summary.secret_scanning)
        detected = detected or (bool(facts.workflow_paths) and self._ci_scans(summary, facts, read))
        return RepoFiles(
            readme_path=facts.readme_path,
            readme_text=repo_files.readme_excerpt(readme) if readme is not None else None,
            contributing_path=facts.contributing_path,
            codeowners_text=read(facts.codeowners_path) if facts.codeowners_path else None,
            license_path=facts.license_path,
            issue_template=facts.issue_template,
            change_template=facts.change_template,
            secret_detection=detected,
            innersource=innersource,
            innersource_error=problem,
            trusted_committers_section=repo_files.trusted_committers_section(readme) if readme else None,
        )

    def _ci_scans(
        self, summary: RepoSummary, facts: repo_files.TreeFacts, read: Callable[[str], str | None]
    ) -> bool:
        """Whether one of the repository's workflows runs gitleaks or trufflehog."""
        found = self._workflows_naming_scanners(summary.namespace)
        if found is not None:
            # Only workflows the tree still has count: the search index may lag behind a deletion.
            return not found.get(summary.full_name.lower(), set()).isdisjoint(facts.workflow_paths)
        for path in _likely_scanners_first(facts.workflow_paths)[:_MAX_WORKFLOWS]:
            if repo_files.workflow_runs_secret_scanner(read(path) or ""):
                return True
        return False

    def _workflows_naming_scanners(self, org: str) -> dict[str, set[str]] | None:
        """The org's code search result, made on first use; None when it could not be trusted.

        The lock makes the ~8 crawl threads wait for one search instead of each sending their own
        (code search allows 10 requests a minute); it is held only while the first one runs.
        """
        with self._scanning_lock:
            if org.lower() not in self._scanning_workflows:
                try:
                    found = search.workflows_mentioning(self._http, self._api, org, _SCANNERS)
                except ForgeError as exc:
                    log.warning(
                        "github code search failed, reading workflow files instead: org=%s: %s", org, exc
                    )
                    found = None
                self._scanning_workflows[org.lower()] = found
            return self._scanning_workflows[org.lower()]

    def _window_start(self, since: datetime | None) -> datetime:
        start = self._now() - self._lookback
        return max(start, since) if since is not None else start

    def prepare(self, namespace: str, repos: Sequence[RepoSummary], since: datetime | None) -> None:
        """GraphQL: the organisation's pull requests updated in the window, read by search (a
        hundred per query, reviews and comments included) instead of a listing per repository.
        Only when some repository to read was pushed in the window; on failure each repository's
        pull requests are read over REST as before."""
        key = namespace.lower()
        self._batches.reset()
        with self._pulls_lock:
            self._pulls.pop(key, None)
        start = self._window_start(since)
        if self._graphql is None or not any(not r.empty and r.pushed_at >= start for r in repos):
            return
        wanted = {r.forge_id for r in repos}
        found: dict[str, dict[str, records.JSON]] = {}  # repository id -> pull request id -> newest read
        try:
            for node in gql.pull_requests(self._graphql, namespace, start):
                repository = node.get("repository")
                repo_id = str(repository.get("databaseId")) if isinstance(repository, dict) else ""
                if repo_id in wanted:
                    found.setdefault(repo_id, {})[str(node["fullDatabaseId"])] = node
        except (ForgeError, KeyError, TypeError, ValueError) as exc:
            log.warning(
                "github pull request search failed, reading them per repository: org=%s: %s", namespace, exc
            )
            return
        with self._pulls_lock:
            self._pulls[key] = {repo_id: list(pulls.values()) for repo_id, pulls in found.items()}
            self._pulls_since[key] = start

    def _prepared(
        self, summary: RepoSummary, start: datetime
    ) -> list[tuple[records.JSON, records.JSON]] | None:
        """(REST-shaped pull, GraphQL node) of the repository's pull requests from `prepare`, newest
        update first as REST lists them; None when `prepare` did not cover this window."""
        key = summary.namespace.lower()
        # Pushed so lately that search may not have indexed its newest pull request yet: read it over
        # REST, or a merge missed now would never be read (the repository looks unchanged next time).
        if summary.pushed_at > self._now() - gql.SEARCH_LAG:
            return None
        with self._pulls_lock:
            if key not in self._pulls or self._pulls_since[key] > start:
                return None
            nodes = self._pulls[key].pop(summary.forge_id, [])
        pulls = [(gql.as_rest_pull(node), node) for node in nodes]
        pulls = [pair for pair in pulls if (records.parse_time(pair[0].get("updated_at")) or start) >= start]
        return sorted(pulls, key=lambda pair: str(pair[0].get("updated_at")), reverse=True)

    def _changes(self, summary: RepoSummary, base: str, since: datetime | None) -> _Changes:
        """Pull requests updated in the window, newest first (from `prepare`'s search, else one
        REST listing, any state): merged ones are the ledger's, each with its reviews; every one is
        a change request. Its first response comes from its reviews and from the repository's
        comments of the window, read only for people's changes touched since they were opened
        (bots' changes need no answer).
        """
        start = self._window_start(since)
        if summary.empty or summary.pushed_at < start:  # a merge (and a same-repo PR) pushes
            return (), (), ()
        prepared = self._prepared(summary, start)
        pulls: list[tuple[records.JSON, records.JSON | None]] = list(prepared or [])
        if prepared is None:
            url = f"{base}/pulls?state=all&sort=updated&direction=desc&per_page=100"
            for item in self._http.items(url):
                updated = records.parse_time(item.get("updated_at"))
                if updated is not None and updated < start:
                    break  # sorted by updated, newest first: the rest is older still
                pulls.append((item, None))
        changes: list[MergedChange] = []
        reviews: list[Review] = []
        requests_: list[ChangeSummary] = []
        responses: dict[int, list[ChangeResponse]] = {}
        awaited = False  # a person's change someone may have answered: comments are worth reading
        for item, node in pulls:
            request = records.change_summary(item, repo_forge_id=summary.forge_id)
            requests_.append(request)
            change = records.merged_change(item, repo_forge_id=summary.forge_id)
            merged = change is not None and change.merged_at >= start
            if change is not None and merged:
                changes.append(change)
            # A review or comment bumps `updated_at`: a change untouched since it was opened has none.
            touched = records.parse_time(item.get("updated_at")) != request.created_at
            ended = request.closed_at is not None and request.closed_at < start
            answerable = touched and not request.author_is_bot and not ended
            awaited = awaited or answerable
            if not (merged or answerable):
                continue
            for item_ in self._reviews(base, request.number, node):
                review = records.review(item_, repo_forge_id=summary.forge_id, change_number=request.number)
                if review is None:
                    continue
                reviews += [review] if merged else []
                responses.setdefault(request.number, []).append(records.review_response(review))
        if awaited:
            for number, response in self._comments(base, start, pulls, prepared is not None):
                responses.setdefault(number, []).append(response)
        summaries = tuple(
            replace(r, responses=earliest_responses(responses.get(r.number, ()))) for r in requests_
        )
        return tuple(changes), tuple(reviews), summaries

    def _reviews(self, base: str, number: int, node: records.JSON | None) -> Iterator[records.JSON]:
        if node is None:
            yield from self._http.items(f"{base}/pulls/{number}/reviews?per_page=100")
            return
        for review in (node.get("reviews") or {}).get("nodes") or ():
            yield gql.as_rest_review(review)

    def _comments(
        self,
        base: str,
        start: datetime,
        pulls: list[tuple[records.JSON, records.JSON | None]],
        prepared: bool,
    ) -> Iterator[tuple[int, ChangeResponse]]:
        """(number, response) of the comments made in the window (REST: one listing of the
        repository's comments since `start`; GraphQL: those the search returned)."""
        if not prepared:
            since_text = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            for comment in self._http.items(f"{base}/issues/comments?since={since_text}&per_page=100"):
                found = records.comment_response(comment)
                if found is not None:
                    yield found
            return
        for item, node in pulls:
            for comment in ((node or {}).get("comments") or {}).get("nodes") or ():
                created = records.parse_time(comment.get("createdAt"))
                user = gql.as_rest_user(comment.get("author"))
                login, kind = records.login_of(user)
                if created is not None and created >= start:
                    yield int(item["number"]), ChangeResponse(login, is_bot_login(login, kind), created)

    # -- organisation-wide issue reads -------------------------------------------------------------
    def open_good_first_issues(self, namespace: str) -> Iterator[Issue]:
        """One issue search per label (REST search documents no OR of quoted label names); an
        issue carrying two of the labels is found twice and yielded once."""
        seen: set[str] = set()
        for label in sorted(self._labels):
            query = f"org:{namespace} is:issue is:open {search.label_qualifier(label)}"
            for issue in self._search_issues(query, "created", search.EARLIEST):
                if issue.forge_id not in seen:
                    seen.add(issue.forge_id)
                    yield issue

    def changed_issues(self, namespace: str, since: datetime) -> Iterator[Issue]:
        start = since.astimezone(UTC).replace(microsecond=0)
        yield from self._search_issues(f"org:{namespace} is:issue", "updated", start)

    def _search_issues(self, query: str, field: str, start: datetime) -> Iterator[Issue]:
        try:
            yield from search.issues(self._http, self._api, query, field, (start, None), self._now)
        except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped like GitHub's
            raise ForgeError(f"GitHub issue search {query!r}: unexpected answer ({exc!r})") from None
