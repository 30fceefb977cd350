"""APScheduler 3 for the worker that holds the scheduler lease: persistent job store, stable job ids.

Jobs are stored in `apscheduler_jobs` (migration 0005) in the bot's own database, each with a stable
id, `replace_existing`, `coalesce`, `max_instances=1` and the configured time zone (slack-machine's
habits). The stored callable is `run_scheduled(job_id)`; the executor hands it this process's
`JobRunner` and the tick being run, so `job_runs` can fence each tick (bot/scheduling/runs.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.config import Settings
from bot.db.engine import make_engine
from bot.scheduling.runs import JobRunner
from bot.scheduling.triggers import cron_trigger

log = logging.getLogger("bot.scheduling.scheduler")

JOB_STORE_TABLE = "apscheduler_jobs"
_current = threading.local()  # the runner and tick of the job running on this executor thread


def schedules(settings: Settings) -> dict[str, str]:
    """Job id → cron expression. `deliver` is not here: every worker delivers continuously."""
    return {
        "crawl": settings.crawl_schedule,
        "route-issues": settings.route_schedule,
        "progression": settings.progression_schedule,
        "digests": settings.digests_schedule,
    }


def run_scheduled(job_id: str) -> None:
    """The callable APScheduler stores for every job (a stable, importable reference)."""
    runner: JobRunner = _current.runner
    runner.run(job_id, _current.tick)


def _run_with(runner: JobRunner, job: Any, alias: str, run_times: list[datetime], logger: str) -> Any:
    events: list[Any] = []
    for run_time in run_times:  # one, with coalesce
        _current.runner, _current.tick = runner, run_time
        try:
            events += run_job(job, alias, [run_time], logger)
        finally:
            _current.runner = _current.tick = None
    return events


class _TickExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    """A thread pool executor that tells the job which tick it runs (APScheduler 3 does not)."""

    def __init__(self, runner: JobRunner, max_workers: int) -> None:
        super().__init__(max_workers)
        self._runner = runner

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def done(future: Future[Any]) -> None:
            exc = future.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        future = self._pool.submit(
            _run_with, self._runner, job, job._jobstore_alias, run_times, self._logger.name
        )
        future.add_done_callback(done)


def start_scheduler(settings: Settings, runner: JobRunner) -> BackgroundScheduler:
    """A started BackgroundScheduler running the registered jobs that have a schedule."""
    zone = ZoneInfo(settings.timezone)
    wanted = {job_id: cron for job_id, cron in schedules(settings).items() if job_id in runner.jobs}
    # Its own engine: the store disposes of its engine on shutdown, which must not touch the bot's pool.
    store = SQLAlchemyJobStore(engine=make_engine(settings.database_url), tablename=JOB_STORE_TABLE)
    # A tick missed by at most this much still runs (once): a handover after the holder died takes
    # up to 4/3 of the lease. Older ticks are skipped; the next one comes.
    grace = int(settings.worker_lease_seconds * 2)
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": _TickExecutor(runner, max(1, len(wanted)))},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        timezone=zone,
    )
    scheduler.start(paused=True)  # paused: the stored jobs can be read before any of them runs
    try:
        _install_jobs(scheduler, wanted, zone, grace)
    except BaseException:
        scheduler.shutdown(wait=False)
        raise
    scheduler.resume()
    return scheduler


def _install_jobs(
    scheduler: BackgroundScheduler, wanted: Mapping[str, str], zone: ZoneInfo, grace: int
) -> None:
    for stale in scheduler.get_jobs():
        if stale.id not in wanted:  # a job no longer scheduled (or not in this version)
            scheduler.remove_job(stale.id)
    for job_id, expression in wanted.items():
        trigger = cron_trigger(expression, zone)
        options: dict[str, Any] = {}
        previous = scheduler.get_job(job_id)
        if (
            previous is not None
            and previous.next_run_time is not None
            and repr(previous.trigger) == repr(trigger)
        ):
            # Same schedule: keep the stored next run, so a tick the previous holder died before
            # running still runs here (once; job_runs fences it) instead of being recomputed away.
            options["next_run_time"] = previous.next_run_time
        scheduler.add_job(
            run_scheduled,
            trigger,
            args=[job_id],
            id=job_id,
            name=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=grace,
            **options,
        )
        log.info(
            "event=job_scheduled job=%s schedule=%s next=%s",
            job_id,
            expression,
            scheduler.get_job(job_id).next_run_time,
        )
