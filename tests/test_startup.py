"""Start-up as an operator meets it, as subprocesses: `run` stops with one line and a documented exit
code; `serve` and `worker` wait for Slack and the database, /healthz saying what for, then work."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import text

from bot.db.engine import make_engine, normalise_url
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import signed_slash_command
from bot.startup_checks import EXIT_REFUSED, EXIT_UNAVAILABLE
from tests.test_cli import _clean_environment, _get, _post
from tests.test_startup_checks import closed_port

DEADLINE = 60.0  # seconds to wait for a condition; never an assertion on speed
WRONG = "xoxb-wrong-and-secret-1234"
FAST = {"INNERSOURCE_STARTUP_BACKOFF_MAX_SECONDS": "1", "INNERSOURCE_STARTUP_TIMEOUT_SECONDS": "2"}


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env={**_clean_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line(result: subprocess.CompletedProcess[str], *secrets: str) -> str:
    """The command's stderr, asserted to be a single line without a traceback or any secret."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for secret in secrets:
        assert secret not in result.stdout + result.stderr
    return lines[0]


def _http_mode(tmp_path: Path, api_url: str, token: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": FakeSlack.signing_secret,
        "SLACK_API_URL": api_url,
        "INNERSOURCE_HTTP_PORT": "0",
        **FAST,
    }


# --- `run` stops, naming what to check -----------------------------------------------------------------


def test_run_with_a_bad_token_says_so_in_one_line_and_exits_78(tmp_path: Path, slack: FakeSlack) -> None:
    result = _run(["run"], tmp_path, _http_mode(tmp_path, slack.api_url, WRONG))
    assert result.returncode == EXIT_REFUSED
    line = _one_line(result, WRONG, FakeSlack.signing_secret)
    assert line == (
        "innersource-bot run: Slack refused SLACK_BOT_TOKEN: it answered invalid_auth; check SLACK_BOT_TOKEN"
    )


def test_run_in_socket_mode_with_a_bad_app_token_names_slack_app_token(
    tmp_path: Path, slack: FakeSlack
) -> None:
    env = {**_http_mode(tmp_path, slack.api_url, slack.bot_token), "SLACK_APP_TOKEN": "xapp-wrong-secret"}
    result = _run(["run"], tmp_path, env)
    assert result.returncode == EXIT_REFUSED, result.stderr
    assert _one_line(result, "xapp-wrong-secret") == (
        "innersource-bot run: Slack refused SLACK_APP_TOKEN: it answered invalid_auth; check SLACK_APP_TOKEN"
    )


@pytest.mark.parametrize("mode", ["http", "socket"])
def test_run_with_slack_unreachable_names_slack_api_url_and_exits_69(tmp_path: Path, mode: str) -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/"
    env = _http_mode(tmp_path, api, FakeSlack.bot_token)
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = FakeSlack.app_token
    result = _run(["run"], tmp_path, env)
    assert result.returncode == EXIT_UNAVAILABLE
    line = _one_line(result, FakeSlack.bot_token, FakeSlack.app_token)
    assert f"SLACK_API_URL ({api}): connection refused" in line and "HTTPS_PROXY" in line


def test_run_with_the_database_refusing_names_database_url_without_its_password(tmp_path: Path) -> None:
    env = _http_mode(tmp_path, "http://127.0.0.1:9/api/", FakeSlack.bot_token)
    env["DATABASE_URL"] = f"postgresql+psycopg://bot:pg-secret-pw@127.0.0.1:{closed_port()}/bot"
    result = _run(["run"], tmp_path, env)
    assert result.returncode == EXIT_UNAVAILABLE
    line = _one_line(result, "pg-secret-pw", FakeSlack.bot_token)
    assert "DATABASE_URL (postgresql+psycopg://bot:***@127.0.0.1:" in line and "connection refused" in line


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_crawl_with_the_forge_unreachable_names_its_url_setting(tmp_path: Path, forge: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        **(
            {"GITHUB_ORGS": "acme", "GITHUB_API_URL": url, "GITHUB_TOKEN": "ghp_never_shown"}
            if forge == "github"
            else {"GITLAB_GROUPS": "platform", "GITLAB_URL": url, "GITLAB_TOKEN": "glpat-never-shown"}
        ),
    }
    result = _run(["crawl"], tmp_path, env)
    assert result.returncode == EXIT_UNAVAILABLE
    line = _one_line(result, "ghp_never_shown", "glpat-never-shown")
    name, setting = ("GitHub", "GITHUB_API_URL") if forge == "github" else ("GitLab", "GITLAB_URL")
    assert line.startswith(f"innersource-bot crawl: cannot reach {name}")
    assert f"{setting} ({url}/" in line and "connection refused" in line


# --- `serve` and `worker` wait, saying why --------------------------------------------------------------


