"""What the CLI prints: the crawl progress bar, the crawl summary, the catalog table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog.crawl import CrawlSummary
from bot.catalog.crawl import Progress as ProgressCallback
from bot.db.models import Project

STAGES = {
    "list": "Listing repositories",
    "details": "Reading changed repositories",
    "issues": "Good-first-issues",
}


@contextmanager
def crawl_progress(console: Console) -> Iterator[ProgressCallback]:
    """A progress bar per crawl stage; on a non-terminal it stays quiet (rich disables live output)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def print_summary(console: Console, summary: CrawlSummary) -> None:
    table = Table(title="Crawl summary", show_header=False)
    rows = [
        ("Projects listed", summary.listed),
        ("New", summary.new),
        ("Changed (re-read)", summary.changed),
        ("Unchanged (not re-read)", summary.unchanged),
        ("Removed (archived, deleted, forked, made private)", summary.removed),
        ("Good-first-issue updates", summary.issues_updated),
        ("Became InnerSource-ready", summary.newly_ready),
        ("Failed repositories", summary.failed),
        ("Requests made", f"{summary.requests} ({summary.requests_counted} against the REST rate limit, "
                          f"{summary.not_modified} answered 304)"),
        ("GraphQL points charged", summary.points),
        ("Time", f"{summary.seconds:.1f} s"),
    ]  # fmt: skip
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    for error in summary.errors[:20]:  # forge text may hold [brackets]: never parse it as markup
        console.print(Text.assemble(("warning: ", "yellow"), error))
    if len(summary.errors) > 20:
        console.print(f"[yellow]… and {len(summary.errors) - 20} more warnings[/]")


def print_catalog(console: Console, session: Session, limit: int = 100) -> None:
    projects = session.scalars(
        select(Project)
        .where(Project.listed)
        .order_by(Project.activity_score.desc(), Project.full_name)
        .limit(limit)
    ).all()
    table = Table(title=f"InnerSource catalog ({len(projects)} shown, highest activity first)")
    for column in ("Project", "Forge", "Language", "Topics", "Score", "Activity", "Ready", "GFIs"):
        table.add_column(column, overflow="fold")
    for p in projects:
        open_gfis = sum(1 for i in p.issues if i.state == "open" and not i.assignees)
        missing = [k for k, ok in (p.readiness or {}).items() if not ok]
        ready = "✓ ready" if p.ready else f"✗ {len(missing)} missing"
        topics = ", ".join((p.topics or [])[:3])
        label = str((p.score_parts or {}).get("label", ""))
        table.add_row(
            Text(p.full_name),
            p.forge,
            p.primary_language or "",
            topics,
            str(p.activity_score),
            label,
            ready,
            str(open_gfis),
        )
    console.print(table)
