"""Start-up checks: what an unreachable, slow or refusing database or forge becomes (one line naming the
setting), the backoff, and what /healthz is told while start-up waits."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.db.engine import normalise_url
from bot.sandbox.forge.server import FakeForge
from bot.startup_checks import (
    EXIT_REFUSED,
    EXIT_UNAVAILABLE,
    Backoff,
    Problem,
    Readiness,
    StartupError,
    check_forges,
    network_cause,
    open_core,
    retry_until_ready,
    shown_url,
)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def answering(status: int, delay: float = 0.0) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 that answers every GET with `status`, after `delay` seconds:
    a forge (or a proxy in front of one) that fails or is slow. Its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            body = b'{"message": "Server Error"}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up first: that is the point of a delay
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _problem(settings: Settings) -> Problem:
    with pytest.raises(StartupError) as raised:
        check_forges(settings)
    return raised.value.problem


# --- the database -------------------------------------------------------------------------------------


def test_a_postgresql_server_that_refuses_connections_is_one_line_without_the_password() -> None:
    url = f"postgresql+psycopg://bot:hunter2-secret@127.0.0.1:{closed_port()}/innersource"
    with pytest.raises(StartupError) as raised:
        open_core(Settings(database_url=url))
    problem = raised.value.problem
    assert problem.waiting_for == "database" and not problem.refused
    assert "DATABASE_URL" in problem.detail and "connection refused" in problem.detail
    assert "hunter2" not in problem.detail and "\n" not in problem.detail
    assert problem.exit_code == EXIT_UNAVAILABLE


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_database_that_does_not_exist_is_named() -> None:
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    missing = base.rsplit("/", 1)[0] + f"/nope_{uuid.uuid4().hex[:8]}"
    with pytest.raises(StartupError) as raised:
        open_core(Settings(database_url=missing))
    assert "does not exist" in raised.value.problem.detail and "DATABASE_URL" in raised.value.problem.detail


def test_a_sqlite_file_in_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(StartupError) as raised:
        open_core(Settings(database_url=f"sqlite:///{tmp_path / 'absent' / 'bot.db'}"))
    assert "unable to open the database file" in raised.value.problem.detail


def test_a_reachable_database_opens(database_url: str) -> None:
    core = open_core(Settings(database_url=database_url))
    with core.engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    core.engine.dispose()


# --- the forges ---------------------------------------------------------------------------------------


def test_an_unreachable_github_names_github_api_url_and_the_cause() -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/v3"
    problem = _problem(Settings(github_orgs=("acme",), github_api_url=api, github_token="ghp_dont_show_me"))
    assert problem.waiting_for == "github"
    assert f"GITHUB_API_URL ({api}/rate_limit)" in problem.detail and "connection refused" in problem.detail
    assert "ghp_dont_show_me" not in problem.detail


def test_an_unreachable_gitlab_names_gitlab_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    problem = _problem(Settings(gitlab_groups=("platform",), gitlab_url=url))
    assert problem.waiting_for == "gitlab" and "GITLAB_URL" in problem.detail


def test_a_forge_answering_5xx_or_slowly_is_named_with_what_it_answered() -> None:
    with answering(502) as url:
        problem = _problem(Settings(github_orgs=("acme",), github_api_url=url))
    assert "GitHub answered HTTP 502" in problem.detail and not problem.refused
    with answering(200, delay=2.5) as url:
        slow = Settings(gitlab_groups=("platform",), gitlab_url=url, startup_timeout_seconds=0.5)
        assert "timed out" in _problem(slow).detail


def test_a_refused_forge_token_is_named_but_never_shown() -> None:
    with answering(401) as url:
        problem = _problem(Settings(github_orgs=("acme",), github_api_url=url, github_token="ghp_s3cret"))
    assert problem.refused and problem.exit_code == EXIT_REFUSED
    assert "GITHUB_TOKEN" in problem.detail and "ghp_s3cret" not in problem.detail


def test_the_sandbox_forge_passes_the_check() -> None:
    from bot.sandbox.forge.sample_org import build_sample_world
    from tests.conftest import NOW

    with FakeForge(build_sample_world(NOW)) as forge:
        check_forges(
            Settings(
                github_orgs=("acme",),
                github_api_url=forge.github_api_url,
                gitlab_groups=("platform",),
                gitlab_url=forge.gitlab_url,
            )
        )


# --- words, backoff, readiness -----------------------------------------------------------------------


def test_network_causes_in_a_few_words() -> None:
    dns = urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))
    assert network_cause(dns) == "DNS failure (the host name does not resolve)"
    assert network_cause(urllib.error.URLError(TimeoutError("timed out"))) == "timed out"
    assert network_cause(ValueError("not a network error")) is None
    assert shown_url("https://user:pw@slack.example/api/") == "https://slack.example/api/"
    assert "pw" not in shown_url("postgresql+psycopg://bot:pw@db:5432/bot")


def test_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    most = Backoff(cap=8, rng=lambda: 0.999999)
    assert [round(most.next()) for _ in range(6)] == [1, 2, 4, 8, 8, 8]
    least = Backoff(cap=8, rng=lambda: 0.0)
    assert [least.next() for _ in range(3)] == [0.5, 1.0, 2.0]  # never less than half


def test_readiness_says_what_it_waits_for_then_follows_the_live_check() -> None:
    readiness = Readiness()
    assert readiness.health() == (False, {"status": "starting"})
    refused = Problem("slack", "Slack refused SLACK_BOT_TOKEN: it answered invalid_auth", refused=True)
    readiness.waiting(refused, 7.6)
    ok, body = readiness.health()
    assert not ok and body["waiting_for"] == "slack" and body["retry_in_s"] == 8 and body["refused"]
    down: list[Problem] = []
    readiness.ready(lambda: down[0] if down else None)
    assert readiness.health() == (True, {"status": "ok"})
    down.append(Problem("database", "cannot reach the database at DATABASE_URL (…): connection refused"))
    assert readiness.health()[1]["waiting_for"] == "database"


def test_retry_until_ready_retries_a_failing_step_and_stops_when_told() -> None:
    readiness, stop = Readiness(), threading.Event()
    attempts: list[int] = []
    seen: list[dict[str, Any]] = []

    def step() -> str:
        attempts.append(1)
        seen.append(readiness.health()[1])
        if len(attempts) < 3:
            raise StartupError(Problem("database", f"attempt {len(attempts)} failed"))
        return "connected"

    assert retry_until_ready(step, readiness, stop, Backoff(cap=0.01)) == "connected"
    assert [s.get("detail") for s in seen] == [None, "attempt 1 failed", "attempt 2 failed"]

    def never() -> None:
        raise StartupError(Problem("slack", "down"))

    threading.Timer(0.2, stop.set).start()
    assert retry_until_ready(never, readiness, stop, Backoff(cap=0.01)) is None