class _Process:
    """A long-running command, its output in files (a pipe nobody reads could fill and block it)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.out, self.err = (cwd / f"{args[0]}.out").open("w+"), (cwd / f"{args[0]}.err").open("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=cwd,
            env={**_clean_environment(), **env},
            stdout=self.out,
            stderr=self.err,
            text=True,
        )

    def wait_for_output(self, pattern: str) -> re.Match[str]:
        match = _until(lambda: re.search(pattern, _read(self.out)))
        assert match, _read(self.out) + _read(self.err)
        return match

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        return code, _read(self.out), _read(self.err)


def _read(file: IO[str]) -> str:
    file.flush()
    file.seek(0)
    return file.read()


def _until(condition: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return condition()


def _health(port: int) -> tuple[int, dict[str, Any]]:
    status, body = _get(port, "/healthz")
    return status, json.loads(body)


def test_serve_waits_for_slack_with_healthz_503_then_answers_once_slack_is_up(tmp_path: Path) -> None:
    slack_port = closed_port()
    api = f"http://127.0.0.1:{slack_port}/api/"
    env = _http_mode(tmp_path, api, FakeSlack.bot_token)  # the fake's token; nobody serves that port yet
    server = _Process(["serve", "--host", "127.0.0.1", "--port", "0"], tmp_path, env)
    try:
        port = int(server.wait_for_output(r"http://127\.0\.0\.1:(\d+)/").group(1))
        waiting = _until(lambda: _health(port)[1].get("waiting_for") == "slack" and _health(port))
        assert waiting[0] == 503 and waiting[1]["status"] == "waiting"
        assert "SLACK_API_URL" in waiting[1]["detail"] and "connection refused" in waiting[1]["detail"]
        assert isinstance(waiting[1]["retry_in_s"], int)
        assert _post(port, "/slack/events", b"", {})[0] == 503  # Slack retries; nothing is half-handled
        with FakeSlack(port=slack_port) as slack:  # Slack comes back
            assert _until(lambda: _health(port)[0] == 200), _health(port)
            url = slack.new_response_url()
            request = signed_slash_command(slack.signing_secret, "help", url)
            assert _post(port, "/slack/events", request.body, request.headers)[0] == 200
            code, out, err = server.stop()
    finally:
        if server.process.poll() is None:
            server.process.kill()
    assert code == 0, err
    assert "Traceback" not in err and "event=waiting waiting_for=slack" in err and "event=ready" in err
    assert FakeSlack.bot_token not in out + err and FakeSlack.signing_secret not in out + err


def test_serve_with_a_refused_token_keeps_running_and_says_so_on_healthz(
    tmp_path: Path, slack: FakeSlack
) -> None:
    server = _Process(
        ["serve", "--host", "127.0.0.1", "--port", "0"], tmp_path, _http_mode(tmp_path, slack.api_url, WRONG)
    )
    try:
        port = int(server.wait_for_output(r"http://127\.0\.0\.1:(\d+)/").group(1))
        status, body = _until(lambda: _health(port)[1].get("refused") and _health(port))
        assert status == 503 and "invalid_auth" in body["detail"] and "SLACK_BOT_TOKEN" in body["detail"]
        _until(lambda: len(slack.attempts) >= 2)  # it keeps checking, with backoff, rather than exiting
        assert server.process.poll() is None
    finally:
        code, out, err = server.stop()
    assert code == 0
    waits = [line for line in err.splitlines() if "event=waiting" in line]
    assert waits and all("refused=true" in line and "invalid_auth" in line for line in waits)
    assert "Traceback" not in err and WRONG not in out + err


@contextmanager
def _absent_database(kind: str, tmp_path: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A database URL that does not work yet, and how to make it work: a SQLite file in a directory
    still to be created, or a PostgreSQL database still to be created."""
    if kind == "sqlite":
        directory = tmp_path / "later"
        yield f"sqlite:///{directory / 'bot.db'}", lambda: directory.mkdir()
        return
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    name = f"startup_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base).execution_options(isolation_level="AUTOCOMMIT")

    def create() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

    try:
        yield base.rsplit("/", 1)[0] + f"/{name}", create
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


DATABASES = ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.mark.parametrize("kind", DATABASES)
def test_worker_waits_for_the_database_with_healthz_503_then_runs(tmp_path: Path, kind: str) -> None:
    with _absent_database(kind, tmp_path) as (url, create):
        env = {"DATABASE_URL": url, "INNERSOURCE_WORKER_HEALTH_PORT": "0", **FAST}
        worker = _Process(["worker"], tmp_path, env)
        try:
            port = int(worker.wait_for_output(r"Worker health on port (\d+)").group(1))
            status, body = _until(lambda: _health(port)[1].get("waiting_for") and _health(port))
            assert status == 503 and body["waiting_for"] == "database" and "DATABASE_URL" in body["detail"]
            assert worker.process.poll() is None  # waiting, not crash-looping
            create()  # the database comes up
            worker.wait_for_output(r"Worker \S+ running")
            assert _until(lambda: _health(port)[0] == 200)
            assert _health(port)[1] == {"status": "ok"}
        finally:
            code, _out, err = worker.stop()
    assert code == 0, err
    assert "event=waiting waiting_for=database" in err and "Traceback" not in err


def test_worker_with_a_refused_slack_token_waits_and_says_so(tmp_path: Path, slack: FakeSlack) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "SLACK_BOT_TOKEN": WRONG,
        "SLACK_API_URL": slack.api_url,
        "INNERSOURCE_WORKER_HEALTH_PORT": "0",
        **FAST,
    }
    worker = _Process(["worker"], tmp_path, env)
    try:
        port = int(worker.wait_for_output(r"Worker health on port (\d+)").group(1))
        status, body = _until(lambda: _health(port)[1].get("refused") and _health(port))
        assert status == 503 and body["waiting_for"] == "slack" and "invalid_auth" in body["detail"]
        assert worker.process.poll() is None
    finally:
        code, out, err = worker.stop()
    assert code == 0 and "running" not in out  # never started delivering with a token Slack refuses
    assert "Traceback" not in err and WRONG not in out + err
