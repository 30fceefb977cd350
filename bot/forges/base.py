"""The Forge protocol and the plain dataclasses every forge adapter returns.

Adapters (github.py, gitlab.py) are the only modules that import a forge client library; the rest of
the bot sees only these types. Adding another forge means one new module implementing `Forge`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

_BOT_LOGIN = re.compile(r"(\[bot\]$|-bot$|_bot$|^bot-|^project_\d+_bot|^group_\d+_bot|^ghost$)", re.I)


def is_bot_login(login: str, account_type: str | None = None) -> bool:
    """Bots never count as contributors: GitHub says `type: Bot`; GitLab bot users follow names."""
    return account_type == "Bot" or bool(_BOT_LOGIN.search(login))


def login_key(name: object) -> str | None:
    """A login as compared everywhere (forges treat them case-insensitively): "@Alice" (CODEOWNERS),
    "alice" (innersource.json) and "Alice" (the forge) are one key. Teams ("@acme/x"), e-mail
    addresses and names with spaces are no login: None."""
    text = str(name).strip().removeprefix("@")
    if not text or "/" in text or "@" in text or " " in text:
        return None
    return text.casefold()


def login_keys(logins: Iterable[object] | None) -> frozenset[str]:
    """`login_key` of each, the non-logins left out."""
    return frozenset(key for key in map(login_key, logins or ()) if key)


PARTICIPATION_WEEKS = 52  # weekly commit counts kept per project: the score reads 13, the export 52
WEEK = timedelta(days=7)


def weekly_counts(
    commit_times: Iterable[datetime], now: datetime, weeks: int = PARTICIPATION_WEEKS
) -> tuple[int, ...]:
    """Commits per week for the `weeks` weeks ending `now`, oldest first (last: the 7 days up to now)."""
    counts = [0] * weeks
    for at in commit_times:
        age = now - at
        if age < timedelta(0):
            continue  # clock skew: a commit "from the future" belongs to no past week
        index = weeks - 1 - int(age / WEEK)
        if index >= 0:
            counts[index] += 1
    return tuple(counts)


def fetch_each(
    fetch: Callable[[RepoSummary, datetime | None], RepoDetails],
    summaries: Sequence[RepoSummary],
    since: datetime | None,
) -> list[RepoDetails | ForgeError]:
    """`fetch_batch` for an adapter that reads one repository per call: each result, or its error."""
    results: list[RepoDetails | ForgeError] = []
    for summary in summaries:
        try:
            results.append(fetch(summary, since))
        except ForgeError as exc:
            results.append(exc)
    return results


class ForgeError(Exception):
    """A forge request failed after its retries; the message names what, never a token."""


class RateLimited(ForgeError):
    """The forge asked us to wait longer than we are willing to block (see `max_rate_limit_wait`)."""

    def __init__(self, message: str, reset_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class ListingIncomplete(ForgeError):
    """The organisation/group listing could not be read to the end.

    The crawl must then treat every repository it did not see as *unknown*, never as deleted.
    """


@dataclass(frozen=True)
class RepoSummary:
    """One repository as the organisation/group listing shows it: cheap, no per-repo request."""

    forge: str  # "github" | "gitlab"
    host: str  # API host, e.g. "api.github.com", "gitlab.example.com": separates GHES from github.com
    forge_id: str  # the forge's numeric id, as text
    full_name: str  # GitHub owner/name; GitLab path_with_namespace
    name: str
    namespace: str  # org login or group full path
    web_url: str
    description: str
    topics: tuple[str, ...]
    visibility: str  # "public" | "internal" | "private" (GitHub: from `visibility`, not `private`)
    archived: bool
    fork: bool
    empty: bool  # repository has no commits yet
    default_branch: str | None
    primary_language: str | None
    stars: int
    forks: int
    open_issues: int  # GitHub counts open PRs in here too
    created_at: datetime
    updated_at: datetime
    pushed_at: datetime  # GitLab: last_activity_at
    has_license: bool | None = None  # when the listing tells (GitHub `license`), else None
    secret_scanning: bool | None = None  # GitHub `security_and_analysis`, when the token may see it

    @property
    def change_marker(self) -> str:
        """Changes whenever the repository needs re-reading (SPEC: pushed_at/updated_at)."""
        return f"{self.pushed_at.isoformat()}|{self.updated_at.isoformat()}"


@dataclass(frozen=True)
class Issue:
    """An issue (never a PR/MR) as needed for good-first-issue routing."""

    forge_id: str
    repo_forge_id: str
    repo_full_name: str
    number: int  # GitHub number, GitLab iid
    title: str
    url: str
    labels: tuple[str, ...]
    state: str  # "open" | "closed"
    assignees: tuple[str, ...]
    author: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MergedChange:
    """A merged pull/merge request: one entry of the contribution ledger."""

    forge_id: str
    repo_forge_id: str
    number: int
    title: str
    url: str
    author: str
    author_is_bot: bool
    created_at: datetime
    merged_at: datetime


@dataclass(frozen=True)
class Review:
    """A review (GitHub) or approval (GitLab) given on a merged change."""

    forge_id: str
    repo_forge_id: str
    change_number: int
    reviewer: str
    reviewer_is_bot: bool
    state: str  # e.g. APPROVED, COMMENTED, CHANGES_REQUESTED; GitLab approvals are APPROVED
    submitted_at: datetime


@dataclass(frozen=True)
class ChangeResponse:
    """A review, approval or comment on a change: a candidate for its first response.

    The adapters keep each account's earliest one; who counts (not the author, not a bot, not a
    configured `bot_logins` account) is decided by `ChangeSummary.first_response_at`.
    """

    login: str
    is_bot: bool
    at: datetime


@dataclass(frozen=True)
class ChangeSummary:
    """A pull/merge request in any state (open, merged, closed), for time to first response."""

    forge_id: str
    repo_forge_id: str
    number: int
    title: str
    url: str
    author: str  # "" when a webhook could not name them (the crawl fills it in)
    author_is_bot: bool
    state: str  # "open" | "merged" | "closed"
    created_at: datetime
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    responses: tuple[ChangeResponse, ...] = ()

    def first_response_at(self, bot_logins: frozenset[str] = frozenset()) -> datetime | None:
        return first_response(self.author, self.responses, bot_logins)


def first_response(
    author: str, responses: Iterable[ChangeResponse], bot_logins: frozenset[str] = frozenset()
) -> datetime | None:
    """The earliest response by someone other than the author and bots; None while there is none.

    `bot_logins` holds `login_keys` of accounts that are bots without saying so.
    """
    author_key = author.casefold()
    return min(
        (
            r.at
            for r in responses
            if not r.is_bot
            and r.login
            and r.login.casefold() != author_key
            and r.login.casefold() not in bot_logins
        ),
        default=None,
    )


def earliest_responses(responses: Iterable[ChangeResponse]) -> tuple[ChangeResponse, ...]:
    """Each account's earliest response, oldest first: all a first response can come from."""
    first: dict[str, ChangeResponse] = {}
    for response in responses:
        key = response.login.casefold()
        if key not in first or response.at < first[key].at:
            first[key] = response
    return tuple(sorted(first.values(), key=lambda r: r.at))


