"""The `innersource-bot` command: run, serve, worker, job, crawl, export, db."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from bot import cli_output
from bot.app import (
    Core,
    build_core,
    build_crawler,
    build_deliverer,
    build_discovery,
    build_http_server,
    build_identity_matcher,
    build_slack_app,
    utc_now,
)
from bot.catalog.crawl import CrawlSummary
from bot.catalog.export import csv_text, portal_repos
from bot.clock import OffsetClock
from bot.config import Settings, SettingsError, load_settings
from bot.db.engine import session_scope, upgrade
from bot.db.operations import RUN_OK
from bot.forges.base import login_keys
from bot.scheduling.runs import JobRunner
from bot.startup_checks import StartupError, check_forges, open_core
from bot.worker import default_worker_id, running_worker, serve_worker
from jobs import AFTER, JOBS

if TYPE_CHECKING:
    from bot.sandbox.forge.server import FakeForge

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innersource-bot", description="InnerSource Bot for Slack.")
    parser.add_argument("--verbose", "-v", action="store_true", help="log each step to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        help="the main job: Socket Mode, HTTP mode, or (no Slack token) the console",
        description="Socket Mode when SLACK_APP_TOKEN is set; HTTP mode when SLACK_BOT_TOKEN and "
        "SLACK_SIGNING_SECRET are set; otherwise crawl (the bundled sample organisation when no forge is "
        "configured) and open a console that answers /innersource lines as Slack would.",
    )
    serve = commands.add_parser(
        "serve",
        help="HTTP only: POST /slack/events, GET /healthz, GET /metrics (replicas behind a load balancer)",
    )
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")  # noqa: S104
    serve.add_argument("--port", type=int, help="port (default: setting http_port, 3000; 0: any free port)")
    commands.add_parser(
        "worker",
        help="scheduled jobs (one worker at a time holds the scheduler) and delivery (every worker)",
    )
    job = commands.add_parser("job", help="run one scheduled job once now and exit")
    job.add_argument("name", help="the job: " + ", ".join(sorted(JOBS)))
    crawl = commands.add_parser("crawl", help="one crawl now, with a progress bar and a summary")
    crawl.add_argument("--full", action="store_true", help="re-read every repository, not only changed ones")
    export = commands.add_parser("export", help="export the catalog")
    export.add_argument(
        "--format",
        required=True,
        choices=["sap-portal", "csv"],
        help="sap-portal: repos.json; csv: one row per project",
    )
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply Alembic migrations")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    console = Console(stderr=False)
    if not console.is_terminal:  # piped: rich would assume 80 columns and fold every table cell
        console = Console(stderr=False, width=160)
    errors = Console(stderr=True)
    try:
        settings = load_settings()
    except SettingsError as exc:
        errors.print(f"innersource-bot: {exc}", markup=False, highlight=False)
        return EXIT_USAGE
    handler = {
        "run": _run,
        "serve": _serve,
        "worker": _worker,
        "job": _job,
        "crawl": _crawl,
        "export": _export,
        "db": _db,
    }[args.command]
    try:
        return handler(args, settings, console)
    except StartupError as exc:  # Slack, a forge or the database: one line naming what to check
        errors.print(f"innersource-bot {args.command}: {exc.problem.detail}", markup=False, soft_wrap=True)
        return exc.problem.exit_code
    except KeyboardInterrupt:
        errors.print("interrupted")
        return 130


def _require_forges(settings: Settings) -> str | None:
    if not (settings.github_orgs or settings.gitlab_groups):
        return "no forge configured: set GITHUB_ORGS and/or GITLAB_GROUPS (or run `make run` for the sandbox)"
    return None


def _crawl_with_progress(core: Core, console: Console, full: bool) -> CrawlSummary:
    with cli_output.crawl_progress(console) as progress:
        summary = build_crawler(core, progress).crawl(full=full)
    cli_output.print_summary(console, summary)
    return summary


def _crawl(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    problem = _require_forges(settings)
    if problem:
        Console(stderr=True).print(f"innersource-bot crawl: {problem}", markup=False)
        return EXIT_USAGE
    core = open_core(settings)
    check_forges(settings)  # an unreachable forge or refused token: one line, not a page of retries
    summary = _crawl_with_progress(core, console, args.full)
    return 0 if summary.status == "ok" else 1


def _worker(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    stopping = threading.Event()
    # SIGTERM (a deploy, a scale-down) and Ctrl-C: finish the message and job in flight, release the
    # lease, exit 0. While the database or Slack is still awaited, stop waiting and exit 0.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
        console.file.flush()

    return serve_worker(settings, JOBS, AFTER, stopping, say)


def _job(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    name = args.name
    if name not in JOBS:
        known = ", ".join(sorted(JOBS))
        message = f"innersource-bot job: unknown job {name!r}; known jobs: {known}"
        Console(stderr=True).print(message, markup=False, highlight=False, soft_wrap=True)
        return EXIT_USAGE
    outcome = JobRunner(open_core(settings), JOBS, default_worker_id()).run(name)
    assert outcome is not None  # only a scheduled tick can have been run already
    console.print(f"{name}: {outcome.summary}", markup=False, highlight=False)
    return 0 if outcome.status == RUN_OK else 1


def _run(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    if settings.slack_app_token:
        return _run_socket_mode(settings, console)
    if settings.slack_bot_token:
        return _serve_http(settings, console, "0.0.0.0", settings.http_port, with_worker=True)  # noqa: S104
    return _run_console(settings, console)


def _serve(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    port = settings.http_port if args.port is None else args.port
    return _serve_http(settings, console, args.host, port)


def _serve_http(settings: Settings, console: Console, host: str, port: int, with_worker: bool = False) -> int:
    """`serve` (replicas; workers run apart) or `run` in HTTP mode (`with_worker`: one process does all)."""
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        )
        if value is None
    ]
    if missing:
        Console(stderr=True).print(
            f"innersource-bot: HTTP mode needs {' and '.join(missing)} "
            "(or set SLACK_APP_TOKEN for Socket Mode)",
            markup=False,
        )
        return EXIT_USAGE
    from bot.serving import serve_slack

    stopping = threading.Event()
    # SIGTERM (a deploy, a scale-down) and Ctrl-C: stop accepting, let answers in flight finish, exit 0.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())

    def serving(port: int) -> None:
        console.print(f"Serving Slack on http://{host}:{port}/slack/events (healthz, metrics)", markup=False)
        console.file.flush()

    # `run` (with_worker) checks Slack and the database once and exits naming what failed; `serve`
    # keeps waiting for them, /healthz saying what for, so an orchestrator does not crash-loop it.
    with_jobs = partial(running_worker, jobs=JOBS, after=AFTER) if with_worker else None
    return serve_slack(settings, host, port, stopping, serving, wait=not with_worker, with_jobs=with_jobs)


def _freeze_startup_objects() -> None:
    """The search index holds many long-lived objects; a full garbage collection walking them
    would stall every request for a while. Move what start-up built out of the collector's view."""
    gc.collect()
    gc.freeze()


