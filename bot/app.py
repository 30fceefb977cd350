"""Composition root: settings → engine → forges → services. The one place that wires modules."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.catalog.crawl import Crawler, CrawlSettings, Progress, Source, no_progress
from bot.catalog.http_cache import DbConditionalCache
from bot.catalog.search_catalog import CatalogSearch
from bot.catalog.search_snapshot import snapshot_path
from bot.clock import system_clock
from bot.config import Settings
from bot.db.engine import make_engine, session_factory, upgrade
from bot.forges.base import login_keys
from bot.services.discovery import Discovery

if TYPE_CHECKING:  # Slack and the HTTP server are loaded only by the commands that use them
    from wsgiref.types import WSGIApplication

    from bot.services.claims import Claims
    from bot.services.forge_events import ForgeEvents
    from bot.services.identity_matching import EmailMatcher
    from bot.services.progression import ProgressionService, Recommend
    from bot.services.routing import Router
    from bot.services.routing_issues import IssueView
    from bot.slack.bolt_app import App
    from bot.slack.outbox import Composer, Deliverer
    from bot.web import HttpServer
    from bot.web.server import Health


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
            graphql=settings.github_crawl_api == "graphql",
            batch=settings.github_graphql_batch,
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
        bot_logins=settings.bot_logins,
    )
    return Crawler(core.sessions, build_sources(core), crawl_settings, core.now, progress or no_progress)


def build_discovery(core: Core) -> Discovery:
    """Discovery over this process's search index, loaded now so the first request is not slow."""
    settings = core.settings
    directory = settings.search_snapshot_dir or Path(tempfile.gettempdir())
    snapshot = snapshot_path(directory, settings.database_url)
    search = CatalogSearch(core.sessions, refresh_seconds=settings.search_refresh_seconds, snapshot=snapshot)
    search.refresh()
    metrics = (core.now, core.settings.metrics_window_days, login_keys(core.settings.bot_logins))
    return Discovery(core.sessions, search, metrics=metrics)


def build_router(core: Core) -> Router:
    """Good-first-issue routing over this database, on the core's clock."""
    from bot.services.routing import Router

    return Router(core.sessions, core.now, core.settings)


def build_progression(core: Core, recommend: Recommend | None = None) -> ProgressionService:
    """Levels, milestones, nominations, `me` and `admin promote` over this process's database."""
    from bot.services.progression import ProgressionService

    return ProgressionService(core.sessions, core.settings, core.now, recommend)


def build_claims(core: Core) -> Claims:
    """*Claim* and *Not interested*; claims comment on the issue through the forge whose token is set."""
    from bot.forges.github import GitHubForge
    from bot.forges.gitlab import GitLabForge
    from bot.services.claims import Claims, IssueCommenter

    settings = core.settings
    commenters: dict[tuple[str, str], IssueCommenter] = {}
    github_token, gitlab_token = _secret(settings.github_token), _secret(settings.gitlab_token)
    labels = settings.good_first_issue_labels
    if github_token:
        api = settings.github_api_url
        github = GitHubForge(api_url=api, token=github_token, good_first_issue_labels=labels)
        commenters[(github.kind, github.host)] = github
    if gitlab_token:
        gitlab = GitLabForge(url=settings.gitlab_url, token=gitlab_token, good_first_issue_labels=labels)
        commenters[(gitlab.kind, gitlab.host)] = gitlab

    def commenter_for(forge: str, host: str) -> IssueCommenter | None:
        return commenters.get((forge, host))

    return Claims(core.sessions, core.now, settings, commenter_for)


def build_slack_app(core: Core, discovery: Discovery) -> App:
    """The Bolt app with every listener registered (HTTP mode and Socket Mode alike)."""
    from bot.services.home import HomeService
    from bot.services.identity import IdentityService
    from bot.services.issue_list import IssueFinder
    from bot.services.stats import StatsService
    from bot.services.subscriptions import SubscriptionService
    from bot.services.welcome import WelcomeService
    from bot.slack.bolt_app import new_bolt_app
    from bot.slack.users import UserGate
    from handlers import HandlerDeps, register_all

    settings = core.settings
    app = new_bolt_app(
        _secret(settings.slack_bot_token) or "",
        _secret(settings.slack_signing_secret),
        settings.slack_api_url,
    )
    issues = IssueFinder(core.sessions, core.now, settings.search_refresh_seconds)

    def recommend(user_id: str) -> tuple[IssueView, ...]:
        """`me`'s good-first-issues: the first few the caller's subscriptions match."""
        return issues.find(user_id, "").issues[:3]

    register_all(
        app,
        HandlerDeps(
            discovery=discovery,
            user_gate=UserGate(app.client),
            subscriptions=SubscriptionService(core.sessions, discovery, core.now),
            identities=IdentityService(core.sessions, forge_hosts(settings), core.now),
            issues=issues,
            claims=build_claims(core),
            progression=build_progression(core, recommend),
            admin_crawl=build_admin_crawl(core),
            stats=StatsService(core.sessions, core.now, settings),
            now=core.now,
            # The tab reads `me` without its recommendations: it lists good first issues of its own.
            home=HomeService(core.sessions, core.now, settings, discovery, issues, build_progression(core)),
            welcome=WelcomeService(
                core.sessions, core.now, settings.announce_channel, settings.announce_private
            ),
        ),
    )
    return app


