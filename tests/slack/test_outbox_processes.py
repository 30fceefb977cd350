"""A deliverer process killed with SIGKILL mid-post, and a new one started: 0 lost, 0 duplicates.

The real Deliverer runs in a child process (tests/slack/outbox_worker.py) against the fake Slack and
the test's database. The kill lands while a post is held inside the fake Slack; released after the
kill, that post takes effect, so the row is left `sending` with its message in the conversation —
the case the key in the message metadata is there for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import Core
from bot.clock import system_clock
from bot.db.operations import FAILED, SENT
from bot.sandbox.slack.fake_slack import FakeSlack
from tests.slack.outbox_support import enqueue_notices, people, statuses

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("outbox_worker.py")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    directory, _ = people(300)
    with FakeSlack(directory, clock=system_clock) as slack:
        yield slack


def _start(database_url: str, fake: FakeSlack, name: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(WORKER), "--database-url", database_url, "--api-url", fake.api_url]
    command += ["--token", fake.bot_token, "--worker-id", name, "--claim-seconds", "2"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _wait(predicate: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_a_deliverer_killed_mid_post_and_a_new_one_lose_and_duplicate_nothing(
    database_url: str, core: Core, fake: FakeSlack
) -> None:
    keys = enqueue_notices(core.sessions, people(300)[1], system_clock())
    first = _start(database_url, fake, "first")
    try:
        assert _wait(lambda: len(fake.outbox_keys()) >= 60, 60)
        held = fake.hold_next("chat.postMessage")
        assert fake.wait_until(lambda: fake.holding("chat.postMessage") == 1, 10)
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
    finally:
        first.kill()
    before = len(fake.outbox_keys())
    held.set()  # the dead deliverer's post reaches Slack after all
    assert fake.wait_until(lambda: len(fake.outbox_keys()) == before + 1, 10)

    second = _start(database_url, fake, "second")
    try:
        assert _wait(lambda: set(statuses(core.sessions).values()) <= {SENT, FAILED}, 120)
        second.send_signal(signal.SIGTERM)  # finishes the message in flight and exits cleanly
        assert second.wait(30) == 0
    finally:
        second.kill()

    counts = Counter(fake.outbox_keys())
    assert [k for k, n in counts.items() if n > 1] == []  # 0 duplicates
    assert sorted(counts) == sorted(keys)  # 0 lost
    assert set(statuses(core.sessions).values()) == {SENT}
    assert fake.calls_to("conversations.history")  # the row left `sending` was checked, not re-sent
