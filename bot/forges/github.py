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
from bot.forges import github_records as records
from bot.forges import github_search as search
from bot.forges.base import (
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
)
from bot.forges.github_transport import RetryPolicy, Transport

log = logging.getLogger(__name__)

_PARTICIPATION_WINDOW = timedelta(days=91)  # older pushes: 13 idle weeks, no request needed
_IDLE_WEEKS = (0,) * 13
_MAX_WORKFLOWS = 10  # bounds the cost of a repository with dozens of workflows
_SCANNERS = ("gitleaks", "trufflehog")  # what `files.workflow_runs_secret_scanner` looks for
_SCANNER_NAME = re.compile(r"secret|leak|truffle|scan|security", re.IGNORECASE)
# What one detail read learns of pull requests: merged changes, their reviews, every change request.
_Changes = tuple[tuple[MergedChange, ...], tuple[Review, ...], tuple[ChangeSummary, ...]]


def _likely_scanners_first(paths: Sequence[str]) -> list[str]:
    """Workflows named like a secret scan first: reading stops at the first that runs one."""
    return sorted(paths, key=lambda path: not _SCANNER_NAME.search(path.rpartition("/")[2]))


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
        self._http = Transport(self._send, self.stats, token)
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

    def _details(self, summary: RepoSummary, since: datetime | None) -> RepoDetails:
        base = f"{self._api}/repos/{summary.full_name}"
        repo = self._http.get(base).data
        repo = repo if isinstance(repo, dict) else {}
        scanning = records.secret_scanning(repo)
        # No primary language means linguist found none: the breakdown would be empty too.
        coded = not summary.empty and summary.primary_language is not None
        languages = self._http.get(f"{base}/languages").data or {} if coded else {}
        changes, reviews, change_requests = self._changes(summary, base, since)
        return RepoDetails(
            summary=summary,
            subscribers=int(repo.get("subscribers_count") or 0),
            languages={str(name): float(size) for name, size in languages.items()},
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
        readme = self._text(base, facts.readme_path)
        innersource_text = self._text(base, facts.innersource_path)
        innersource, problem = (
            repo_files.parse_innersource_json(innersource_text)
            if innersource_text is not None
            else (None, None)
        )
        # Secret scanning enabled on the repository already counts; else look for a scanner in CI.
        detected = bool(scanning if scanning is not None else summary.secret_scanning)
        detected = detected or (bool(facts.workflow_paths) and self._ci_scans(summary, base, facts))
        return RepoFiles(
            readme_path=facts.readme_path,
            readme_text=repo_files.readme_excerpt(readme) if readme is not None else None,
            contributing_path=facts.contributing_path,
            codeowners_text=self._text(base, facts.codeowners_path),
            license_path=facts.license_path,
            issue_template=facts.issue_template,
            change_template=facts.change_template,
            secret_detection=detected,
            innersource=innersource,
            innersource_error=problem,
            trusted_committers_section=repo_files.trusted_committers_section(readme) if readme else None,
        )

    def _ci_scans(self, summary: RepoSummary, base: str, facts: repo_files.TreeFacts) -> bool:
        """Whether one of the repository's workflows runs gitleaks or trufflehog."""
        found = self._workflows_naming_scanners(summary.namespace)
        if found is not None:
            # Only workflows the tree still has count: the search index may lag behind a deletion.
            return not found.get(summary.full_name.lower(), set()).isdisjoint(facts.workflow_paths)
        for path in _likely_scanners_first(facts.workflow_paths)[:_MAX_WORKFLOWS]:
            if repo_files.workflow_runs_secret_scanner(self._text(base, path) or ""):
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

    def _changes(self, summary: RepoSummary, base: str, since: datetime | None) -> _Changes:
        """Pull requests updated in the window, newest first, in one listing (any state): merged ones
        are the ledger's, each with its reviews; every one is a change request. Its first response
        comes from its reviews and from the repository's comments of the window (one listing), read
        only for people's changes touched since they were opened (bots' changes need no answer).
        """
        start = self._now() - self._lookback
        start = max(start, since) if since is not None else start
        if summary.empty or summary.pushed_at < start:  # a merge (and a same-repo PR) pushes
            return (), (), ()
        pulls: list[records.JSON] = []
        for item in self._http.items(f"{base}/pulls?state=all&sort=updated&direction=desc&per_page=100"):
            updated = records.parse_time(item.get("updated_at"))
            if updated is not None and updated < start:
                break  # sorted by updated, newest first: the rest is older still
            pulls.append(item)
        changes: list[MergedChange] = []
        reviews: list[Review] = []
        requests_: list[ChangeSummary] = []
        responses: dict[int, list[ChangeResponse]] = {}
        awaited = False  # a person's change someone may have answered: comments are worth reading
        for item in pulls:
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
            for item_ in self._http.items(f"{base}/pulls/{request.number}/reviews?per_page=100"):
                review = records.review(item_, repo_forge_id=summary.forge_id, change_number=request.number)
                if review is None:
                    continue
                reviews += [review] if merged else []
                responses.setdefault(request.number, []).append(records.review_response(review))
        if awaited:
            since_text = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            url = f"{base}/issues/comments?since={since_text}&per_page=100"
            for comment in self._http.items(url):
                found = records.comment_response(comment)
                if found is not None:
                    responses.setdefault(found[0], []).append(found[1])
        summaries = tuple(
            replace(r, responses=earliest_responses(responses.get(r.number, ()))) for r in requests_
        )
        return tuple(changes), tuple(reviews), summaries

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
