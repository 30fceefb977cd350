"""Composition root: settings → engine → forges → services. The one place that wires modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.crawl import Crawler, CrawlSettings, Progress, Source, no_progress
from bot.catalog.http_cache import DbConditionalCache
from bot.catalog.search_catalog import CatalogSearch
from bot.clock import system_clock
from bot.config import Settings
from bot.db.engine import make_engine, session_factory, upgrade
from bot.services.discovery import Discovery

if TYPE_CHECKING:  # Slack and the HTTP server are loaded only by the commands that use them
    from bot.slack.bolt_app import App
    from bot.web import HttpServer


utc_now = system_clock  # kept for the callers that import it from here


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


def build_discovery(core: Core) -> Discovery:
    """Discovery over this process's search index, loaded now so the first request is not slow."""
    search = CatalogSearch(core.sessions, refresh_seconds=core.settings.search_refresh_seconds)
    search.refresh()
    return Discovery(core.sessions, search)


def build_slack_app(core: Core, discovery: Discovery) -> App:
    """The Bolt app with every listener registered (HTTP mode and Socket Mode alike)."""
    from bot.slack.bolt_app import new_bolt_app
    from bot.slack.users import UserGate
    from handlers import HandlerDeps, register_all

    settings = core.settings
    app = new_bolt_app(
        _secret(settings.slack_bot_token) or "",
        _secret(settings.slack_signing_secret),
        settings.slack_api_url,
    )
    register_all(app, HandlerDeps(discovery=discovery, user_gate=UserGate(app.client)))
    return app


def build_http_server(core: Core, slack_app: App, host: str, port: int, threads: int = 8) -> HttpServer:
    """`POST /slack/events`, `GET /healthz` (database reachable), `GET /metrics` on a waitress server."""
    from bot.slack.wsgi import SLACK_EVENTS_PATH, slack_wsgi_app
    from bot.web import HttpServer, Metrics, build_web_app

    def database_ready() -> bool:
        with core.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    routes = {("POST", SLACK_EVENTS_PATH): slack_wsgi_app(slack_app)}
    return HttpServer(
        build_web_app(routes, Metrics(), ready=database_ready), host=host, port=port, threads=threads
    )
