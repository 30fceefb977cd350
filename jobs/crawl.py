"""The hourly crawl: refresh the catalog from the forges, then tie Slack users to forge accounts by
e-mail (new contributors appear with the crawl, so this is when there is someone new to match), and
forget webhook delivery keys too old for a forge to redeliver."""

from __future__ import annotations

import dataclasses

from bot.app import Core, build_crawler, build_identity_matcher
from bot.services.forge_events import prune_deliveries


def run(core: Core) -> str:
    crawler = build_crawler(core)
    summary = crawler.crawl(full=False)
    line = (
        f"crawl {summary.status}: {summary.listed} listed, {summary.new} new, {summary.changed} changed, "
        f"{summary.removed} removed, {summary.issues_updated} issues updated, {summary.failed} failed, "
        f"{summary.requests} requests in {summary.seconds:.1f}s"
    )
    pruned = prune_deliveries(core.sessions, core.now())  # webhook delivery keys older than 30 days
    line += f", {pruned} webhook deliveries pruned"
    matcher = build_identity_matcher(core, crawler.sources)  # None without a Slack token
    if matcher is not None:
        matched = matcher.match_by_email()
        line += "; e-mail matching: " + ", ".join(f"{k} {v}" for k, v in dataclasses.asdict(matched).items())
    return line
