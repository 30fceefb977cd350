"""The sandbox's time travel and `forge ready`, as a person pipes them into `make run`: a project made
ready is announced once in #innersource-announce, and `time digest` brings Monday's maintainer digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import OffsetClock
from bot.sandbox.console.time_travel import USAGE, TimeConsole, next_digest, time_command
from tests.test_cli import _run


def test_the_next_digest_is_the_weekday_and_hour_in_the_persons_zone() -> None:
    wednesday = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    assert next_digest(wednesday, "Europe/Berlin", "mon", 9) == datetime(2026, 12, 7, 8, 1, tzinfo=UTC)
    assert next_digest(wednesday, "Asia/Tokyo", "mon", 9) == datetime(2026, 12, 7, 0, 1, tzinfo=UTC)
    monday_late = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # past 09:01 in Berlin: next week's
    assert next_digest(monday_late, "Europe/Berlin", "mon", 9) == datetime(2026, 12, 14, 8, 1, tzinfo=UTC)
    # Across the spring clock change the local hour holds (UTC+1 before, UTC+2 after).
    march = datetime(2027, 3, 25, 12, 0, tzinfo=UTC)
    assert next_digest(march, "Europe/Berlin", "mon", 9) == datetime(2027, 3, 29, 7, 1, tzinfo=UTC)


def test_time_moves_forward_only_and_runs_the_jobs() -> None:
    clock, ran = OffsetClock(), []
    console = TimeConsole(clock, lambda: ran.append("jobs") or ["digests: 1 queued"], "UTC", "mon", 9)
    before = clock()
    said = time_command(console, "time +2d")
    assert clock() - before >= timedelta(days=2) and ran == ["jobs"]
    assert "moved forward 2 days" in said[0] and said[1] == "Ran digests: 1 queued"
    assert time_command(console, "time -2d") == [USAGE] and time_command(console, "time soon") == [USAGE]
    assert time_command(console, "time +9999d") == ["! At most a year at a time."]
    assert time_command(console, "time")[0].startswith("Sandbox time: ") and ran == ["jobs"]
    assert time_command(None, "time +1d") == ["! `time` works in the sandbox only."]
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


@pytest.mark.integration
def test_a_project_made_ready_is_announced_once_and_a_week_later_comes_the_digest(tmp_path: Path) -> None:
    lines = "forge ready acme/pipekit\nforge ready acme/pipekit\ntime digest\n"
    result = _run(["run"], tmp_path, stdin=lines)
    assert result.returncode == 0, result.stderr
    start_up, first, again, digest = result.stdout.split("\n> ")
    # First install: the ready projects are recorded and summed up in one post, not one post each.
    assert "first run, " in start_up and "one summary post queued" in start_up
    assert start_up.count("\n#innersource-announce:") == 1  # a post, as the console prints it
    assert "\n#innersource-announce:" in first and "NEW INNERSOURCE PROJECT" in first
    assert "acme/pipekit" in first.split("\n#innersource-announce:", 1)[1]
    assert "Ran announce: announce to #innersource-announce: 1 post queued" in first
    assert "\n#innersource-announce:" not in again  # never twice
    assert digest.startswith("time digest\nSandbox time: Mon ")
    mine = digest.split("DM to @sandbox.user:\n", 1)[1]
    assert "MAINTAINER DIGEST" in mine and "acme/aurora-design-system" in mine
    assert "Waiting for a first response" in mine


@pytest.mark.integration
def test_home_shows_your_tab_and_join_brings_the_welcome_once(tmp_path: Path) -> None:
    result = _run(["run"], tmp_path, stdin="home\njoin\njoin\n")
    assert result.returncode == 0, result.stderr
    _, home, joined, again = result.stdout.split("\n> ")
    assert home.startswith("home\nApp Home of @sandbox.user:\n")
    assert "Maintainer of acme/aurora-design-system" in home
    assert "Waiting for a first response on your projects" in home and "New InnerSource projects" in home
    assert joined.startswith("join\nDM to @sandbox.user:\n") and ":wave: Welcome to" in joined
    assert "[Subscribe] (1)" in joined  # the channel's most common topics, one button each
    assert "DM to @" not in again  # once per person, ever
