"""The `innersource-bot` command: run, crawl, export, db."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from bot import cli_output
from bot.app import Core, build_core, build_crawler, utc_now
from bot.catalog.crawl import CrawlSummary
from bot.catalog.export import portal_repos
from bot.config import Settings, SettingsError, load_settings
from bot.db.engine import session_scope, upgrade

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="innersource-bot", description="InnerSource Bot for Slack.")
    parser.add_argument("--verbose", "-v", action="store_true", help="log each step to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "run",
        help="the main job; with no Slack token and no forge configured, the sandbox",
        description="With no Slack token and no forge configured: serve the bundled sample organisation "
        "on 127.0.0.1, crawl it through the real adapters and print the catalog.",
    )
    crawl = commands.add_parser("crawl", help="one crawl now, with a progress bar and a summary")
    crawl.add_argument("--full", action="store_true", help="re-read every repository, not only changed ones")
    export = commands.add_parser("export", help="export the catalog")
    export.add_argument("--format", required=True, choices=["sap-portal"], help="sap-portal: repos.json")
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
    handler = {"run": _run, "crawl": _crawl, "export": _export, "db": _db}[args.command]
    try:
        return handler(args, settings, console)
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
    summary = _crawl_with_progress(build_core(settings), console, args.full)
    return 0 if summary.status == "ok" else 1


def _run(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    if settings.slack_bot_token or settings.slack_app_token:
        Console(stderr=True).print(
            "innersource-bot run: Slack mode is not available in this version yet; "
            "unset SLACK_BOT_TOKEN/SLACK_APP_TOKEN to run the sandbox, or use `innersource-bot crawl`.",
            markup=False,
        )
        return EXIT_USAGE
    if not settings.sandbox:  # forges configured, no Slack yet: crawl them and show the catalog
        core = build_core(settings)
        summary = _crawl_with_progress(core, console, full=False)
        with session_scope(core.sessions) as session:
            cli_output.print_catalog(console, session)
        return 0 if summary.status == "ok" else 1
    return _run_sandbox(settings, console)


def _run_sandbox(settings: Settings, console: Console) -> int:
    from bot.sandbox.launch import start_sandbox  # the fake forge is only loaded for the sandbox

    now = utc_now()
    forge, sandbox_settings = start_sandbox(settings, now, Path.cwd())
    try:
        console.print(
            f"Sandbox: the sample organisation is served on 127.0.0.1:{forge.port} "
            f"(GitHub org {', '.join(sandbox_settings.github_orgs)}; "
            f"GitLab groups {', '.join(sandbox_settings.gitlab_groups)}); "
            "crawling it with the real adapters…",
            markup=False,
        )
        core = build_core(sandbox_settings)
        _crawl_with_progress(core, console, full=True)
        with session_scope(core.sessions) as session:
            cli_output.print_catalog(console, session)
    finally:
        forge.stop()
    _drain_stdin(console)
    return 0


def _drain_stdin(console: Console) -> None:
    """Piped input is read to EOF so `printf … | make run` ends cleanly; the Slack console that
    answers such lines is not part of this version."""
    if sys.stdin is None or sys.stdin.isatty():
        return
    lines = [line for line in sys.stdin.read().splitlines() if line.strip()]
    if lines:
        console.print(
            f"(read {len(lines)} input line(s); answering /innersource commands is not part of this version "
            "— the catalog above is what the sandbox offers so far)",
            markup=False,
        )


def _export(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    core = build_core(settings)
    with session_scope(core.sessions) as session:
        repos = portal_repos(session)
    text = json.dumps(repos, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        Console(stderr=True).print(f"wrote {len(repos)} projects to {args.output}", markup=False)
    else:
        sys.stdout.write(text)
    return 0


def _db(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    core = build_core(settings)  # applies migrations on start already; say so explicitly
    upgrade(core.engine)
    console.print("database is at the latest migration", markup=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
