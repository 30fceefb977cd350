"""The job registry and the crawl job, run in-process against an empty catalog."""

from __future__ import annotations

from datetime import timedelta

from bot.app import Core
from bot.db.engine import session_scope
from bot.db.operations import WebhookDelivery
from jobs import AFTER, JOBS
from jobs.crawl import run as run_crawl
from tests.conftest import NOW


def test_registry_names_the_jobs_by_their_stable_ids() -> None:
    assert set(JOBS) == {"crawl", "route-issues", "progression", "deliver", "announce", "digests"}
    assert AFTER == {"crawl": ("announce",)}  # announce runs after each crawl, for its tick


def test_crawl_job_returns_a_one_line_summary(core: Core) -> None:
    summary = run_crawl(core)  # no forge configured: nothing to read, still a clean run
    assert summary.startswith("crawl ok: 0 listed") and "\n" not in summary


def test_crawl_job_prunes_webhook_deliveries_older_than_30_days(core: Core) -> None:
    with session_scope(core.sessions) as session:
        for key, days in (("github:old", 45), ("gitlab:old", 31), ("github:recent", 2)):
            session.add(WebhookDelivery(key=key, event="issues", received_at=NOW - timedelta(days=days)))
    summary = run_crawl(core)
    assert "2 webhook deliveries pruned" in summary and "\n" not in summary
    with session_scope(core.sessions) as session:
        assert [d.key for d in session.query(WebhookDelivery)] == ["github:recent"]
    assert "0 webhook deliveries pruned" in run_crawl(core)
