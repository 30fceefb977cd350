"""The worker: delivery on every worker, scheduling on the one that holds the scheduler lease.

Every worker runs the outbox deliverer in a thread, so an instant DM leaves within seconds of being
routed, however many workers there are (rows are claimed, so they never double-send). Scheduling is
one role: APScheduler 3 does not coordinate two schedulers sharing a job store, so only the holder
of the "scheduler" lease runs one, renewing it every third of `worker_lease_seconds`; when a holder
dies, another worker takes the role over once the lease expires (under a minute at the default
30 s). Losing the lease stops the scheduler. `stop()` lets the message and the job in flight finish,
then gives the lease up.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Core, build_deliverer
from bot.config import Settings
from bot.scheduling.lease import SCHEDULER_LEASE, NamedLease
from bot.scheduling.runs import JobFunction, JobRunner
from bot.scheduling.scheduler import start_scheduler
from bot.startup_checks import (
    Backoff,
    Readiness,
    database_check,
    database_problem,
    open_core,
    retry_until_ready,
)

log = logging.getLogger("bot.worker")


def default_worker_id() -> str:
    """host:pid:random — readable in logs and `job_runs`, unique even when a pid is reused."""
    return f"{socket.gethostname()[:96]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    """One worker process's (or one `run` process's) background work. `start()`, later `stop()`."""

    def __init__(
        self,
        core: Core,
        jobs: Mapping[str, JobFunction],
        worker_id: str | None = None,
        after: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.core = core
        self.id = worker_id or default_worker_id()
        seconds = core.settings.worker_lease_seconds
        self.lease = NamedLease(core.sessions, SCHEDULER_LEASE, self.id, timedelta(seconds=seconds), core.now)
        self.renew_seconds = seconds / 3
        self.runner = JobRunner(core, jobs, self.id, after)
        self._stop = threading.Event()
        self._scheduler: BackgroundScheduler | None = None
        self._threads: list[threading.Thread] = []

    @property
    def scheduling(self) -> bool:
        """True while this worker holds the lease and runs the scheduler."""
        return self._scheduler is not None

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._lease_loop, name="worker-lease", daemon=True),
            threading.Thread(target=self._deliver_loop, name="worker-deliver", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        log.info(
            "event=worker_started worker=%s lease_seconds=%s",
            self.id,
            self.core.settings.worker_lease_seconds,
        )

    def stop(self) -> None:
        """Take no new work; let the message and the job in flight finish; give the lease up."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        was_scheduling = self.scheduling
        self._stop_scheduler(wait=True)
        if was_scheduling:
            try:
                self.lease.release()  # the next worker need not wait for it to expire
                log.info("event=lease_released lease=%s worker=%s", SCHEDULER_LEASE, self.id)
            except Exception:  # it expires by itself
                log.exception("event=lease_release_error worker=%s", self.id)
        log.info("event=worker_stopped worker=%s", self.id)

    def check_lease(self) -> bool:
        """Take or renew the lease, and start or stop the scheduler to match. True: scheduling."""
        try:
            held = self.lease.acquire()
        except Exception as exc:  # the database is unreachable: act as if the lease were lost, retry later
            problem = database_problem(exc, self.core.settings.database_url)
            log.warning("event=lease_error worker=%s detail=%s", self.id, problem.detail)  # no traceback
            held = False
        if held and self._scheduler is None:
            self._scheduler = start_scheduler(self.core.settings, self.runner)
            log.info("event=lease_taken lease=%s worker=%s", SCHEDULER_LEASE, self.id)
        elif not held and self._scheduler is not None:
            log.warning("event=lease_lost lease=%s worker=%s", SCHEDULER_LEASE, self.id)
            self._stop_scheduler(wait=False)  # the job in flight finishes; its tick is already fenced
        return held

    def _lease_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.check_lease()
            except Exception:  # e.g. the scheduler could not start: say so, try again next round
                log.exception("event=scheduler_error worker=%s", self.id)
            self._stop.wait(self.renew_seconds)

    def _stop_scheduler(self, wait: bool) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=wait)

    def _deliver_loop(self) -> None:
        interval = self.core.settings.deliver_interval_seconds
        while not self._stop.is_set():
            try:
                build_deliverer(self.core, self.id).run(self._stop, interval)
            except Exception:  # delivery must not die quietly: log, pause, start again
                log.exception("event=deliverer_error worker=%s", self.id)
                self._stop.wait(interval)


@contextmanager
def running_worker(
    core: Core, jobs: Mapping[str, JobFunction], after: Mapping[str, tuple[str, ...]] | None = None
) -> Iterator[Worker]:
    """A worker inside `run` (Socket Mode, HTTP mode, the console): started, and stopped on exit."""
    worker = Worker(core, jobs, after=after)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def serve_worker(
    settings: Settings,
    jobs: Mapping[str, JobFunction],
    after: Mapping[str, tuple[str, ...]],
    stopping: threading.Event,
    say: Callable[[str], None],
) -> int:
    """The `worker` command: wait for the database (and Slack, when a bot token is set) with backoff,
    then work until `stopping` is set. With `worker_health_port`, GET /healthz answers 503 saying what
    it waits for, then 200 while the database answers."""
    from bot.slack.auth_check import check_slack_token
    from bot.slack.outbox_metrics import OutboxCollector
    from bot.web.server import HttpServer, Metrics, build_web_app, waiting_app

    readiness = Readiness()
    health: HttpServer | None = None
    if settings.worker_health_port is not None:  # Kubernetes' probes; several workers on one host: 0
        app = waiting_app(readiness.health)
        health = HttpServer(app, host="0.0.0.0", port=settings.worker_health_port, threads=2)  # noqa: S104
        health.start_in_thread()
        say(f"Worker health on port {health.port}: GET /healthz")
    try:
        backoff = Backoff(settings.startup_backoff_max_seconds)
        core = retry_until_ready(lambda: open_core(settings), readiness, stopping, backoff)
        if core is None:
            return 0
        token = settings.slack_bot_token
        if token is not None:  # delivery needs it; without one the worker only crawls and schedules
            timeout = settings.startup_timeout_seconds

            def slack() -> str:
                return check_slack_token(token.get_secret_value(), settings.slack_api_url, timeout)

            if retry_until_ready(slack, readiness, stopping, backoff) is None:
                return 0
        readiness.ready(database_check(core))
        if health is not None:
            metrics = Metrics()
            metrics.registry.register(OutboxCollector(core.sessions))
            health.replace_app(build_web_app({}, metrics, health=readiness.health))
        worker = Worker(core, jobs, after=after)
        worker.start()
        say(f"Worker {worker.id} running; Ctrl-C or SIGTERM stops.")
        stopping.wait()
        worker.stop()
        return 0
    finally:
        if health is not None:
            health.stop()