def _run_socket_mode(settings: Settings, console: Console) -> int:
    if settings.slack_bot_token is None or settings.slack_app_token is None:
        Console(stderr=True).print("innersource-bot: Socket Mode needs SLACK_BOT_TOKEN as well", markup=False)
        return EXIT_USAGE
    from bot.slack.auth_check import check_slack_token, slack_problem
    from bot.slack.bolt_app import connect_socket_mode, socket_mode_handler

    core = open_core(settings)
    bot_token, app_token = settings.slack_bot_token, settings.slack_app_token
    check_slack_token(bot_token.get_secret_value(), settings.slack_api_url, settings.startup_timeout_seconds)
    app = build_slack_app(core, build_discovery(core))
    handler = socket_mode_handler(app, app_token.get_secret_value())
    _freeze_startup_objects()
    stopping = threading.Event()
    # SIGTERM (a deploy) and Ctrl-C: close the socket properly instead of dying mid-answer.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    with running_worker(core, JOBS, AFTER):  # the one-process `run` also schedules, routes and delivers
        try:
            connect_socket_mode(handler)
        except Exception as exc:  # apps.connections.open refused the app token, or Slack is unreachable
            raise StartupError(slack_problem(exc, "SLACK_APP_TOKEN", settings.slack_api_url)) from None
        console.print("Connected to Slack in Socket Mode; Ctrl-C or SIGTERM stops.", markup=False)
        stopping.wait()
        handler.close()  # type: ignore[no-untyped-call]
    return 0


def _run_console(settings: Settings, console: Console) -> int:
    """No Slack token: crawl (the sandbox forge when no forge is configured), then the console."""
    from bot.sandbox.launch import start_sandbox

    forge = None
    if settings.sandbox:
        forge, settings = start_sandbox(settings, utc_now(), Path.cwd())
        console.print(
            f"Sandbox: the sample organisation is served on 127.0.0.1:{forge.port} "
            f"(GitHub org {', '.join(settings.github_orgs)}; "
            f"GitLab groups {', '.join(settings.gitlab_groups)}); "
            "crawling it with the real adapters…",
            markup=False,
        )
    try:
        # The sandbox's clock can be moved forward from the console (`time +7d`, `time digest`).
        core = build_core(settings, now=OffsetClock()) if forge is not None else build_core(settings)
        summary = _crawl_with_progress(core, console, full=forge is not None)
        with session_scope(core.sessions) as session:
            cli_output.print_catalog(console, session)
        answered = _console_over_fake_slack(core, console, forge)
    finally:
        if forge is not None:
            forge.stop()
    return answered if summary.status == "ok" or forge is None else 1


