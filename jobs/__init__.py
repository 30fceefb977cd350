"""Scheduled jobs, one per file, each a thin call into a service.

`JOBS` maps a job's stable id (the APScheduler job id, the `innersource-bot job NAME` name, the
`job_runs.job_id`) to its `run(core) -> str`, which runs it once and returns a one-line summary.
"""

from __future__ import annotations

from bot.scheduling.runs import JobFunction
from jobs import announce, crawl, deliver, digests, progression, route_issues

JOBS: dict[str, JobFunction] = {
    "crawl": crawl.run,  # scheduled: crawl_schedule
    "route-issues": route_issues.run,  # scheduled: route_schedule
    "progression": progression.run,  # scheduled: progression_schedule
    "announce": announce.run,  # runs after each successful crawl (AFTER below)
    "digests": digests.run,  # scheduled: digests_schedule (hourly; each maintainer's hour, local)
    "deliver": deliver.run,  # not scheduled: every worker delivers continuously; `job deliver` drains once
}

# In the worker, a job run right after another's successful scheduled run, for the same tick.
AFTER: dict[str, tuple[str, ...]] = {"crawl": ("announce",)}
