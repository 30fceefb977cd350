"""The worker: the scheduler lease, job runs fenced per tick, cron reading, and the `worker` / `job`
commands as subprocesses — two workers against one PostgreSQL included.

Nothing here asserts on durations: subprocess tests poll the database for a condition with a
generous deadline, and lease expiry is driven by a ManualClock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.app import Core
from bot.clock import ManualClock
from bot.config import Settings, SettingsError, load_settings
from bot.db.engine import make_engine, session_factory, session_scope, upgrade
from bot.db.operations import RUN_FAILED, RUN_OK, JobRun, Lease
from bot.scheduling.lease import SCHEDULER_LEASE, NamedLease
from bot.scheduling.runs import JobRunner
from bot.scheduling.triggers import cron_trigger, crontab_weekdays
from bot.worker import Worker
from jobs import AFTER
from tests.conftest import temporary_database
from tests.process_support import BotProcess, wait_for
from tests.process_support import processes as processes  # the fixture

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _lease(core: Core, holder: str, clock: ManualClock) -> NamedLease:
    return NamedLease(core.sessions, SCHEDULER_LEASE, holder, TTL, clock)


# --- the lease --------------------------------------------------------------------------------------


def test_lease_is_taken_when_free_and_refused_while_held(core: Core, clock: ManualClock) -> None:
    a, b = _lease(core, "a", clock), _lease(core, "b", clock)
    assert a.acquire()
    assert not b.acquire()
    clock.advance(TTL - timedelta(seconds=1))
    assert not b.acquire()  # not expired yet
    assert a.current_holder() == "a"


def test_renewing_pushes_the_expiry_so_a_live_holder_keeps_it(core: Core, clock: ManualClock) -> None:
    a, b = _lease(core, "a", clock), _lease(core, "b", clock)
    assert a.acquire()
    for _ in range(6):  # renewing every third of the lease, well past the first expiry
        clock.advance(TTL / 3)
        assert a.acquire()
        assert not b.acquire()
    with session_scope(core.sessions) as session:
        assert session.get(Lease, SCHEDULER_LEASE).expires_at == clock() + TTL  # type: ignore[union-attr]


def test_an_expired_lease_is_taken_over_and_the_old_holder_loses_it(core: Core, clock: ManualClock) -> None:
    a, b = _lease(core, "a", clock), _lease(core, "b", clock)
    assert a.acquire()
    clock.advance(TTL)  # a stopped renewing (dead, or stalled)
    assert b.acquire()
    assert not a.acquire()  # a stalled holder coming back finds the role gone
    assert b.current_holder() == "b"


def test_release_frees_the_lease_at_once_but_only_for_its_holder(core: Core, clock: ManualClock) -> None:
    a, b = _lease(core, "a", clock), _lease(core, "b", clock)
    assert a.acquire()
    b.release()  # not b's to release
    assert a.current_holder() == "a"
    a.release()
    assert a.current_holder() is None
    assert b.acquire()


# --- workers in-process: the lease decides who schedules ------------------------------------------------


def test_only_the_lease_holder_schedules_and_a_takeover_moves_the_role(
    core: Core, clock: ManualClock
) -> None:
    timed = replace(core, now=clock)
    jobs = {"crawl": lambda c: "nothing"}
    a, b = Worker(timed, jobs, "worker-a"), Worker(timed, jobs, "worker-b")
    try:
        assert a.check_lease() and a.scheduling
        assert not b.check_lease() and not b.scheduling
        clock.advance(timedelta(seconds=core.settings.worker_lease_seconds))  # a went quiet
        assert b.check_lease() and b.scheduling
        assert not a.check_lease() and not a.scheduling  # losing the lease stops the scheduler
        with session_scope(core.sessions) as session:
            stored = session.execute(select(JobRun)).all()
        assert stored == []  # the next crawl tick is an hour away: nothing ran
    finally:
        a.stop()
        b.stop()
    assert b.lease.current_holder() is None  # a clean stop gives the role up


# --- job runs: once per tick ----------------------------------------------------------------------------


def _runs(core: Core) -> list[JobRun]:
    with session_scope(core.sessions) as session:
        return list(session.scalars(select(JobRun).order_by(JobRun.id)))


def test_a_tick_runs_once_even_when_two_workers_reach_it(core: Core) -> None:
    calls: list[str] = []

    def job(worker: str) -> Callable[[Core], str]:
        return lambda c: calls.append(worker) or f"ran on {worker}"

    tick = datetime(2026, 11, 2, 9, 1, tzinfo=UTC)
    first = JobRunner(core, {"route-issues": job("a")}, "a").run("route-issues", tick)
    second = JobRunner(core, {"route-issues": job("b")}, "b").run("route-issues", tick)
    assert first is not None and first.status == RUN_OK and first.summary == "ran on a"
    assert second is None and calls == ["a"]
    (run,) = _runs(core)
    assert (run.job_id, run.tick, run.trigger, run.worker, run.status) == (
        "route-issues", tick, "schedule", "a", RUN_OK
    )  # fmt: skip
    assert run.finished_at is not None and run.summary == "ran on a"


def test_announce_follows_each_successful_crawl_for_the_same_tick_once(core: Core) -> None:
    calls: list[str] = []
    outcomes = iter(["ok", "fail", "ok"])

    def crawl(c: Core) -> str:
        if next(outcomes) == "fail":
            raise RuntimeError("forge unreachable")
        calls.append("crawl")
        return "crawled"

    jobs = {"crawl": crawl, "announce": lambda c: calls.append("announce") or "announced"}
    ticks = [datetime(2026, 11, 2, hour, 0, tzinfo=UTC) for hour in (9, 10, 11)]
    a, b = JobRunner(core, jobs, "a", AFTER), JobRunner(core, jobs, "b", AFTER)
    for tick in ticks:
        a.run("crawl", tick)
        b.run("crawl", tick)  # the same tick on a second worker: neither job runs again
    assert calls == ["crawl", "announce", "crawl", "announce"]  # not after the failed 10:00 crawl
    assert [(r.job_id, r.tick.hour if r.tick else None, r.status) for r in _runs(core)] == [
        ("crawl", 9, RUN_OK), ("announce", 9, RUN_OK), ("crawl", 10, RUN_FAILED),
        ("crawl", 11, RUN_OK), ("announce", 11, RUN_OK),
    ]  # fmt: skip


def test_a_failing_job_is_recorded_and_on_demand_runs_never_collide(core: Core) -> None:
    def broken(c: Core) -> str:
        raise RuntimeError("forge unreachable")

    runner = JobRunner(core, {"crawl": broken}, "a")
    outcomes = [runner.run("crawl"), runner.run("crawl")]  # `job crawl` twice: no tick, two runs
    assert [o.status if o else None for o in outcomes] == [RUN_FAILED, RUN_FAILED]
    assert [(r.status, r.trigger, r.tick) for r in _runs(core)] == [(RUN_FAILED, "manual", None)] * 2
    assert _runs(core)[0].summary == "RuntimeError: forge unreachable"


# --- cron as crontab reads it ---------------------------------------------------------------------------


def test_weekday_numbers_mean_what_crontab_means() -> None:
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("0,7") == "sun,sun"
    assert crontab_weekdays("0-6/3") == "sun,wed,sat"
    assert crontab_weekdays("*/2") == "*/2" and crontab_weekdays("mon-fri") == "mon-fri"
    sunday_nine = cron_trigger("0 9 * * 0", ZoneInfo("Europe/Berlin"))
    fire = sunday_nine.get_next_fire_time(None, datetime(2026, 11, 2, tzinfo=UTC))  # a Monday
    assert fire.isoformat() == "2026-11-08T09:00:00+01:00"  # the next Sunday, Berlin time


def test_six_fields_add_seconds_and_bad_schedules_stop_start_up() -> None:
    every_two = cron_trigger("*/2 * * * * *", ZoneInfo("UTC"))
    assert every_two.get_next_fire_time(None, START + timedelta(seconds=1)) == START + timedelta(seconds=2)
    assert Settings(route_schedule="*/5 * * * * *").route_schedule == "*/5 * * * * *"
    for bad in ("61 * * * *", "* * *", "0 9 * * 8"):
        with pytest.raises(SettingsError, match="route_schedule"):
            load_settings({"INNERSOURCE_ROUTE_SCHEDULE": bad})


# --- the commands as subprocesses -----------------------------------------------------------------------


def _environment(database_url: str, **settings: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "GITHUB_", "GITLAB_", "INNERSOURCE_", "DATABASE_URL"))
    }
    return {**clean, "DATABASE_URL": database_url, **settings}


def _command(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_job_runs_one_job_now_and_exits(tmp_path: Path, database_url: str) -> None:
    result = _command(["job", "crawl"], tmp_path, _environment(database_url))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("crawl: crawl ok: 0 listed")


def test_an_unknown_job_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    env = _environment(f"sqlite:///{tmp_path / 'jobs.db'}")
    unknown = _command(["job", "crwal"], tmp_path, env)
    assert unknown.returncode == 2
    known = "known jobs: announce, crawl, deliver, digests, progression, route-issues"
    assert f"unknown job 'crwal'; {known}" in unknown.stderr
    digests = _command(["job", "digests"], tmp_path, env)  # built now: runs once, nobody is due
    assert digests.returncode == 0, digests.stderr
    assert digests.stdout.startswith("digests: maintainer digests: 0 queued")


def wait_for_alive(condition: Callable[[], bool], what: str, processes: list[BotProcess]) -> None:
    """As `wait_for`, but a worker these tests kill on purpose does not end the wait."""
    wait_for(condition, what, processes, exits_fail=False)


def _holder(core: Core) -> str | None:
    with session_scope(core.sessions) as session:
        lease = session.get(Lease, SCHEDULER_LEASE)
        return None if lease is None else lease.holder


def _open(database_url: str) -> Core:
    engine = make_engine(database_url)
    upgrade(engine)
    return Core(Settings(database_url=database_url), engine, session_factory(engine))


def test_worker_stops_cleanly_on_sigterm(
    tmp_path: Path, database_url: str, processes: list[BotProcess]
) -> None:
    observer = _open(database_url)
    worker = BotProcess(
        "worker", ["worker"], tmp_path, _environment(database_url, INNERSOURCE_WORKER_LEASE_SECONDS="5")
    )
    processes.append(worker)
    leased = lambda: bool(worker.worker_id) and _holder(observer) == worker.worker_id  # noqa: E731
    wait_for_alive(leased, "the lease", processes)
    worker.process.send_signal(signal.SIGTERM)
    assert worker.process.wait(timeout=60) == 0, worker.output()
    assert _holder(observer) is None  # released on the way out, not left to expire
    observer.engine.dispose()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_two_workers_run_each_tick_once_and_a_killed_holder_is_replaced(
    tmp_path: Path, processes: list[BotProcess]
) -> None:
    # Ticks every second (six-field cron) so the test sees many; the shortest lease the settings allow.
    settings = {
        "INNERSOURCE_CRAWL_SCHEDULE": "* * * * * *",
        "INNERSOURCE_ROUTE_SCHEDULE": "* * * * * *",
        "INNERSOURCE_WORKER_LEASE_SECONDS": "5",
    }
    with temporary_database("postgresql", tmp_path) as url:
        observer = _open(url)
        try:
            env = _environment(url, **settings)
            first, second = (
                BotProcess("first", ["worker"], tmp_path, env),
                BotProcess("second", ["worker"], tmp_path, env),
            )
            processes += [first, second]

            def scheduled() -> list[JobRun]:
                return [r for r in _runs(observer) if r.trigger == "schedule"]

            wait_for_alive(lambda: len(scheduled()) >= 8, "eight scheduled runs", processes)
            wait_for_alive(lambda: bool(first.worker_id and second.worker_id), "both workers up", processes)
            holder = _holder(observer)
            by_id = {first.worker_id: first, second.worker_id: second}
            assert holder in by_id
            (survivor,) = [p for p in (first, second) if p.worker_id != holder]
            assert {r.worker for r in scheduled()} == {holder}  # the other one never scheduled

            by_id[holder].process.kill()  # SIGKILL: no release, the lease must expire
            by_id[holder].process.wait(timeout=30)
            wait_for_alive(
                lambda: sum(r.worker == survivor.worker_id for r in scheduled()) >= 4,
                "the survivor taking the scheduling over",
                processes,
            )
            assert _holder(observer) == survivor.worker_id
            survivor.process.send_signal(signal.SIGTERM)
            assert survivor.process.wait(timeout=60) == 0, survivor.output()

            runs = scheduled()
            ticks = [(r.job_id, r.tick) for r in runs]
            assert len(ticks) == len(set(ticks))  # no tick has two runs
            assert {r.worker for r in runs} == {holder, survivor.worker_id}
            assert all(r.status == RUN_OK for r in runs if r.worker == survivor.worker_id)
            assert "job_skipped" not in first.output() + second.output()  # the lease alone kept them apart
        finally:
            observer.engine.dispose()


def test_the_progression_job_runs_once_from_the_command_line(tmp_path: Path) -> None:
    env = _environment(f"sqlite:///{tmp_path / 'jobs.db'}")
    result = _command(["job", "progression"], tmp_path, env)
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stdout.split())  # the console wraps long lines
    assert said.startswith("progression: full recompute: 0 contributors")
    assert "program metrics over 90 days refreshed (0 projects)" in said
