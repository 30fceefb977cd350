"""The production topology as processes on loopback: migrations once, 2 `serve` replicas and 2
`worker`s on one PostgreSQL, aimed at the fake forge (the sample organisation) and the fake Slack.

What docker-compose.yml and deploy/k8s describe, run here without containers: a crawl scheduled by
the workers reaches the catalog, both replicas answer a signed `/innersource find`, each scheduled
(job, tick) runs once although two workers run, and SIGTERM stops every process cleanly. Nothing
asserts on durations: conditions are polled against a generous deadline.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, session_factory, session_scope
from bot.db.operations import RUN_OK, JobRun
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import signed_slash_command
from bot.slack.blocks import working_message
from tests.conftest import temporary_database
from tests.process_support import COMMAND, BotProcess, wait_for
from tests.process_support import processes as processes  # the fixture

pytestmark = pytest.mark.integration

FORGE_TOKEN = "ghp-topology-test-token"  # the fake forge takes any token; checked never to be printed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database_url: str, forge: FakeForge, slack: FakeSlack) -> dict[str, str]:
    """Settings as an orchestrator passes them: environment variables only (bot/config.py's names)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "GITHUB_", "GITLAB_", "INNERSOURCE_", "DATABASE_URL"))
    }
    return {
        **clean,
        "DATABASE_URL": database_url,
        "GITHUB_API_URL": forge.github_api_url,
        "GITHUB_ORGS": ",".join(forge.world.github_orgs),
        "GITHUB_TOKEN": FORGE_TOKEN,
        "GITLAB_URL": forge.gitlab_url,
        "GITLAB_GROUPS": ",".join(forge.world.gitlab_groups),
        "SLACK_API_URL": slack.api_url,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        # Ticks every 2 seconds (six-field cron, seconds first) so the test sees several of each job.
        "INNERSOURCE_CRAWL_SCHEDULE": "*/2 * * * * *",
        "INNERSOURCE_ROUTE_SCHEDULE": "*/2 * * * * *",
        "INNERSOURCE_WORKER_LEASE_SECONDS": "5",  # the shortest the settings allow
        "INNERSOURCE_SEARCH_REFRESH_SECONDS": "1",  # the replicas see the crawl soon after it commits
        "INNERSOURCE_MAX_RATE_LIMIT_WAIT": "5",
    }


def _request(port: int, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    return _exchange(port, path, body, headers)[0]


def _exchange(
    port: int, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()
    except OSError:  # not listening yet
        return 0, ""


def _find_answer(port: int, slack: FakeSlack) -> str:
    """A signed `/innersource find design system` to one replica; the answer comes in the HTTP reply or,
    when the work outlasts Slack's 3 s, through response_url (bot: handlers/commands.py reply_in_time)."""
    url = slack.new_response_url()
    signed = signed_slash_command(slack.signing_secret, "find design system", url)
    status, body = _exchange(port, "/slack/events", signed.body, signed.headers)
    if status != 200:
        return ""
    if json.loads(body or "{}").get("text") != working_message()["text"]:
        return body  # the answer itself (or the empty catalog's "no crawl yet")
    return json.dumps(slack.wait_for_responses(url, timeout=10.0))


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="the topology's processes share one PostgreSQL (set TEST_DATABASE_URL); SQLite has no server",
)
def test_two_replicas_and_two_workers_share_one_postgresql(
    tmp_path: Path, processes: list[BotProcess]
) -> None:
    with (
        FakeForge(build_sample_world(datetime.now(UTC))) as forge,
        FakeSlack() as slack,
        temporary_database("postgresql", tmp_path) as url,
    ):
        env = _environment(url, forge, slack)
        migrate = subprocess.run(
            [*COMMAND, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert migrate.returncode == 0, migrate.stderr  # the one-shot the others wait for

        ports = [_free_port(), _free_port()]
        serve_args = [["serve", "--host", "127.0.0.1", "--port", str(port)] for port in ports]
        processes += [BotProcess(f"serve{i}", args, tmp_path, env) for i, args in enumerate(serve_args, 1)]
        processes += [BotProcess(f"worker{i}", ["worker"], tmp_path, env) for i in (1, 2)]
        observer = make_engine(url)
        sessions = session_factory(observer)

        def scheduled() -> list[JobRun]:
            with session_scope(sessions) as session:
                runs = session.scalars(select(JobRun).where(JobRun.trigger == "schedule")).all()
                session.expunge_all()
                return list(runs)

        try:
            for port in ports:
                healthy = partial(lambda p: _request(p, "/healthz") == 200, port)
                wait_for(healthy, f"/healthz on {port}", processes)
            wait_for(
                lambda: any(r.job_id == "crawl" and r.status == RUN_OK for r in scheduled()),
                "a scheduled crawl to finish",
                processes,
            )
            for port in ports:  # each replica, with its own index, sees what the workers crawled
                wait_for(
                    partial(lambda p: "aurora-design-system" in _find_answer(p, slack), port),
                    f"replica on {port} to find the crawled design system",
                    processes,
                )
            wait_for(
                lambda: sum(r.job_id == "route-issues" for r in scheduled()) >= 3,
                "three scheduled route-issues ticks",
                processes,
            )
            assert all(p.process.poll() is None for p in processes)  # both workers ran all along

            for process in processes:
                process.process.send_signal(signal.SIGTERM)
            for process in processes:
                code = process.process.wait(timeout=60)
                assert code == 0, f"{process.name} exited {code}:\n{process.output()}"

            runs = scheduled()
            ticks = [(r.job_id, r.tick) for r in runs]
            assert len(ticks) == len(set(ticks))  # no (job, tick) ran twice
            assert len({r.worker for r in runs}) == 1  # one worker held the scheduler throughout
            assert {"crawl", "route-issues"} <= {r.job_id for r in runs}
            assert all(r.status == RUN_OK for r in runs if r.finished_at is not None), [
                (r.job_id, r.summary) for r in runs if r.status != RUN_OK
            ]
            output = "".join(p.output() for p in processes)
            assert "job_skipped" not in output  # the lease alone kept the two schedulers apart
            for secret in (FORGE_TOKEN, slack.bot_token, slack.signing_secret):
                assert secret not in output
        finally:
            observer.dispose()
