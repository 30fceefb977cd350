"""`serve` and `run` in HTTP mode: listen at once, say on /healthz what start-up waits for, then serve."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from bot.app import Core, build_discovery, build_slack_app, build_web_application
from bot.config import Settings
from bot.startup_checks import (
    Backoff,
    Readiness,
    StartupError,
    database_check,
    database_problem,
    note_waiting,
    open_core,
    retry_until_ready,
)
from bot.web.server import HttpServer, waiting_app

if TYPE_CHECKING:
    from bot.slack.bolt_app import App

log = logging.getLogger("bot.startup")

WithJobs = Callable[[Core], AbstractContextManager[Any]]  # `run`: a worker inside the process


def connect_slack(core: Core) -> App:
    """Check the bot token with Slack, load the search index, build the Bolt app; StartupError naming
    the setting to check when Slack or the database is not there."""
    from bot.slack.auth_check import SLACK_START_ERRORS, check_slack_token, slack_problem

    settings = core.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    check_slack_token(token, settings.slack_api_url, settings.startup_timeout_seconds)
    try:
        discovery = build_discovery(core)
    except DBAPIError as exc:  # the index is read from the database (OperationalError is a DBAPIError)
        raise StartupError(database_problem(exc, settings.database_url)) from None
    try:
        return build_slack_app(core, discovery)  # Bolt checks the token again (auth.test)
    except SLACK_START_ERRORS as exc:  # Slack went away between the two checks
        raise StartupError(slack_problem(exc, "SLACK_BOT_TOKEN", settings.slack_api_url)) from None


def serve_slack(
    settings: Settings,
    host: str,
    port: int,
    stopping: threading.Event,
    serving: Callable[[int], None],
    *,
    wait: bool,
    with_jobs: WithJobs | None = None,
) -> int:
    """Serve until `stopping` is set. Slack and the database are checked first; when one is not there,
    `run` (`wait` False) raises StartupError (one line, a non-zero exit), while `serve` listens anyway,
    answering 503 on /healthz with what it waits for, and retries with backoff until both answer."""
    readiness, backoff = Readiness(), Backoff(settings.startup_backoff_max_seconds)
    core: Core | None = None
    app: App | None = None
    delay = 0.0
    try:
        core = open_core(settings)
        app = connect_slack(core)
    except StartupError as exc:
        if not wait:
            raise
        delay = note_waiting(exc.problem, readiness, backoff)
    if core is not None and app is not None:
        web = build_web_application(core, app, health=readiness.health)
        readiness.ready(database_check(core))
    else:
        web = waiting_app(readiness.health)
    server = HttpServer(web, host=host, port=port, threads=settings.http_threads)
    serving(server.port)
    with server:
        if app is None:
            if stopping.wait(delay):
                return 0
            core = core or retry_until_ready(lambda: open_core(settings), readiness, stopping, backoff)
            ready_core = core
            if ready_core is None:
                return 0
            app = retry_until_ready(lambda: connect_slack(ready_core), readiness, stopping, backoff)
            if app is None:
                return 0
            server.replace_app(build_web_application(ready_core, app, health=readiness.health))
            readiness.ready(database_check(ready_core))
            log.warning("event=ready port=%d", server.port)  # at the level of the "waiting" lines before it
        assert core is not None
        with with_jobs(core) if with_jobs is not None else nullcontext():
            stopping.wait()
    return 0