@dataclass(frozen=True)
class RepoFiles:
    """What the repository's files say, as far as the catalog needs it."""

    readme_path: str | None = None
    readme_text: str | None = None  # at most the first few KB: enough for search and display
    contributing_path: str | None = None
    codeowners_text: str | None = None
    license_path: str | None = None
    issue_template: bool = False
    change_template: bool = False  # PR template (GitHub) or MR template (GitLab)
    secret_detection: bool = False  # GitLab Secret-Detection template; GitHub gitleaks/trufflehog
    innersource: dict[str, Any] | None = None  # parsed innersource.json, None when absent/invalid
    innersource_error: str | None = None  # why innersource.json was ignored, if it was
    # The README's "Trusted Committers" section (read from the whole README, not the excerpt).
    trusted_committers_section: str | None = None


@dataclass(frozen=True)
class RepoDetails:
    """Everything the catalog records for one repository, read with a handful of requests."""

    summary: RepoSummary
    subscribers: int
    languages: dict[str, float]  # language -> share: bytes on GitHub, percent on GitLab
    weekly_commits: tuple[int, ...]  # last 13 weeks or more, oldest first; () when not fetched
    files: RepoFiles
    merged_changes: tuple[MergedChange, ...]  # merged since `since` (or the look-back window)
    reviews: tuple[Review, ...]
    # Every pull/merge request updated since `since` (or in the look-back window), any state.
    change_requests: tuple[ChangeSummary, ...] = ()


