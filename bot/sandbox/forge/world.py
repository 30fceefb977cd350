"""The in-memory state of the fake forge: organisations, repositories, issues, pull requests.

One World is served in GitHub's API shape (`github_api.py`) and GitLab's (`gitlab_api.py`) by the
loopback server in `server.py`. Tests and benchmarks mutate it (under `lock`) to simulate activity.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

WEEK = timedelta(weeks=1)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass
class FakeUser:
    login: str  # GitHub login / GitLab username
    id: int
    name: str
    email: str | None = None
    is_bot: bool = False


@dataclass
class FakeIssue:
    number: int  # GitHub number / GitLab iid
    id: int
    title: str
    author: str
    labels: list[str]
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # "open" | "closed"
    assignees: list[str] = field(default_factory=list)
    body: str = ""
    comments: list[str] = field(default_factory=list)  # bodies of comments/notes posted through the API


@dataclass
class FakeReview:
    id: int
    reviewer: str
    state: str  # APPROVED | COMMENTED | CHANGES_REQUESTED
    submitted_at: datetime


@dataclass
class FakeComment:
    """A comment on a pull request (GitHub) or a note on a merge request (GitLab)."""

    id: int
    author: str
    created_at: datetime
    body: str = ""
    system: bool = False  # GitLab system notes ("approved this merge request", "added 1 commit")


@dataclass
class FakePull:
    """A GitHub pull request / GitLab merge request. It shares `number` space with issues on GitHub."""

    number: int
    id: int
    title: str
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # "open" | "closed" | "merged"
    merged_at: datetime | None = None
    reviews: list[FakeReview] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # PRs carry labels too (and show in issue lists)
    comments: list[FakeComment] = field(default_factory=list)  # conversation comments / MR notes
    closed_at: datetime | None = None  # closed without merging (merged ones close at merged_at)

    @property
    def ended_at(self) -> datetime | None:
        """When it was merged or closed; None while open."""
        return None if self.state == "open" else self.merged_at or self.closed_at or self.updated_at


@dataclass
class FakeRepo:
    forge: str  # "github" | "gitlab"
    namespace: str  # GitHub org login; GitLab group full path (may be "group/subgroup")
    name: str
    id: int
    description: str
    created_at: datetime
    updated_at: datetime
    pushed_at: datetime
    topics: list[str] = field(default_factory=list)
    visibility: str = "internal"  # public | internal | private
    archived: bool = False
    fork: bool = False
    empty: bool = False  # no commits: tree/contents/stats answer as GitHub/GitLab do for empty repos
    default_branch: str = "main"
    languages: dict[str, int] = field(default_factory=dict)
    stars: int = 0
    forks: int = 0
    watchers: int = 0  # GitHub subscribers_count; GitLab has no equivalent
    weekly_commits: list[int] = field(default_factory=lambda: [0] * 52)  # oldest first
    files: dict[str, str] = field(default_factory=dict)  # path -> text, on the default branch
    issues: list[FakeIssue] = field(default_factory=list)
    pulls: list[FakePull] = field(default_factory=list)
    secret_scanning: bool = False  # GitHub security_and_analysis.secret_scanning
    license_spdx: str | None = None  # GitHub `license.spdx_id` when a LICENSE file exists

    @property
    def full_name(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def primary_language(self) -> str | None:
        return max(self.languages, key=self.languages.__getitem__) if self.languages else None

    def open_issue_count(self) -> int:
        """GitHub's open_issues_count counts open PRs too; GitLab's counts issues only."""
        issues = sum(1 for i in self.issues if i.state == "open")
        if self.forge == "github":
            issues += sum(1 for p in self.pulls if p.state == "open")
        return issues


def commit_times(repo: FakeRepo, now: datetime) -> list[datetime]:
    """When the default branch's commits were made, oldest first, synthesised from `weekly_commits`.

    The last count is the week ending at `now`, the one before it the week before, and so on. A
    week's c commits sit at start + (k+1)·week/(c+1), strictly inside it, so bucketing them by week
    gives the counts back exactly (what the REST participation statistics answer). Whole seconds,
    as git records commit times.
    """
    weeks = len(repo.weekly_commits)
    return [
        (now - (weeks - index) * WEEK + WEEK * (k + 1) / (count + 1)).replace(microsecond=0)
        for index, count in enumerate(repo.weekly_commits)
        for k in range(count)
    ]


@dataclass
class Fault:
    """Answer the next `times` requests whose path (query string included) contains `path_contains`."""

    forge: str  # "github" | "gitlab" | "*"
    path_contains: str
    status: int
    times: int = 1
    headers: dict[str, str] = field(default_factory=dict)
    body: str = '{"message": "injected fault"}'


@dataclass(frozen=True)
class LoggedRequest:
    forge: str
    method: str
    path: str  # path with query string, without the /api/vN prefix
    status: int
    headers: dict[str, str]


class World:
    """Everything the fake forge serves. Mutate only while holding `lock`."""

    def __init__(self, now: datetime | None = None) -> None:
        self.lock = threading.RLock()
        self.now = now or datetime.now(UTC)
        self.graphql_points_used = 0  # GraphQL rate-limit points charged (github_graphql.py)
        self.graphql_requests = 0  # POSTs that reached the GraphQL endpoint (injected faults answer first)
        # A query selecting more `repository(owner, name)` fields than this gets the 502 of a query
        # that timed out on GitHub; None: no limit.
        self.graphql_max_repositories: int | None = None
        self.github_orgs: list[str] = []
        self.gitlab_groups: list[str] = []  # full paths; subgroups listed too ("a", "a/b")
        self.users: dict[str, FakeUser] = {}
        self.repos: list[FakeRepo] = []
        self.faults: list[Fault] = []
        self.log: list[LoggedRequest] = []
        # GitHub answers stats endpoints with 202 while it computes them: repo id -> 202s left.
        self.stats_pending: dict[int, int] = {}
        self.required_token: str | None = None  # when set, requests without it get 401
        self._ids = itertools.count(1000)
        self._github_index: tuple[int, dict[str, FakeRepo]] | None = None  # see github_repo

    def next_id(self) -> int:
        return next(self._ids)

    # -- building -----------------------------------------------------------------------------
    def add_user(self, login: str, name: str = "", email: str | None = None, bot: bool = False) -> FakeUser:
        with self.lock:
            user = self.users.get(login)
            if user is None:
                user = FakeUser(login, self.next_id(), name or login, email, bot)
                self.users[login] = user
            return user

    def add_repo(self, repo: FakeRepo) -> FakeRepo:
        with self.lock:
            self.repos.append(repo)
            return repo

    def new_repo(self, forge: str, namespace: str, name: str, **kwargs: object) -> FakeRepo:
        created = kwargs.pop("created_at", self.now - timedelta(days=400))
        assert isinstance(created, datetime)
        pushed = kwargs.pop("pushed_at", created)
        updated = kwargs.pop("updated_at", pushed)
        repo = FakeRepo(
            forge=forge,
            namespace=namespace,
            name=name,
            id=self.next_id(),
            description=str(kwargs.pop("description", "")),
            created_at=created,
            updated_at=updated,  # type: ignore[arg-type]
            pushed_at=pushed,  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        )
        return self.add_repo(repo)

    def add_issue(
        self, repo: FakeRepo, title: str, author: str, labels: list[str], **kwargs: object
    ) -> FakeIssue:
        with self.lock:
            number = self._next_number(repo)
            at = kwargs.pop("created_at", self.now)
            issue = FakeIssue(number, self.next_id(), title, author, labels, at, at, **kwargs)  # type: ignore[arg-type]
            repo.issues.append(issue)  # issue activity moves neither pushed_at nor updated_at
            return issue

    def add_pull(self, repo: FakeRepo, title: str, author: str, **kwargs: object) -> FakePull:
        with self.lock:
            number = self._next_number(repo, pull=True)
            at = kwargs.pop("created_at", self.now)
            pull = FakePull(number, self.next_id(), title, author, at, at, **kwargs)  # type: ignore[arg-type]
            if pull.state == "merged":
                merged_at = pull.merged_at or pull.created_at
                pull.merged_at = pull.updated_at = merged_at
                repo.pushed_at = max(repo.pushed_at, merged_at)  # a merge pushes the base branch
                repo.updated_at = max(repo.updated_at, merged_at)
            repo.pulls.append(pull)
            return pull

    def add_review(
        self, pull: FakePull, reviewer: str, state: str = "APPROVED", at: datetime | None = None
    ) -> FakeReview:
        with self.lock:
            review = FakeReview(self.next_id(), reviewer, state, at or pull.merged_at or self.now)
            pull.reviews.append(review)
            pull.updated_at = max(pull.updated_at, review.submitted_at)  # as the forges bump it
            return review

    def add_comment(
        self, pull: FakePull, author: str, at: datetime | None = None, body: str = "", system: bool = False
    ) -> FakeComment:
        """A comment on the pull request's conversation (GitHub) or a note on the MR (GitLab)."""
        with self.lock:
            comment = FakeComment(self.next_id(), author, at or self.now, body or "Thanks!", system)
            pull.comments.append(comment)
            pull.updated_at = max(pull.updated_at, comment.created_at)
            return comment

    def close_pull(self, pull: FakePull, at: datetime | None = None) -> None:
        """Close without merging."""
        with self.lock:
            pull.state, pull.closed_at = "closed", at or self.now
            pull.updated_at = max(pull.updated_at, pull.closed_at)

    def _next_number(self, repo: FakeRepo, pull: bool = False) -> int:
        if repo.forge == "github":  # issues and PRs share one sequence on GitHub
            numbers = [i.number for i in repo.issues] + [p.number for p in repo.pulls]
        else:  # GitLab numbers issues and merge requests (iids) separately
            numbers = [p.number for p in repo.pulls] if pull else [i.number for i in repo.issues]
        return max(numbers, default=0) + 1

    # -- querying -----------------------------------------------------------------------------
    def repos_of(self, forge: str, namespace: str, include_subgroups: bool = False) -> list[FakeRepo]:
        with self.lock:
            return [
                r
                for r in self.repos
                if r.forge == forge
                and (
                    r.namespace == namespace
                    or (include_subgroups and r.namespace.startswith(namespace + "/"))
                )
            ]

    def github_repo(self, full_name: str) -> FakeRepo | None:
        """GitHub's repository by owner/name, case-insensitively, as GitHub finds it: through an index
        (a 50,000-repository organisation must not cost a scan per lookup), rebuilt whenever the
        repositories were added or removed, or a name no longer matches (a rename)."""
        key = full_name.lower()
        with self.lock:
            index = self._github_index
            if index is None or index[0] != len(self.repos):
                index = self._github_index = (len(self.repos), self._index_github())
            found = index[1].get(key)
            if found is None or found.full_name.lower() != key:
                self._github_index = (len(self.repos), self._index_github())
                found = self._github_index[1].get(key)
            return found

    def _index_github(self) -> dict[str, FakeRepo]:
        index: dict[str, FakeRepo] = {}
        for repo in self.repos:
            if repo.forge == "github":
                index.setdefault(repo.full_name.lower(), repo)
        return index

    def find_repo(self, forge: str, full_name_or_id: str) -> FakeRepo | None:
        with self.lock:
            for r in self.repos:
                if r.forge == forge and (r.full_name == full_name_or_id or str(r.id) == full_name_or_id):
                    return r
            return None

    def remove_repo(self, repo: FakeRepo) -> None:
        with self.lock:
            self.repos.remove(repo)

    # -- faults and log -----------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, forge: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.forge in (forge, "*") and fault.path_contains in path and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
            return None

    def record(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.log.append(entry)

    def requests(self, forge: str | None = None, path_contains: str = "") -> list[LoggedRequest]:
        with self.lock:
            return [e for e in self.log if (forge is None or e.forge == forge) and path_contains in e.path]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()
