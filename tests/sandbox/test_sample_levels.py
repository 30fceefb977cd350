"""The sample organisation's history gives the sandbox people at every level: crawled, tied to the fake
Slack by e-mail and recomputed as at `make run`'s start-up, it has newcomers, contributors, regulars,
one trusted committer its project lists, and exactly one candidate, whose nomination card reaches the
console's own user."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.app import Core, build_identity_matcher, build_progression
from bot.db.engine import session_scope
from bot.db.operations import OutboxEntry
from bot.db.people import Person
from bot.db.progression import NOMINATION_PENDING, ContributorLevel, Milestone, Nomination
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_directory import CONSOLE_USER_ID, member_id
from bot.sandbox.startup import levels_line
from tests.conftest import crawled

pytestmark = pytest.mark.integration


@pytest.fixture
def started(database_url: str) -> Iterator[tuple[Core, str]]:
    """The sample crawled, its people tied by e-mail, one full recompute; and that recompute's summary."""
    with crawled(database_url) as (core, _forge), FakeSlack() as slack:
        core = replace(core, settings=slack.settings_for(core.settings))
        matcher = build_identity_matcher(core)
        assert matcher is not None and matcher.match_by_email().matched >= 25
        yield core, build_progression(core).recompute(full=True).summary()


def _levels(core: Core) -> dict[str, str]:
    """Who is at which level: a Slack id for people, the login for forge accounts nobody is tied to."""
    with session_scope(core.sessions) as session:
        rows = session.execute(
            select(ContributorLevel.contributor, ContributorLevel.level, Person.slack_user_id).outerjoin(
                Person, Person.id == ContributorLevel.person_id
            )
        )
        return {slack_id or contributor.rpartition(":")[2]: level for contributor, level, slack_id in rows}


def test_every_level_has_people_and_there_is_exactly_one_candidate(started: tuple[Core, str]) -> None:
    core, _ = started
    levels = _levels(core)
    counts = Counter(levels.values())
    assert counts["candidate"] == 1 and levels[member_id("jasmine")] == "candidate"
    assert counts["newcomer"] >= 3 and counts["contributor"] >= 3 and counts["regular"] >= 3
    assert [who for who, level in levels.items() if level == "trusted"] == [member_id("yuki")]
    # newcomers: maintainers with nothing merged elsewhere, the console's user, one who only reviewed
    newcomers = {who for who, level in levels.items() if level == "newcomer"}
    assert {member_id("alice"), CONSOLE_USER_ID, member_id("tomas")} <= newcomers
    assert levels[member_id("mateo")] == "regular" and levels["zoe"] == "regular"  # zoe hides her e-mail
    assert levels[member_id("rosa")] == "contributor" and levels[member_id("ana")] == "contributor"


def test_the_nomination_reaches_the_console_user_and_recent_milestones_are_told(
    started: tuple[Core, str],
) -> None:
    core, summary = started
    assert "1 nominations opened, 3 cards queued" in summary
    with session_scope(core.sessions) as session:
        (nomination,) = session.scalars(select(Nomination)).all()
        assert (nomination.login, nomination.status) == ("jasmine", NOMINATION_PENDING)
        assert (nomination.merged_window, nomination.reviews_window) == (11, 10)
        cards = session.scalars(select(OutboxEntry.recipient).where(OutboxEntry.kind == "nomination")).all()
        assert sorted(cards) == sorted([member_id("alice"), member_id("bob"), CONSOLE_USER_ID])
        jasmine = session.scalars(select(Person).where(Person.slack_user_id == member_id("jasmine"))).one()
        told = {
            m.name: m.told
            for m in session.scalars(select(Milestone).where(Milestone.person_id == jasmine.id))
        }
        assert told["level:candidate"] is True  # her latest work is within the last 30 days
        assert told["first-merged"] is False  # her first, months ago, is recorded without a DM
        ana = session.scalars(select(Person).where(Person.slack_user_id == member_id("ana"))).one()
        first = session.get(Milestone, (ana.id, "first-merged"))
        assert first is not None and first.told  # her first merged change, last week: a thank-you DM
    line = levels_line(core.sessions, you=CONSOLE_USER_ID)
    assert line.startswith("Levels: ") and "1 trusted committer;" in line
    assert (
        "1 trusted-committer candidate (jasmine on acme/aurora-design-system: nomination card to "
        "@U0ALICE, @U0BOB, @U0SANDBOX1 (you))"
    ) in line