def _console_over_fake_slack(core: Core, console: Console, forge: FakeForge | None = None) -> int:
    """The console talks to the real Bolt app over HTTP, which talks to a fake Slack on 127.0.0.1;
    in the sandbox its `forge …` lines act on the fake forge and deliver webhooks to that app."""
    from bot.sandbox.console.console import run_console
    from bot.sandbox.console.forge_commands import sandbox_forge_console
    from bot.sandbox.console.time_travel import TimeConsole
    from bot.sandbox.slack.fake_slack import FakeSlack
    from bot.sandbox.slack.slack_requests import SlackUser
    from bot.sandbox.startup import deliver_now, levels_line

    with FakeSlack() as slack:
        slack_core = replace(core, settings=slack.settings_for(core.settings))
        # The sandbox's people are in the fake Slack too: tie them as the crawl job does after each
        # crawl. (Over your own forges the fake Slack knows nobody: no point asking the forge.)
        matcher = build_identity_matcher(slack_core) if forge is not None else None
        if matcher is not None:
            matched = matcher.match_by_email()
            console.print(f"Tied {matched.matched} forge accounts to Slack users by e-mail.", markup=False)
        # Levels, milestones and nominations before the first prompt, as the worker's job decides them
        # (its schedule would first run it up to 15 minutes later); the console then prints the DMs.
        # The first announce run follows: on a fresh install, one summary post, not a post a project.
        runner = JobRunner(slack_core, JOBS, default_worker_id())
        progression = runner.run("progression")
        if progression is not None and progression.status == RUN_OK:
            line = levels_line(slack_core.sessions, you=SlackUser().user_id)
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            console.print("Levels: not computed (the progression job failed; see the log).", markup=False)
        if slack_core.settings.announce_channel:
            console.print(_ran(runner, "announce"), markup=False, highlight=False)
        app = build_slack_app(slack_core, build_discovery(slack_core))
        deliverer = build_deliverer(slack_core, f"console:{default_worker_id()}")
        server_context = build_http_server(slack_core, app, "127.0.0.1", 0)
        with server_context as server, running_worker(slack_core, JOBS, AFTER):
            interactive = sys.stdin is not None and sys.stdin.isatty()
            console.file.flush()
            crawl = partial(_ran_all, runner, ("crawl", "announce"))  # as the worker runs them
            forge_console = sandbox_forge_console(forge, slack_core.settings, server.url, crawl)
            time_travel = None
            if isinstance(slack_core.now, OffsetClock):
                settings = slack_core.settings
                you = slack.directory.user(SlackUser().user_id) or {}
                time_travel = TimeConsole(
                    slack_core.now,
                    partial(_ran_all, runner, TIME_JOBS),
                    str(you.get("tz") or settings.timezone),
                    settings.digest_weekday,
                    settings.digest_hour,
                )
            return run_console(
                f"{server.url}/slack/events",
                slack,
                sys.stdin,
                sys.stdout,
                interactive,
                forge=forge_console,
                settle=lambda: deliver_now(
                    lambda: deliverer.deliver_due().claimed, slack_core.sessions, slack_core.now
                ),
                shown=0,  # what start-up sent: the nomination card to the console's user, milestones
                time_travel=time_travel,
            )


# What the worker runs on the clock (a jump in the sandbox's time runs them once): levels, the
# subscribers' daily and weekly digests (route-issues), the maintainers' weekly digests.
TIME_JOBS = ("progression", "route-issues", "digests")


def _ran(runner: JobRunner, name: str) -> str:
    outcome = runner.run(name)
    if outcome is None:
        return f"{name}: skipped"
    return f"{name}: {outcome.summary}" if outcome.status == RUN_OK else f"{name}: failed (see the log)"


def _ran_all(runner: JobRunner, names: tuple[str, ...]) -> list[str]:
    return [_ran(runner, name) for name in names if name in runner.jobs]


def _export(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    core = open_core(settings)
    bots = login_keys(settings.bot_logins)
    with session_scope(core.sessions) as session:
        if args.format == "csv":
            text, count = csv_text(session, core.now(), settings.metrics_window_days, bots)
        else:
            repos = portal_repos(session, core.now(), settings.metrics_window_days, bots)
            text, count = json.dumps(repos, indent=2, ensure_ascii=False) + "\n", len(repos)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8", newline="")
        Console(stderr=True).print(f"wrote {count} projects to {args.output}", markup=False)
    else:
        sys.stdout.write(text)
    return 0


def _db(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    core = open_core(settings)  # applies migrations on start already; say so explicitly
    upgrade(core.engine)
    console.print("database is at the latest migration", markup=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
