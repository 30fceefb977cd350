"""The job registry and the crawl job, run in-process against an empty catalog."""

from __future__ import annotations

from bot.app import Core
from jobs import JOBS, LATER_JOBS
from jobs.crawl import run as run_crawl


def test_registry_names_the_jobs_by_their_stable_ids() -> None:
    assert set(JOBS) == {"crawl", "route-issues", "deliver"}
    assert not set(JOBS) & set(LATER_JOBS)  # announce, digests, progression come with later issues


def test_crawl_job_returns_a_one_line_summary(core: Core) -> None:
    summary = run_crawl(core)  # no forge configured: nothing to read, still a clean run
    assert summary.startswith("crawl ok: 0 listed") and "\n" not in summary
