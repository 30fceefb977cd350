"""`make run`'s promise for contributor progression, as a person pipes it: start-up computes levels and
sends the sample's nomination card to the console's user, who approves it with `press 1`; the
candidate hears by DM; `me` and `stats` answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_cli import _run

pytestmark = pytest.mark.integration

LEVELS = re.compile(
    r"Levels: \d+ newcomers, \d+ contributors, \d+ regulars, 1 trusted-committer candidate \(jasmine on "
    r"acme/aurora-design-system: nomination card to @U0ALICE, @U0BOB, @U0SANDBOX1 \(you\)\), "
    r"1 trusted committer; \d+ milestones, \d+ told by DM\."
)


def test_start_up_nominates_the_candidate_to_the_console_user_who_approves_then_me_and_stats(
    tmp_path: Path,
) -> None:
    result = _run(["run"], tmp_path, stdin="press 1\n/innersource me\n/innersource stats\n")
    assert result.returncode == 0, result.stderr
    start_up, answers = result.stdout.split("\n> press 1\n", 1)
    assert LEVELS.search(start_up), start_up[-3000:]
    # Other people's DMs in one line each; the console user's card in full, its buttons pressable.
    assert "\nDM to @alice: :medal: *Trusted-committer nomination:* @U0JASMINE" in start_up
    # Only what was reached lately is told: bob crossed five merged this month, jasmine is a new
    # candidate; the regulars of many months (mateo, kofi…) hear nothing on a fresh install.
    assert "\nDM to @bob: :seedling: You've reached *Regular*" in start_up
    assert "\nDM to @jasmine: :sparkles: You're now a *Trusted-committer candidate*" in start_up
    assert "DM to @mateo:" not in start_up
    assert "\nDM to @ana: 🎉 *Your first merged contribution" in start_up
    card = start_up.split("DM to @sandbox.user:\n", 1)[1]
    assert "11 merged PRs and 10 reviews there in the last 180 days" in card
    assert "[Approve] (1)  [Decline] (2)" in card

    approved, me, stats = answers.split("\n> ")
    assert "@U0JASMINE (`jasmine`) is now a trusted committer" in approved
    assert "Approved by @U0SANDBOX1" in approved and "[Approve]" not in approved
    told = approved.split("DM to @jasmine:\n", 1)[1]
    assert "You're now a *trusted committer* of acme/aurora-design-system" in told

    assert me.startswith("/innersource me\n") and "GitHub `sam`" in me
    assert "Your level: *Newcomer*" in me and "Maintainer of acme/aurora-design-system" in me
    assert "3 reviews in the last 180 days" in me

    assert stats.startswith("/innersource stats\n") and "INNERSOURCE PROGRAM" in stats
    assert "Trusted-committer candidates: 0" in stats and "Trusted committers: 2" in stats  # approved
