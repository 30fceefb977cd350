"""Crawl cost: requests per repository and seconds, for a full crawl, an unchanged re-crawl and a
re-crawl with 1% of repositories changed, over a generated organisation in the fake forge.

Budgets (issue #2): full crawl <= 6 requests per repository; unchanged re-crawl <= 0.05 requests per
repository counted against the rate limit (GitHub does not count 304 answers).

    .venv/bin/python bench/crawl_cost.py [--repos 5000] [--gitlab-share 0.0] [--database-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import UTC, datetime

from bot.app import Core, build_core, build_crawler
from bot.catalog.crawl import CrawlSummary
from bot.config import Settings
from bot.sandbox.forge.generated_org import generate_world, touch_repos
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import World

FULL_BUDGET = 6.0
UNCHANGED_BUDGET = 0.05


def _kinds(world: World) -> str:
    """Which endpoints the requests went to, most frequent first: where the cost comes from."""
    counts: Counter[str] = Counter()
    for entry in world.log:
        parts = [p for p in entry.path.split("?")[0].split("/") if p]
        if entry.path.startswith("/repos/"):
            kind = "/".join(["repos", *parts[3:4]]) or "repos"
        elif entry.path.startswith("/projects/"):
            kind = "/".join(["projects", *parts[2:4]])
        else:
            kind = "/".join(parts[:1] + parts[2:3])
        counts[f"{kind}{'' if entry.status < 300 else f' [{entry.status}]'}"] += 1
    return ", ".join(f"{k}={v}" for k, v in counts.most_common(12))


def _report(name: str, summary: CrawlSummary, repos: int, world: World, budget: float | None) -> bool:
    per_repo = summary.requests / repos
    counted = summary.requests_counted / repos
    verdict = ""
    ok = True
    if budget is not None:
        measured = per_repo if name == "full crawl" else counted
        ok = measured <= budget
        verdict = f"  budget <= {budget} -> {'OK' if ok else 'OVER BUDGET'}"
    print(
        f"{name:24} {summary.seconds:7.1f} s  requests {summary.requests:6} ({per_repo:.3f}/repo)  "
        f"counted {summary.requests_counted:6} ({counted:.4f}/repo)  304s {summary.not_modified:5}  "
        f"new {summary.new} changed {summary.changed} unchanged {summary.unchanged} "
        f"failed {summary.failed}{verdict}"
    )
    print(f"{'':24} by endpoint: {_kinds(world)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=5000)
    parser.add_argument("--gitlab-share", type=float, default=0.0, help="share of repositories on GitLab")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    now = datetime.now(UTC)
    world = generate_world(args.repos, seed=7, now=now, github_share=1.0 - args.gitlab_share)
    listable_note = f"{args.repos} repositories generated"
    with tempfile.TemporaryDirectory() as tmp, FakeForge(world) as forge:
        settings = Settings(
            database_url=args.database_url or f"sqlite:///{tmp}/bench.db",
            github_api_url=forge.github_api_url,
            github_orgs=tuple(world.github_orgs),
            gitlab_url=forge.gitlab_url,
            gitlab_groups=tuple(world.gitlab_groups),
            crawl_workers=args.workers,
        )
        core: Core = build_core(settings)
        database = settings.database_url.split("://")[0]
        print(f"crawl_cost: {listable_note}; database {database}; workers {args.workers}")
        ok = True
        summary = build_crawler(core).crawl()
        ok &= _report("full crawl", summary, args.repos, world, FULL_BUDGET)
        world.clear_log()
        summary = build_crawler(core).crawl()
        ok &= _report("re-crawl, unchanged", summary, args.repos, world, UNCHANGED_BUDGET)
        touched = touch_repos(world, 0.01, seed=11)
        world.clear_log()
        summary = build_crawler(core).crawl()
        _report(f"re-crawl, {len(touched)} changed", summary, args.repos, world, None)
        core.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
