"""Running a job and recording it in `job_runs`: once per tick across every worker.

A scheduled run first inserts its row under the unique (job_id, tick); a second worker that reaches
the same tick (a lease handover while the old holder had not yet noticed, say) hits the constraint
and skips. The lease makes double scheduling rare; this row makes a double run impossible.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.db.engine import session_scope
from bot.db.operations import RUN_FAILED, RUN_OK, RUN_RUNNING, JobRun

if TYPE_CHECKING:
    from bot.app import Core

log = logging.getLogger("bot.scheduling.runs")

JobFunction = Callable[["Core"], str]  # runs the job once, returns a one-line summary
SUMMARY_LIMIT = 2000  # a failure's message can be long; the row keeps its start


@dataclass(frozen=True)
class RunOutcome:
    job_id: str
    status: str  # ok | failed
    summary: str
    seconds: float


class JobRunner:
    """Runs registered jobs for one worker (`worker_id`), one `job_runs` row per run."""

    def __init__(
        self,
        core: Core,
        jobs: Mapping[str, JobFunction],
        worker_id: str,
        after: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.core = core
        self.jobs = dict(jobs)
        self.worker_id = worker_id
        # A job that follows another's successful run, for the same tick (announce after each crawl).
        self.after = dict(after or {})

    def run(self, job_id: str, tick: datetime | None = None) -> RunOutcome | None:
        """Run `job_id` for `tick` (None: on demand). None when another worker already ran that tick."""
        job = self.jobs[job_id]
        run_id = self._claim(job_id, tick)
        if run_id is None:
            log.warning(  # two schedulers overlapped (a lease handover): the fence held
                "event=job_skipped job=%s tick=%s worker=%s reason=tick_already_run",
                job_id,
                _iso(tick),
                self.worker_id,
            )
            return None
        started = time.monotonic()
        try:
            summary, status = job(self.core), RUN_OK
        except Exception as exc:  # a job's failure is recorded and logged; the worker carries on
            summary, status = f"{type(exc).__name__}: {exc}", RUN_FAILED
            log.exception("event=job_error job=%s tick=%s worker=%s", job_id, _iso(tick), self.worker_id)
        seconds = time.monotonic() - started
        with session_scope(self.core.sessions) as session:
            session.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(status=status, finished_at=self.core.now(), summary=summary[:SUMMARY_LIMIT])
            )
        log.info(
            "event=job_run job=%s tick=%s worker=%s status=%s seconds=%.3f summary=%s",
            job_id,
            _iso(tick),
            self.worker_id,
            status,
            seconds,
            json.dumps(summary),
        )
        if status == RUN_OK:
            for follower in self.after.get(job_id, ()):
                if follower in self.jobs:
                    self.run(follower, tick)
        return RunOutcome(job_id, status, summary, seconds)

    def _claim(self, job_id: str, tick: datetime | None) -> int | None:
        row = JobRun(
            job_id=job_id,
            tick=tick,
            trigger="manual" if tick is None else "schedule",
            worker=self.worker_id,
            status=RUN_RUNNING,
            started_at=self.core.now(),
            summary="",
        )
        try:
            with session_scope(self.core.sessions) as session:
                session.add(row)
                session.flush()
                return row.id
        except IntegrityError:
            return None


def _iso(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat()
