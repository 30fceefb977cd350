"""Scheduled jobs, one per file, each a thin call into a service.

`JOBS` maps a job's stable id (the APScheduler job id, the `innersource-bot job NAME` name, the
`job_runs.job_id`) to its `run(core) -> str`, which runs it once and returns a one-line summary.
"""

from __future__ import annotations

from bot.scheduling.runs import JobFunction
from jobs import crawl, deliver, progression, route_issues

# Named by the SPEC, built by later issues: `job NAME` says so rather than "unknown job".
LATER_JOBS = ("announce", "digests")

JOBS: dict[str, JobFunction] = {
    "crawl": crawl.run,  # scheduled: crawl_schedule
    "route-issues": route_issues.run,  # scheduled: route_schedule
    "progression": progression.run,  # scheduled: progression_schedule
    "deliver": deliver.run,  # not scheduled: every worker delivers continuously; `job deliver` drains once
}
