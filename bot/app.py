"""Composition root: settings → engine → forges → services. The one place that wires modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.crawl import Crawler, CrawlSettings, Progress, Source, no_progress
from bot.catalog.http_cache import DbConditionalCache
from bot.config import Settings
from bot.db.engine import make_engine, session_factory, upgrade


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Core:
    """What every command needs: settings, a migrated database, a clock."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    now: Callable[[], datetime] = utc_now


def build_core(settings: Settings, now: Callable[[], datetime] = utc_now) -> Core:
    engine = make_engine(settings.database_url)
    upgrade(engine)  # migrations are applied on every start; a no-op when up to date
    return Core(settings, engine, session_factory(engine), now)


def _secret(value: object) -> str | None:
    get = getattr(value, "get_secret_value", None)
    return str(get()) if get is not None else None


def build_sources(core: Core) -> list[Source]:
    # Imported here: commands that never crawl (db, export) need not load PyGithub/python-gitlab.
    from bot.forges.github import GitHubForge
    from bot.forges.gitlab import GitLabForge

    settings, cache = core.settings, DbConditionalCache(core.sessions)
    labels = settings.good_first_issue_labels
    sources: list[Source] = []
    if settings.github_orgs:
        github = GitHubForge(
            api_url=settings.github_api_url,
            token=_secret(settings.github_token),
            good_first_issue_labels=labels,
            cache=cache,
            now=core.now,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            lookback_days=settings.lookback_days,
        )
        sources += [Source(github, org) for org in settings.github_orgs]
    if settings.gitlab_groups:
        gitlab = GitLabForge(
            url=settings.gitlab_url,
            token=_secret(settings.gitlab_token),
            good_first_issue_labels=labels,
            now=core.now,
            max_rate_limit_wait=settings.max_rate_limit_wait,
            lookback_days=settings.lookback_days,
        )
        sources += [Source(gitlab, group) for group in _outermost(settings.gitlab_groups)]
    return sources


def _outermost(groups: tuple[str, ...]) -> list[str]:
    """Subgroups are crawled with their parent; listing both would read them twice."""
    return [g for g in groups if not any(g.startswith(other + "/") for other in groups if other != g)]


def build_crawler(core: Core, progress: Progress | None = None) -> Crawler:
    settings = core.settings
    crawl_settings = CrawlSettings(
        good_first_issue_labels=settings.good_first_issue_labels,
        include_private_topic=settings.include_private_topic,
        readiness_threshold=settings.readiness_threshold,
        workers=settings.crawl_workers,
    )
    return Crawler(core.sessions, build_sources(core), crawl_settings, core.now, progress or no_progress)
