"""Crawl orchestration: list every configured org/group, re-read only what changed, keep the
catalog whole when a forge misbehaves.

Per source (forge + namespace): list (cheap; GitHub pages answer 304 when nothing changed), decide
per repository from its change marker, read details concurrently for the changed ones, then catch
good-first-issue changes in unchanged repositories with one org-wide query. A repository leaves the
catalog only when a *complete* listing no longer shows it (deleted) or shows it archived/forked/
private; a failed page or detail read never removes anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bot.catalog import issue_sync, store
from bot.catalog.listing import unlisted_reason
from bot.db.engine import session_scope
from bot.db.models import CrawlCursor, CrawlRun, Project
from bot.forges.base import (
    Forge,
    ForgeError,
    ListingIncomplete,
    RateLimited,
    RepoDetails,
    RepoSummary,
)

log = logging.getLogger(__name__)

COMMIT_EVERY = 200  # rows per transaction while writing details: bounded memory, visible progress


@dataclass(frozen=True)
class CrawlSettings:
    good_first_issue_labels: tuple[str, ...]
    include_private_topic: str
    readiness_threshold: int
    workers: int = 8
    bot_logins: tuple[str, ...] = ()  # accounts that are bots without saying so (Settings.bot_logins)


@dataclass(frozen=True)
class Source:
    """One configured organisation/group on one forge."""

    forge: Forge
    namespace: str

    @property
    def key(self) -> str:
        return f"{self.forge.kind}:{self.forge.host}:{self.namespace}"


@dataclass
class CrawlSummary:
    listed: int = 0  # repositories in the catalog after the crawl (from these sources)
    seen: int = 0  # repositories the listings showed, listed or not
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    issues_updated: int = 0
    newly_ready: int = 0
    requests: int = 0
    requests_counted: int = 0  # REST requests charged to the rate limit
    not_modified: int = 0
    points: int = 0  # GraphQL points charged (GitHub): a budget of its own
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "ok" if not self.errors else "partial"


# progress(stage, done, total): stage is "list", "details" or "issues"
Progress = Callable[[str, int, int | None], None]


def no_progress(stage: str, done: int, total: int | None) -> None:
    pass


class Crawler:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        sources: Sequence[Source],
        settings: CrawlSettings,
        now: Callable[[], datetime],
        progress: Progress = no_progress,
    ) -> None:
        self.sessions = sessions
        self.sources = sources
        self.settings = settings
        self.now = now
        self._report = progress
        self._stage_base: dict[str, int] = {}

    def progress(self, stage: str, done: int, total: int | None) -> None:
        """Counts continue across sources, so one bar per stage covers the whole crawl."""
        base = self._stage_base.get(stage, 0)
        self._report(stage, base + done, None if total is None else base + total)
        if total is not None and done == total:
            self._stage_base[stage] = base + total

    def crawl(self, full: bool = False) -> CrawlSummary:
        started, clock = self.now(), time.monotonic()
        summary = CrawlSummary()
        before = {
            id(s.forge): (
                s.forge.stats.total,
                s.forge.stats.counted,
                s.forge.stats.not_modified,
                s.forge.stats.points,
            )
            for s in self.sources
        }
        with session_scope(self.sessions) as session:
            run = CrawlRun(started_at=started, full=full, status="running", summary={}, errors=[])
            session.add(run)
        seen_ids: set[tuple[str, str, str]] = set()
        for source in self.sources:
            self._crawl_source(source, full, started, summary, seen_ids)
        forges = {id(s.forge): s.forge for s in self.sources}.values()
        for forge in forges:
            summary.newly_ready += self._rescore(forge)
            total, counted, not_modified, points = before[id(forge)]
            summary.requests += forge.stats.total - total
            summary.requests_counted += forge.stats.counted - counted
            summary.not_modified += forge.stats.not_modified - not_modified
            summary.points += forge.stats.points - points
        summary.seconds = time.monotonic() - clock
        with session_scope(self.sessions) as session:
            summary.listed = sum(
                session.scalar(select(func.count()).select_from(_projects_of(f).subquery())) or 0
                for f in forges
            )
            finished = session.get(CrawlRun, run.id)
            assert finished is not None
            finished.finished_at = self.now()
            finished.status = summary.status
            finished.summary = {k: v for k, v in vars(summary).items() if k != "errors"}
            finished.errors = summary.errors[:200]
        return summary

    # -- one source -------------------------------------------------------------------------------
    def _crawl_source(
        self,
        source: Source,
        full: bool,
        started: datetime,
        summary: CrawlSummary,
        seen_ids: set[tuple[str, str, str]],
    ) -> None:
        with session_scope(self.sessions) as session:
            cursor = session.get(CrawlCursor, source.key)
            since = None if full or cursor is None else cursor.last_success_at
        listing, complete = self._list(source, summary)
        fresh = [s for s in listing if (s.forge, s.host, s.forge_id) not in seen_ids]
        seen_ids.update((s.forge, s.host, s.forge_id) for s in listing)
        summary.seen += len(fresh)

        with session_scope(self.sessions) as session:
            to_fetch = self._reconcile(session, source, fresh, full, summary)
            if complete:
                self._remove_missing(session, source, {s.forge_id for s in listing}, summary)
        if to_fetch:
            source.forge.prepare(source.namespace, to_fetch, since)
        failures = self._fetch_and_store(source, to_fetch, since, summary)
        issues_ok = self._sync_issues(source, since, summary)
        if complete and issues_ok and failures == 0:
            with session_scope(self.sessions) as session:
                session.merge(CrawlCursor(source=source.key, last_success_at=started))
        log.info(
            "crawl source=%s listed=%d fetched=%d failed=%d complete=%s",
            source.key,
            len(listing),
            len(to_fetch),
            failures,
            complete,
        )

    def _list(self, source: Source, summary: CrawlSummary) -> tuple[list[RepoSummary], bool]:
        listing: list[RepoSummary] = []
        try:
            for repo in source.forge.list_repositories(source.namespace):
                listing.append(repo)
                if len(listing) % 100 == 0:
                    self.progress("list", len(listing), None)
        except (ListingIncomplete, RateLimited, ForgeError) as exc:
            summary.errors.append(
                f"{source.key}: listing incomplete after {len(listing)} repositories: {exc}"
            )
            return listing, False
        self.progress("list", len(listing), len(listing))
        return listing, True

    def _reconcile(
        self,
        session: Session,
        source: Source,
        listing: list[RepoSummary],
        full: bool,
        summary: CrawlSummary,
    ) -> list[RepoSummary]:
        """Apply listing fields, unlist what no longer qualifies, return what needs a detail read."""
        now = self.now()
        existing = {p.forge_id: p for p in session.scalars(_projects_of(source.forge, listed_only=False))}
        to_fetch: list[RepoSummary] = []
        for repo in listing:
            project = existing.get(repo.forge_id)
            reason = unlisted_reason(repo, self.settings.include_private_topic)
            if reason is not None:
                if project is not None and project.listed:
                    project.listed, project.unlisted_reason = False, reason
                    store.apply_summary(project, repo)
                    summary.removed += 1
                continue
            if project is None:
                project = store.new_project(repo, source.namespace, now)
                session.add(project)
                summary.new += 1
                to_fetch.append(repo)
                continue
            needs_read = (
                full
                or not project.details_complete
                or project.change_marker != repo.change_marker
                or not project.listed
            )
            if not project.listed:
                project.listed, project.unlisted_reason = True, None
            store.apply_summary(project, repo)
            if needs_read:
                summary.changed += 1
                to_fetch.append(repo)
            else:
                summary.unchanged += 1
        return to_fetch

    def _remove_missing(
        self, session: Session, source: Source, seen: set[str], summary: CrawlSummary
    ) -> None:
        """Only after a complete listing: listed projects of this source that are gone were deleted."""
        for project in session.scalars(
            _projects_of(source.forge).where(Project.namespace == source.namespace)
        ):
            if project.forge_id not in seen:
                project.listed, project.unlisted_reason = False, "deleted"
                summary.removed += 1

    # -- details ----------------------------------------------------------------------------------
    def _fetch_and_store(
        self,
        source: Source,
        repos: list[RepoSummary],
        since: datetime | None,
        summary: CrawlSummary,
    ) -> int:
        if not repos:
            return 0
        failures = done = 0
        session = self.sessions()
        try:
            for repo, result in self._fetch_all(source.forge, repos, since):
                done += 1
                if isinstance(result, Exception):
                    failures += 1
                    summary.failed += 1
                    summary.errors.append(f"{source.key}: {repo.full_name}: {result}")
                else:
                    project = session.scalars(
                        select(Project).where(
                            Project.forge == repo.forge,
                            Project.host == repo.host,
                            Project.forge_id == repo.forge_id,
                        )
                    ).one()
                    store.apply_details(session, project, result, self.now(), self.settings.bot_logins)
                if done % COMMIT_EVERY == 0:
                    session.commit()
                self.progress("details", done, len(repos))
            session.commit()
        finally:
            session.close()
        return failures

    def _fetch_all(
        self, forge: Forge, repos: list[RepoSummary], since: datetime | None
    ) -> Iterator[tuple[RepoSummary, RepoDetails | Exception]]:
        """Detail reads run concurrently (forges are latency-bound), `forge.detail_batch`
        repositories per call (GitHub's GraphQL reads dozens in one query); results come back in
        order."""
        size = max(1, forge.detail_batch)

        def read(batch: list[RepoSummary]) -> list[RepoDetails | ForgeError] | Exception:
            try:
                return forge.fetch_batch(batch, since)
            except (ForgeError, OSError) as exc:  # one batch failing never stops the crawl
                return exc

        batches = [repos[i : i + size] for i in range(0, len(repos), size)]
        with ThreadPoolExecutor(max_workers=self.settings.workers, thread_name_prefix="crawl") as pool:
            window = self.settings.workers * 4  # bounded look-ahead keeps memory flat for 50k repos
            pending: list[tuple[list[RepoSummary], Future[list[RepoDetails | ForgeError] | Exception]]] = []

            def results(
                batch: list[RepoSummary], outcome: list[RepoDetails | ForgeError] | Exception
            ) -> Iterator[tuple[RepoSummary, RepoDetails | Exception]]:
                for index, repo in enumerate(batch):
                    yield repo, outcome if isinstance(outcome, Exception) else outcome[index]

            for batch in batches:
                pending.append((batch, pool.submit(read, batch)))
                if len(pending) >= window:
                    first, future = pending.pop(0)
                    yield from results(first, future.result())
            for batch, future in pending:
                yield from results(batch, future.result())

    # -- good-first-issues ------------------------------------------------------------------------
    def _sync_issues(self, source: Source, since: datetime | None, summary: CrawlSummary) -> bool:
        """Org-wide: all open ones on a first/full crawl, else the changes since the cursor."""
        try:
            issues = issue_sync.read_issues(source.forge, source.namespace, since)
        except ForgeError as exc:  # the catalog keeps the issues it had; the cursor stays put
            summary.errors.append(f"{source.key}: good-first-issues not read: {exc}")
            return False
        projects = _projects_of(source.forge).where(Project.namespace == source.namespace)
        with session_scope(self.sessions) as session:
            if since is None:
                summary.issues_updated += issue_sync.replace_all_open(session, projects, issues)
            else:
                labels = self.settings.good_first_issue_labels
                summary.issues_updated += issue_sync.apply_changes(session, projects, issues, labels)
        self.progress("issues", len(issues), len(issues))
        return True

    def _rescore(self, forge: Forge) -> int:
        """Score and readiness decay with time, so every listed project is re-derived (no requests).
        Returns how many became InnerSource-ready for the first time."""
        became_ready = 0
        with session_scope(self.sessions) as session:
            now = self.now()
            for project in session.scalars(_projects_of(forge).options(selectinload(Project.issues))):
                became_ready += store.rescore(project, self.settings.readiness_threshold, now)
        return became_ready


def _projects_of(forge: Forge, *, listed_only: bool = True) -> Select[Project]:
    query = select(Project).where(Project.forge == forge.kind, Project.host == forge.host)
    return query.where(Project.listed) if listed_only else query
