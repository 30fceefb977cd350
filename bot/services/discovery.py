"""Discovery use cases: `find` (ranked, filtered, paged) and `project` (one card, a choice, or a guess)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.search_catalog import CatalogSearch, document_from_row
from bot.catalog.search_index import Filters, SearchIndex
from bot.catalog.search_text import language_key, terms, topic_key
from bot.clock import Clock
from bot.db.announcements import POSTED, Announcement
from bot.db.models import Project
from bot.services.card_metrics import CardMetrics
from bot.services.command_line import parse_find, plain
from bot.services.metrics import ProjectMetrics, project_metrics
from bot.services.project_views import (
    card_columns,
    card_from,
    card_of,
    load_summaries,
    match_reasons,
    summary_of,
)
from bot.services.results import (
    PAGE_SIZE,
    FindQuery,
    FindResult,
    ProjectAnswer,
    ProjectChoice,
    ProjectHit,
    ProjectNotFound,
    ProjectSummary,
)

MAX_CHOICES = 8  # an ambiguous name lists at most this many projects
NEW_DAYS, NEW_LIMIT = 30, 50  # `new`: projects ready in the last 30 days, at most 50 of them


def typed_words(words: Sequence[str]) -> dict[str, str]:
    """Each search term of the query → the word the person typed (to quote them back)."""
    typed: dict[str, str] = {}
    for word in words:
        word_terms = terms(word)
        for term in word_terms:
            typed.setdefault(term, word if len(word_terms) == 1 else term)
    return typed


def _filters_matched(project: ProjectSummary, query: FindQuery) -> list[str]:
    reasons = [f"language: {lang}" for lang in project.languages if language_key(lang) in query.languages]
    return reasons + [f"topic: {topic}" for topic in project.topics if topic_key(topic) in query.topics]


class Discovery:
    """`find` and `project`. With `metrics` (the clock, the metrics window, bot logins), a project
    card carries the project's four metrics (bot/services/metrics.py), kept in memory beside the
    index (bot/services/card_metrics.py)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        search: CatalogSearch,
        page_size: int = PAGE_SIZE,
        metrics: tuple[Clock, int, frozenset[str]] | None = None,
    ):
        self._sessions = sessions
        self._search = search
        self._page_size = page_size
        self._metrics = metrics
        self._card_metrics: CardMetrics | None = None
        if metrics is not None:
            snapshot = search.snapshot_path
            path = snapshot.with_name(f"{snapshot.stem}-card-metrics.npz") if snapshot is not None else None
            self._card_metrics = CardMetrics(sessions, *metrics, idle=search.idle, path=path)
            search.add_companion(self._card_metrics.refresh)

    def catalog_size(self) -> int:
        return len(self._search.index)

    def refresh_with(self, refresh: Callable[[], object]) -> None:
        """Run `refresh` on the catalog's refresh schedule (a cache of something answers show, such as
        who subscribes to what, kept as fresh as the index in every replica)."""
        self._search.add_companion(refresh)

    def find(self, text: str, offset: int = 0) -> FindResult:
        query = parse_find(text)
        index = self._search.index
        size = len(index)
        query_terms = terms(" ".join(query.words))
        filters = Filters(query.languages, query.topics, query.forges)
        if size == 0 or not (query_terms or filters):
            return FindResult(query, (), 0, 0, size)
        outcome = index.search(query_terms, filters)
        if not outcome.total:
            return FindResult(query, (), 0, 0, size, self._suggestions(index, query))
        offset = max(0, min(offset, outcome.total - 1))
        page = outcome.page(offset, self._page_size)
        rows = self._search.rows(page)  # from memory: a `find` asks the database nothing
        typed = typed_words(query.words)
        hits = []
        for project_id in page:
            if project_id not in rows:  # removed since the index last refreshed
                continue
            summary = summary_of(rows[project_id], self._search.open_issues(project_id))
            fields = document_from_row(rows[project_id]).fields
            reasons = match_reasons(fields, typed, outcome.corrections, _filters_matched(summary, query))
            hits.append(ProjectHit(summary, reasons))
        return FindResult(query, tuple(hits), offset, outcome.total, size)

    def _suggestions(self, index: SearchIndex, query: FindQuery) -> tuple[str, ...]:
        """Closest project names to what was typed, then closest topics to each word."""
        text = " ".join(query.words)
        suggestions: list[str] = []
        if text:
            ids = index.closest_names(text)
            names = self._search.rows(ids)
            suggestions += [names[i]["name"] for i in ids if i in names]
        for word in (*query.words, *query.topics):
            suggestions += [f"topic:{t}" for t in index.closest_topics(word)]
        return tuple(dict.fromkeys(suggestions))[:5]

    def new_projects(
        self, now: datetime, days: int = NEW_DAYS, limit: int = NEW_LIMIT
    ) -> list[ProjectSummary]:
        """Listed projects that first became InnerSource-ready, or were announced, in the last `days`,
        newest first (by the later of the two): `/innersource new` and App Home read them. Announced
        counts for a project ready earlier and announced only now (a private one once
        `announce_private` is on, one that waited for room under `announce_max_per_run`)."""
        since = now - timedelta(days=days)
        with self._sessions() as session:
            ready = session.execute(
                select(Project.id, Project.first_ready_at)
                .where(Project.listed.is_(True), Project.ready.is_(True), Project.first_ready_at >= since)
                .order_by(Project.first_ready_at.desc(), Project.id.desc())
                .limit(limit)
            ).all()
            announced = session.execute(
                select(Announcement.project_id, Announcement.recorded_at)
                .join(Project, Project.id == Announcement.project_id)
                .where(
                    Announcement.how == POSTED, Announcement.recorded_at >= since, Project.listed.is_(True)
                )
                .order_by(Announcement.recorded_at.desc(), Announcement.project_id.desc())
                .limit(limit)
            ).all()
            when: dict[int, datetime] = {}
            for project_id, at in [*ready, *announced]:
                if project_id is not None and at is not None:
                    when[project_id] = max(at, when.get(project_id, at))
            ids = sorted(when, key=lambda i: (when[i], i), reverse=True)[:limit]
            summaries = load_summaries(session, ids)
        return [summaries[i] for i in ids if i in summaries]

    def project(self, reference: str) -> ProjectAnswer:
        text = " ".join(plain(reference).split())  # a pasted URL may come as Slack's <url|label>
        index = self._search.index
        if not text:
            return ProjectNotFound("", None, len(index))
        ids, host = self._lookup(index, text)
        if len(ids) == 1:
            return self.project_by_id(ids[0])
        if len(ids) > 1:
            summaries = self._summaries(ids[:MAX_CHOICES])
            if host:  # a URL names one forge host; prefer the project on it
                on_host = [i for i in ids if i in summaries and urlsplit(summaries[i].web_url).netloc == host]
                if len(on_host) == 1:
                    return self.project_by_id(on_host[0])
            return ProjectChoice(text, tuple(summaries[i] for i in ids[:MAX_CHOICES] if i in summaries))
        guesses = index.closest_names(text.rsplit("/", 1)[-1], limit=1)
        guess = self._summaries(guesses).get(guesses[0]) if guesses else None
        return ProjectNotFound(text, guess, len(index))

    def _summaries(self, project_ids: Sequence[int]) -> dict[int, ProjectSummary]:
        """Summaries from the catalog's memory (listed projects only, as the index holds)."""
        rows = self._search.rows(project_ids)
        return {i: summary_of(row, self._search.open_issues(i)) for i, row in rows.items()}

    def _lookup(self, index: SearchIndex, text: str) -> tuple[list[int], str | None]:
        """Ids matching a URL, an owner/name path or a bare name; and the URL's host, if any."""
        if text.startswith(("http://", "https://")):
            parts = urlsplit(text)
            path = parts.path.split("/-/", 1)[0].removesuffix(".git").strip("/").split("/")
            for length in range(len(path), 1, -1):  # …/acme/repo/tree/main/src: longest known prefix
                ids = index.by_full_name("/".join(path[:length]))
                if ids:
                    return ids, parts.netloc
            return [], parts.netloc
        if "/" in text:
            return index.by_full_name(text) or index.by_full_name_suffix(text), None
        return index.by_name(text) or index.by_name_words(text), None

    def project_by_id(self, project_id: int) -> ProjectAnswer:
        """The card: what a result line shows from the catalog's memory, the rest (maintainers,
        checklist, issues) from the database; the metrics from memory once they have loaded."""
        rows = self._search.rows([project_id])
        with self._sessions() as session:
            columns = card_columns(session, project_id)
            if columns is None:
                return ProjectNotFound(f"#{project_id}", None, len(self._search.index))
            if not columns["listed"]:  # archived, made private or deleted since the list was shown
                full_name = session.scalars(select(Project.full_name).where(Project.id == project_id)).one()
                return ProjectNotFound(full_name, None, len(self._search.index))
            if project_id in rows:
                card = card_from(session, {**rows[project_id], **columns})
            else:  # listed since the index last refreshed
                project = session.get(Project, project_id)
                assert project is not None
                card = card_of(session, project)
            if self._metrics is not None:
                card = replace(card, metrics=self._project_metrics(session, project_id))
            return card

    def _project_metrics(self, session: Session, project_id: int) -> ProjectMetrics:
        cached = self._card_metrics.get(project_id) if self._card_metrics is not None else None
        if cached is not None:
            return cached
        assert self._metrics is not None
        clock, window_days, bots = self._metrics  # not loaded yet (a replica starting): ask the database
        return project_metrics(session, project_id, clock(), window_days, bots)