def build_admin_crawl(core: Core) -> Callable[[], str]:
    """`admin crawl`: the crawl job run once, as `innersource-bot job crawl` runs it (recorded in
    job_runs), returning its summary line. One at a time per process: a second ask while one runs is
    answered at once instead of crawling twice."""
    from bot.db.operations import RUN_OK
    from bot.scheduling.runs import JobRunner
    from bot.worker import default_worker_id
    from jobs import JOBS

    runner = JobRunner(core, {"crawl": JOBS["crawl"]}, default_worker_id())
    running = threading.Lock()

    def crawl() -> str:
        if not running.acquire(blocking=False):
            return "not started: the crawl asked for earlier is still running"
        try:
            outcome = runner.run("crawl")
        finally:
            running.release()
        if outcome is None or outcome.status != RUN_OK:
            # The error's text stays in the logs and job_runs: it may quote a forge's answer.
            failed = outcome.summary.partition(":")[0] if outcome is not None else "skipped"
            return f"failed ({failed}); the worker's log has the details"
        return outcome.summary

    return crawl


def forge_hosts(settings: Settings) -> dict[str, str]:
    """Each forge kind → its API host as the adapters (and so `projects.host`) spell it."""
    from bot.services.identity import api_host

    return {"github": api_host(settings.github_api_url), "gitlab": api_host(settings.gitlab_url)}


def build_identity_matcher(core: Core, sources: Sequence[Source] | None = None) -> EmailMatcher | None:
    """Identity by e-mail over the configured forges and Slack (`match_by_email()`, after each crawl);
    None without a Slack bot token, since nobody could be looked up. `sources`: the crawler's, so its
    forge adapters are reused rather than built again."""
    from bot.services.identity_matching import EmailMatcher
    from bot.slack.email_lookup import email_lookup

    token = _secret(core.settings.slack_bot_token)
    if not token:
        return None
    sources = build_sources(core) if sources is None else sources
    forges = list({id(source.forge): source.forge for source in sources}.values())
    return EmailMatcher(core.sessions, forges, email_lookup(token, core.settings.slack_api_url), core.now)


def build_forge_events(
    core: Core, on_issue_changed: Callable[[int], int | None] | None = None
) -> ForgeEvents:
    """The webhook use case over this process's own forge adapters (for repository look-ups)."""
    from bot.services.forge_events import EventSettings, ForgeEvents

    forges = {source.forge.kind: source.forge for source in build_sources(core)}
    settings = EventSettings.from_settings(core.settings)
    return ForgeEvents(core.sessions, forges, settings, core.now, on_issue_changed)


def build_deliverer(core: Core, worker_id: str, composers: Mapping[str, Composer] | None = None) -> Deliverer:
    """The outbox deliverer (bot/slack/outbox.py) for this process; `worker_id` must be unique per process."""
    from bot.slack.announcement_blocks import compose_announcement, compose_announcement_summary
    from bot.slack.issue_blocks import compose_digest, compose_gfi
    from bot.slack.maintainer_digest_blocks import compose_maintainer_digest
    from bot.slack.nomination_blocks import compose_nomination
    from bot.slack.outbox import RECIPIENT_CHECK_SECONDS, Deliverer, compose_notice, new_delivery_client
    from bot.slack.progression_blocks import compose_milestone
    from bot.slack.users import UserGate
    from bot.slack.welcome_blocks import compose_welcome

    settings = core.settings
    client = new_delivery_client(_secret(settings.slack_bot_token) or "", settings.slack_api_url)
    return Deliverer(
        core.sessions,
        client,
        composers
        if composers is not None
        else {
            "notice": compose_notice,
            "gfi": compose_gfi,
            "digest": compose_digest,
            "nomination": compose_nomination,
            "milestone": compose_milestone,
            "announcement": compose_announcement,
            "announcement_summary": compose_announcement_summary,
            "welcome": compose_welcome,
            "maintainer_digest": compose_maintainer_digest,
        },
        core.now,
        worker_id=worker_id,
        max_attempts=settings.delivery_max_attempts,
        # Refused people (guests, other workspaces, bots, deactivated) are never DM'd, even when they
        # subscribed before they became so: each recipient is checked, at most once an hour.
        gate=UserGate(client, ttl_seconds=RECIPIENT_CHECK_SECONDS),
    )


def build_http_server(
    core: Core,
    slack_app: App,
    host: str,
    port: int,
    threads: int = 8,
    on_issue_changed: Callable[[int], int | None] | None = None,
) -> HttpServer:
    """`POST /slack/events`, `GET /healthz` (database reachable), `GET /metrics` on a waitress server,
    and `POST /webhooks/github|gitlab` for each forge whose webhook secret is set."""
    from bot.web import HttpServer

    app = build_web_application(core, slack_app, on_issue_changed)
    return HttpServer(app, host=host, port=port, threads=threads)


def build_web_application(
    core: Core,
    slack_app: App,
    on_issue_changed: Callable[[int], int | None] | None = None,
    health: Health | None = None,
) -> WSGIApplication:
    """The WSGI app `build_http_server` serves; `health` (start-up's readiness) answers /healthz if given."""
    from bot.slack.wsgi import SLACK_EVENTS_PATH, slack_wsgi_app
    from bot.web import Metrics, build_web_app
    from bot.web.webhooks import webhook_routes

    def database_ready() -> bool:
        with core.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    routes = {("POST", SLACK_EVENTS_PATH): slack_wsgi_app(slack_app)}
    github_secret = _secret(core.settings.github_webhook_secret)
    gitlab_secret = _secret(core.settings.gitlab_webhook_secret)
    if github_secret or gitlab_secret:
        # A newly labelled good-first-issue is routed at once, not at the next route-issues tick.
        events = build_forge_events(core, on_issue_changed or build_router(core).route_issue)
        routes.update(webhook_routes(events, github_secret, gitlab_secret))
    from bot.slack.outbox_metrics import OutboxCollector

    metrics = Metrics()
    metrics.registry.register(OutboxCollector(core.sessions))  # outbox rows by status, read at scrape time
    return build_web_app(routes, metrics, ready=database_ready, health=health)
