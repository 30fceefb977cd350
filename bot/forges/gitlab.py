"""The GitLab forge adapter (gitlab.com and self-managed): the only module that imports python-gitlab.

Reads a group's projects (subgroups included) and, per project, a handful of requests: languages,
the root tree (plus `.gitlab/`, and `docs/` only when needed), the few files the catalog opens,
recent commits and the MRs of the window (merged ones with their approvals; people's MRs touched
since they were opened with approvals and, when they have comments, notes, for the first response).
The MR listing itself is read group-wide when a crawl reads several projects (`prepare`): GitLab's
group endpoint has no per-project cost. Languages, trees, files, commits, approvals and notes have no
group-level endpoint and stay per project (per MR for the last two).
Open good-first-issues are read group-wide, one query per configured label, never per project.
Retries, rate limits and request counting live in the transport (gitlab_transport.py) beneath the client.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import gitlab
import requests
from gitlab.v4.objects import Project, ProjectMergeRequest

from bot.forges import files
from bot.forges import gitlab_mapping as mapping
from bot.forges.base import (
    ChangeResponse,
    ChangeSummary,
    ForgeError,
    Issue,
    ListingIncomplete,
    MergedChange,
    RateLimited,
    RepoDetails,
    RepoFiles,
    RepoSummary,
    RequestStats,
    Review,
    earliest_responses,
    fetch_each,
)
from bot.forges.gitlab_transport import GuardedAdapter, guarded_session

log = logging.getLogger(__name__)

ACTIVE_DAYS = 7 * mapping.WEEKS  # older last activity means no commits to count
MAX_COMMIT_PAGES = 30  # 3,000 commits a year; past that the oldest weeks undercount (the score reads 13)
_NOTE_RESPONDERS = 3  # notes are read until this many people (not the author, not bots) have spoken
_PER_PAGE = 100  # GitLab's largest page
# Below this many projects needing their MR listing, per-project listings cost no more than the group's.
GROUP_MERGE_REQUESTS_MIN = 2


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _RateLimitedListing(ListingIncomplete, RateLimited):
    """A listing cut short by a rate limit: incomplete for the catalog, with the reset time."""


@dataclass(frozen=True)
class _PreparedChanges:
    """One project's merge requests as the group listing returned them (newest update first), read
    with `updated_after=cutoff`."""

    cutoff: datetime
    merge_requests: tuple[Mapping[str, Any], ...]


class GitLabForge:
    """The `Forge` protocol over python-gitlab. Safe to share between crawl threads."""

    kind = "gitlab"
    detail_batch = 1  # REST: one project per `fetch_batch` item, read concurrently by the crawl

    def __init__(
        self,
        *,
        url: str,
        token: str | None,
        good_first_issue_labels: Sequence[str],
        now: Callable[[], datetime] = _utc_now,
        max_rate_limit_wait: float = 60.0,
        lookback_days: int = 180,
        timeout: int = 15,
        max_retries: int = 3,
        retry_backoff: float = 0.5,
        sleep: Callable[[float], None] | None = None,  # tests pass a recorder instead of waiting
    ) -> None:
        parts = urlsplit(url)
        self.host = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        self.stats = RequestStats()
        self._now = now
        self._labels = {label.casefold() for label in good_first_issue_labels}
        # Spellings as configured, for the queries (GitLab matches label titles exactly); only
        # exact repeats are dropped, since "Help wanted" and "help wanted" are two GitLab labels.
        self._label_names = tuple(dict.fromkeys(label for label in good_first_issue_labels if label))
        self._lookback = timedelta(days=lookback_days)
        self._prepared: dict[str, _PreparedChanges] = {}  # project id -> its MRs, from `prepare`
        self._prepared_lock = threading.Lock()  # fetch_details takes them from the crawl's threads
        adapter_options: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
        adapter = GuardedAdapter(
            stats=self.stats,
            now=now,
            max_wait=max_rate_limit_wait,
            max_retries=max_retries,
            backoff=retry_backoff,
            **adapter_options,
        )
        # The client's own 429/5xx retries stay off (see gitlab_transport): the adapter decides.
        self._gl = gitlab.Gitlab(
            url,
            private_token=token,
            timeout=timeout,
            per_page=_PER_PAGE,
            retry_transient_errors=False,
            session=guarded_session(adapter),
        )

    # -- listing ----------------------------------------------------------------------------
    def list_repositories(self, namespace: str) -> Iterator[RepoSummary]:
        group = self._gl.groups.get(namespace, lazy=True)
        try:
            with self._translated(f"listing group {namespace}"):
                pages = group.projects.list(include_subgroups=True, with_shared=False, iterator=True)
                for project in pages:
                    yield mapping.summary(project.attributes, self.host)
        except RateLimited as exc:
            raise _RateLimitedListing(str(exc), reset_at=exc.reset_at) from exc
        except ForgeError as exc:
            raise ListingIncomplete(str(exc)) from exc

    def open_good_first_issues(self, namespace: str) -> Iterator[Issue]:
        """Open issues of the group (subgroups included) with a configured label.

        Costs one request per label and page: one query per label because GitLab's `labels=a,b`
        means *all* of them. GitLab compares label titles exactly (case-sensitively, see its
        Issuables::LabelFilter), so an issue labelled "Good First Issue" is not returned for a
        configured "good first issue": configure each spelling in use to catch it. The group
        endpoint leaves archived projects out, which the catalog does not list anyway.
        """
        group = self._gl.groups.get(namespace, lazy=True)
        seen: set[str] = set()
        with self._translated(f"reading good-first-issues of group {namespace}"):
            for label in self._label_names:
                # GitLab splits `labels=` on commas, so a label with a comma in its title cannot be
                # asked for on its own; the has_label check below then drops what comes back.
                pages = group.issues.list(state="opened", scope="all", labels=[label], iterator=True)
                for item in pages:
                    found = mapping.issue(item.attributes)
                    # Same rule as everywhere else (case-insensitive), and each issue once even
                    # when it carries two configured labels or offset paging repeats it.
                    if found.forge_id in seen or not mapping.has_label(found, self._labels):
                        continue
                    seen.add(found.forge_id)
                    yield found

    def changed_issues(self, namespace: str, since: datetime) -> Iterator[Issue]:
        group = self._gl.groups.get(namespace, lazy=True)
        with self._translated(f"reading issues of group {namespace}"):
            pages = group.issues.list(
                updated_after=since.isoformat(), scope="all", state="all", iterator=True
            )
            for item in pages:
                yield mapping.issue(item.attributes)

    def repository(self, full_name: str) -> RepoSummary | None:
        """GET /projects/:id (a numeric id or the path, URL-encoded by python-gitlab); 404 is None."""
        with self._translated(f"reading project {full_name}"):
            try:
                project = self._gl.projects.get(full_name)
            except gitlab.GitlabGetError as exc:
                if exc.response_code == 404:
                    return None
                raise
            return mapping.summary(project.attributes, self.host)

    # -- merge requests group-wide ------------------------------------------------------------
    def prepare(self, namespace: str, repos: Sequence[RepoSummary], since: datetime | None) -> None:
        """Reads the group's merge requests of the window once (GET /groups/:id/merge_requests,
        subgroups included) when at least GROUP_MERGE_REQUESTS_MIN of `repos` would each list theirs;
        `fetch_details` then takes each project's from here instead of listing them itself.

        Covered are the projects of `repos` that would list MRs and that the group endpoint answers
        for: those in the group or a subgroup (it never includes projects shared into the group) and
        not archived (`non_archived` defaults to true). MRs of other projects are dropped. Never
        raises: on a failure, or when the group's listing would take more pages than the
        per-project listings it replaces, nothing is kept and every project lists its own as before.
        """
        cutoff = self._cutoff(since)
        group_path = namespace.casefold()
        covered = {
            r.forge_id
            for r in repos
            if self._lists_changes(r, cutoff)
            and not r.archived
            and (r.namespace.casefold() + "/").startswith(group_path + "/")
        }
        found: dict[str, dict[str, Mapping[str, Any]]] = {}  # project id -> MR id -> MR
        if len(covered) >= GROUP_MERGE_REQUESTS_MIN:
            found = self._group_merge_requests(namespace, cutoff, covered)
        with self._prepared_lock:  # what an earlier prepare left (a failed read) must never be reused
            self._prepared = {pid: _PreparedChanges(cutoff, tuple(found[pid].values())) for pid in found}

    def _group_merge_requests(
        self, namespace: str, cutoff: datetime, covered: set[str]
    ) -> dict[str, dict[str, Mapping[str, Any]]]:
        """The covered projects' MRs updated since `cutoff` (MR id -> MR, newest update first);
        empty when the group read fails or would take as many pages as there are covered projects,
        the least the per-project listings cost."""
        found: dict[str, dict[str, Mapping[str, Any]]] = {pid: {} for pid in covered}
        most = (len(covered) - 1) * _PER_PAGE  # MRs the group may return and still save requests
        group = self._gl.groups.get(namespace, lazy=True)
        try:
            with self._translated(f"reading merge requests of group {namespace}"):
                listing = group.mergerequests.list(
                    state="all",
                    scope="all",
                    order_by="updated_at",
                    sort="desc",
                    updated_after=cutoff.isoformat(),
                    per_page=_PER_PAGE,
                    iterator=True,
                )
                # GitLab leaves X-Total out above 10,000 results: then we count as we read.
                if (listing.total or 0) > most:
                    return self._not_worth_it(namespace, len(covered))
                for read, mr in enumerate(listing, start=1):
                    if read > most:
                        return self._not_worth_it(namespace, len(covered))
                    attributes = mr.attributes
                    mine = found.get(str(attributes["project_id"]))
                    # Offset pages repeat an MR that an update moved while we read: keep the first.
                    if mine is not None:
                        mine.setdefault(str(attributes["id"]), attributes)
        except (ForgeError, KeyError, TypeError, ValueError) as exc:  # never raises: per project instead
            log.warning(
                "gitlab group merge requests not read, listing them per project: "
                "group=%s projects=%d error=%s",
                namespace,
                len(covered),
                exc,
            )
            return {}
        return found

    @staticmethod
    def _not_worth_it(namespace: str, projects: int) -> dict[str, dict[str, Mapping[str, Any]]]:
        log.info(
            "gitlab group merge requests take more pages than listing them per project: group=%s projects=%d",
            namespace,
            projects,
        )
        return {}

    def _take_prepared(self, project_id: str, cutoff: datetime) -> Iterable[Mapping[str, Any]] | None:
        """This project's MRs from `prepare` (taken once: the memory is freed as projects are read),
        when they cover the window from `cutoff`; else None."""
        with self._prepared_lock:
            prepared = self._prepared.pop(project_id, None)
        return prepared.merge_requests if prepared is not None and prepared.cutoff <= cutoff else None

    # -- one project ------------------------------------------------------------------------
    def fetch_batch(
        self, summaries: Sequence[RepoSummary], since: datetime | None
    ) -> list[RepoDetails | ForgeError]:
        """One project after the other (`detail_batch` is 1: the crawl runs them concurrently)."""
        return fetch_each(self.fetch_details, summaries, since)

    def fetch_details(self, summary: RepoSummary, since: datetime | None) -> RepoDetails:
        project = self._gl.projects.get(summary.forge_id, lazy=True)
        cutoff = self._cutoff(since)
        # Taken before any request, so a read that fails part-way leaves nothing behind.
        prepared = self._take_prepared(summary.forge_id, cutoff)
        with self._translated(f"reading {summary.full_name}"):
            has_content = not summary.empty and summary.default_branch is not None
            languages: dict[str, float] = {}
            repo_files = RepoFiles()
            if has_content:
                answer = project.languages()
                if isinstance(answer, dict):
                    languages = {str(k): float(v) for k, v in answer.items()}
                repo_files = self._files(project, str(summary.default_branch))
            primary = max(languages, key=languages.__getitem__) if languages else None
            changes, reviews, requests = self._changes(project, summary, cutoff, prepared)
            return RepoDetails(
                summary=replace(summary, primary_language=primary),
                subscribers=0,  # GitLab exposes no watcher count
                languages=languages,
                weekly_commits=self._weekly_commits(project, summary)
                if has_content
                else (0,) * mapping.WEEKS,
                files=repo_files,
                merged_changes=tuple(changes),
                reviews=tuple(reviews),
                change_requests=tuple(requests),
            )

    def _tree(self, project: Project, branch: str, path: str, recursive: bool) -> list[str]:
        """Paths in one folder (blobs, and trees with a trailing slash to tell them apart)."""
        entries = project.repository_tree(path=path, recursive=recursive, ref=branch, iterator=True)
        return [e["path"] + ("/" if e["type"] == "tree" else "") for e in entries]

    def _files(self, project: Project, branch: str) -> RepoFiles:
        root = self._tree(project, branch, "", recursive=False)
        paths = [p for p in root if not p.endswith("/")]
        if ".gitlab/" in root:  # templates live in .gitlab/issue_templates etc.
            paths += [p for p in self._tree(project, branch, ".gitlab", True) if not p.endswith("/")]
        facts = files.classify_tree(paths, "gitlab")
        missing = not (facts.readme_path and facts.contributing_path and facts.codeowners_path)
        if "docs/" in root and missing:
            paths += [p for p in self._tree(project, branch, "docs", False) if not p.endswith("/")]
            facts = files.classify_tree(paths, "gitlab")

        def read(path: str | None) -> str | None:
            return self._raw(project, path, branch) if path else None

        readme = read(facts.readme_path)
        innersource_text = read(facts.innersource_path)
        innersource, innersource_error = (
            files.parse_innersource_json(innersource_text) if innersource_text else (None, None)
        )
        ci = read(facts.ci_config_path)
        return RepoFiles(
            readme_path=facts.readme_path if readme is not None else None,
            readme_text=files.readme_excerpt(readme) if readme is not None else None,
            contributing_path=facts.contributing_path,
            codeowners_text=read(facts.codeowners_path),
            license_path=facts.license_path,
            issue_template=facts.issue_template,
            change_template=facts.change_template,
            secret_detection=bool(ci and files.gitlab_ci_has_secret_detection(ci)),
            innersource=innersource,
            innersource_error=innersource_error,
            trusted_committers_section=files.trusted_committers_section(readme) if readme else None,
        )

    def _raw(self, project: Project, path: str, branch: str) -> str | None:
        """A file's text; None if it vanished between the tree listing and now."""
        try:
            content = project.files.raw(file_path=path, ref=branch)
        except gitlab.GitlabGetError as exc:
            if exc.response_code == 404:
                return None
            raise
        return content.decode("utf-8", errors="replace") if isinstance(content, bytes) else None

    def _weekly_commits(self, project: Project, summary: RepoSummary) -> tuple[int, ...]:
        now = self._now()
        if summary.pushed_at < now - timedelta(days=ACTIVE_DAYS):
            return (0,) * mapping.WEEKS  # nothing pushed in a year: no request needed
        pages = project.commits.list(
            since=(now - mapping.WEEKS * mapping.WEEK).isoformat(),
            until=now.isoformat(),
            ref_name=summary.default_branch,
            iterator=True,
        )
        times = []
        for commit in pages:
            times.append(mapping.parse_time(commit.committed_date or commit.created_at))
            if len(times) >= MAX_COMMIT_PAGES * 100:
                break  # older weeks then undercount, but the score is saturated long before
        return mapping.weekly_counts(times, now)

    def _cutoff(self, since: datetime | None) -> datetime:
        """The start of the MR window: `since`, but never further back than the look-back."""
        return max(since or datetime.min.replace(tzinfo=UTC), self._now() - self._lookback)

    @staticmethod
    def _lists_changes(summary: RepoSummary, cutoff: datetime) -> bool:
        """A merge bumps last activity: a project quiet since the cutoff has no MR to list."""
        return not summary.empty and summary.pushed_at >= cutoff

    def _changes(
        self,
        project: Project,
        summary: RepoSummary,
        cutoff: datetime,
        prepared: Iterable[Mapping[str, Any]] | None,
    ) -> tuple[list[MergedChange], list[Review], list[ChangeSummary]]:
        """Merge requests updated in the window, any state, in one listing (the project's own, or
        its part of the group's when `prepared`): merged ones are the ledger's, with their
        approvals; every one is a change request. Its first response comes from approvals and
        notes, read only for people's MRs touched since they were opened (notes only when the MR
        counts any `user_notes_count`)."""
        if not self._lists_changes(summary, cutoff):
            return [], [], []
        listing = prepared
        if listing is None:
            pages = project.mergerequests.list(
                state="all",
                order_by="updated_at",
                sort="desc",
                updated_after=cutoff.isoformat(),
                iterator=True,
            )
            listing = (mr.attributes for mr in pages)
        changes: list[MergedChange] = []
        reviews: list[Review] = []
        requests: list[ChangeSummary] = []
        for mr in listing:
            updated_at = mapping.parse_time(mr["updated_at"])
            if updated_at < cutoff:
                break  # sorted by updated_at: everything further is older still
            request = mapping.change_request(mr, summary.forge_id)
            merged = request.merged_at is not None and request.merged_at >= cutoff
            change = mapping.merged_change(mr, summary.forge_id) if merged else None
            touched = updated_at != request.created_at
            ended = request.closed_at is not None and request.closed_at < cutoff
            answerable = touched and not request.author_is_bot and not ended
            responses: list[ChangeResponse] = []
            handle = project.mergerequests.get(request.number, lazy=True)
            if change is not None or answerable:
                approval = handle.approvals.get().attributes
                if change is not None:
                    changes.append(change)
                    approved = mapping.approvals(approval, change)
                    reviews += approved
                    responses += [
                        ChangeResponse(r.reviewer, r.reviewer_is_bot, r.submitted_at) for r in approved
                    ]
                else:
                    responses += mapping.approval_responses(approval)
            if answerable and int(mr.get("user_notes_count") or 0) > 0:
                responses += self._note_responses(handle, request.author)
            requests.append(replace(request, responses=earliest_responses(responses)))
        return changes, reviews, requests

    def _note_responses(self, handle: ProjectMergeRequest, author: str) -> list[ChangeResponse]:
        """Notes oldest first, until a few people other than the author and bots have spoken (the
        earliest of them is the first response, unless the settings call them bots too)."""
        found: list[ChangeResponse] = []
        people: set[str] = set()
        for note in handle.notes.list(sort="asc", order_by="created_at", iterator=True):
            response = mapping.note_response(note.attributes)
            if response is None:
                continue
            found.append(response)
            if not response.is_bot and response.login.casefold() != author.casefold():
                people.add(response.login.casefold())
                if len(people) >= _NOTE_RESPONDERS:
                    break
        return found

    def user_email(self, login: str) -> str | None:
        """The account's public e-mail (GET /users?username=, then GET /users/:id when the list leaves
        `public_email` out, as it does for non-admin tokens); None when hidden or unknown."""
        with self._translated(f"reading user {login}"):
            found = self._gl.users.list(username=login, get_all=False)
            if not found:
                return None
            attributes = found[0].attributes
            if "public_email" not in attributes:
                attributes = self._gl.users.get(attributes["id"]).attributes
        email = attributes.get("public_email")
        return email.strip() if isinstance(email, str) and "@" in email else None

    def username(self, user_id: str) -> str | None:
        """GET /users/:id; 404 (no such user, or blocked from this token's view) is None."""
        with self._translated(f"reading user {user_id}"):
            try:
                name = self._gl.users.get(user_id).attributes.get("username")
            except gitlab.GitlabGetError as exc:
                if exc.response_code == 404:
                    return None
                raise
        return name if isinstance(name, str) and name else None

    def comment_on_issue(self, full_name: str, number: int, body: str) -> None:
        """POST /projects/:id/issues/:iid/notes."""
        with self._translated(f"commenting on {full_name}#{number}"):
            project = self._gl.projects.get(full_name, lazy=True)
            project.issues.get(number, lazy=True).notes.create({"body": body})

    # -- errors -----------------------------------------------------------------------------
    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        """Library and transport errors become ForgeError naming what failed (never the token)."""
        try:
            yield
        except ForgeError:
            raise
        except gitlab.GitlabAuthenticationError as exc:
            raise ForgeError(f"GitLab {self.host} refused the token while {what} (401)") from exc
        except gitlab.GitlabError as exc:
            raise ForgeError(
                f"GitLab {self.host} failed while {what}: {exc.response_code} {exc.error_message}"
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:  # an answer missing what GitLab always sends
            raise ForgeError(f"GitLab {self.host} sent an unexpected answer while {what}: {exc!r}") from exc
        except requests.RequestException as exc:
            raise ForgeError(f"GitLab {self.host} unreachable while {what}: {type(exc).__name__}") from exc