@dataclass
class RequestStats:
    """Requests an adapter made, for the crawl summary and the benchmark.

    `counted` excludes what the forge does not charge to the rate limit (GitHub: 304 answers). A
    GraphQL query is one request in `total` (not in `counted`: it is charged in `points`).
    """

    total: int = 0
    counted: int = 0
    not_modified: int = 0
    retries: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    points: int = 0  # GitHub GraphQL rate-limit points charged (`rateLimit { cost }`): a budget of its own

    def add(self, kind: str, *, counted: bool = True, not_modified: bool = False) -> None:
        self.total += 1
        self.counted += int(counted)
        self.not_modified += int(not_modified)
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class ConditionalCache(Protocol):
    """Persistent store of ETag'd responses so re-crawls can send If-None-Match."""

    def get(self, key: str) -> tuple[str, Any] | None: ...

    def put(self, key: str, etag: str, payload: Any) -> None: ...


class Forge(Protocol):
    """A code forge the catalog can crawl. One instance per configured forge (and host)."""

    kind: str  # "github" | "gitlab"
    host: str
    stats: RequestStats
    detail_batch: int  # how many repositories one `fetch_batch` call reads together (1: one by one)

    def list_repositories(self, namespace: str) -> Iterator[RepoSummary]:
        """Every repository of an organisation/group (subgroups included), archived and forks too.

        Listing rules (visibility, archived, fork) are applied by the catalog, not here, so the
        catalog can tell "archived" from "gone". Raises ListingIncomplete if a page fails after
        retries (after yielding what it could read).
        """
        ...

    def prepare(self, namespace: str, repos: Sequence[RepoSummary], since: datetime | None) -> None:
        """Called once per organisation/group before its detail reads, with every repository about
        to be read: the adapter may read organisation-wide what would otherwise cost requests per
        repository (GitHub's pull request search, GitLab's group merge requests). Never raises: on a
        failure it logs and the detail reads fall back to reading per repository."""
        ...

    def fetch_details(self, summary: RepoSummary, since: datetime | None) -> RepoDetails:
        """Read one repository. `since`: merged changes/reviews and changed pull/merge requests newer
        than this (None: the full look-back window)."""
        ...

    def fetch_batch(
        self, summaries: Sequence[RepoSummary], since: datetime | None
    ) -> list[RepoDetails | ForgeError]:
        """Read up to `detail_batch` repositories, one result per summary in order: a repository
        that could not be read is its ForgeError, never a reason to fail the others."""
        ...

    def open_good_first_issues(self, namespace: str) -> Iterator[Issue]:
        """Every open issue (never a PR/MR) of the organisation/group carrying one of the configured
        good-first-issue labels, read org-wide (a handful of requests, not one per repository).

        Raises ForgeError if it cannot read them all: the crawl then keeps what it had.
        """
        ...

    def changed_issues(self, namespace: str, since: datetime) -> Iterator[Issue]:
        """Issues of the whole organisation/group updated at or after `since`, any state/label.

        Lets the crawl keep good-first-issues fresh without re-reading unchanged repositories.
        """
        ...

    def repository(self, full_name: str) -> RepoSummary | None:
        """One repository as the forge shows it now (GitHub owner/name, GitLab path or numeric id);
        None when it does not exist or the token may not see it.

        Webhooks ask this before trusting anything about a repository they do not know: a payload
        never decides visibility. Raises ForgeError when the forge cannot answer.
        """
        ...

    def user_email(self, login: str) -> str | None:
        """The account's public e-mail, for identity by e-mail; None when hidden or no such account.

        Raises ForgeError when the forge cannot answer.
        """
        ...

    def username(self, user_id: str) -> str | None:
        """The current username (GitHub login) of the account with this numeric id; None when there
        is no such account. Webhooks ask it when a payload names a person only by id (GitLab's merge
        request and issue hooks give `author_id`). Raises ForgeError when the forge cannot answer.
        """
        ...

    def comment_on_issue(self, full_name: str, number: int, body: str) -> None:
        """Comment on an issue (GitHub owner/name and number; GitLab path and iid), as the token's user.

        Raises ForgeError when the forge refuses (no token, no permission) or cannot answer.
        """
        ...
