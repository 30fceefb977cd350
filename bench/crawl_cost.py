"""Crawl cost: what GitHub charges per repository, and seconds, for a full crawl, an unchanged
re-crawl and a re-crawl with 1% of repositories changed, over a generated organisation in the fake
forge (whose GraphQL endpoint charges points as GitHub documents).

Charged = REST requests counted against the rate limit (GitHub does not count 304 answers) plus
GraphQL points (`rateLimit { cost }`): two budgets of 5,000 an hour each, summed here to compare.
Budgets (issue #10): full crawl <= 0.2 per repository (stretch 0.1: a 50,000-repository
organisation inside one hour's budget), unchanged re-crawl <= 0.05, 1% changed <= 0.1.
`--api rest` measures the REST crawl (issue #2's budget: <= 6 requests per repository).

    .venv/bin/python bench/crawl_cost.py [--repos 5000] [--api graphql|rest] [--gitlab-share 0.0]
        [--database-url URL]
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

BUDGETS = {  # charged per repository: (full, unchanged, 1% changed)
    "graphql": (0.2, 0.05, 0.1),
    "rest": (6.0, 0.05, None),
}


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
    charged = (summary.requests_counted + summary.points) / repos
    ok = budget is None or charged <= budget
    verdict = "" if budget is None else f"  budget <= {budget} -> {'OK' if ok else 'OVER BUDGET'}"
    print(
        f"{name:24} {summary.seconds:7.1f} s  charged {charged:.4f}/repo (REST {summary.requests_counted}"
        f" + GraphQL points {summary.points}){verdict}\n{'':24} requests sent {summary.requests} "
        f"(304s {summary.not_modified})  new {summary.new} changed {summary.changed} "
        f"unchanged {summary.unchanged} failed {summary.failed}"
    )
    print(f"{'':24} by endpoint: {_kinds(world)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=5000)
    parser.add_argument("--gitlab-share", type=float, default=0.0, help="share of repositories on GitLab")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--api", choices=("graphql", "rest"), default="graphql", help="how GitHub is read")
    parser.add_argument(
        "--batch", type=int, default=Settings().github_graphql_batch, help="repositories per GraphQL query"
    )
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
            github_crawl_api=args.api,
            github_graphql_batch=args.batch,
        )
        core: Core = build_core(settings)
        database = settings.database_url.split("://")[0]
        print(
            f"crawl_cost: {listable_note}; database {database}; workers {args.workers}; GitHub via {args.api}"
        )
        full, unchanged, changed = BUDGETS[args.api]
        ok = True
        summary = build_crawler(core).crawl()
        ok &= _report("full crawl", summary, args.repos, world, full)
        world.clear_log()
        summary = build_crawler(core).crawl()
        ok &= _report("re-crawl, unchanged", summary, args.repos, world, unchanged)
        touched = touch_repos(world, 0.01, seed=11)
        world.clear_log()
        summary = build_crawler(core).crawl()
        ok &= _report(f"re-crawl, {len(touched)} changed", summary, args.repos, world, changed)
        core.engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
