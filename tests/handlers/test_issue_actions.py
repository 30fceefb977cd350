"""*Claim*, *Not interested* and `issues` over signed HTTP requests against the real server: the DM is
updated in place, the claim comment reaches the fake forge, refused users stay refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import session_scope
from bot.db.operations import OutboxEntry
from bot.db.people import ProjectMute
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser
from bot.services.outbox import Drop
from bot.slack.issue_blocks import ACTION_CLAIM, ACTION_ISSUES_MORE, ACTION_NOT_INTERESTED, compose_gfi
from tests.handlers.conftest import Bot, running_bot, text_of
from tests.services.test_routing import Sample, add_person, sample_organisation

SAM = SlackUser()  # U0SANDBOX1, "sandbox.user"
BOB = SlackUser(user_id=member_id("bob"), user_name="bob")
GUEST = SlackUser(user_id="U0GUEST01", user_name="guest.one")


@pytest.fixture
def sample(database_url: str) -> Iterator[Sample]:
    yield from sample_organisation(database_url)


@pytest.fixture
def served(sample: Sample) -> Iterator[tuple[Sample, Bot]]:
    with running_bot(sample.core) as bot:
        yield sample, bot


def _dm_buttons(sample: Sample, recipient: str) -> dict[str, dict[str, str]]:
    """Title → {action id: value} of each good-first-issue DM routed to `recipient`."""
    found: dict[str, dict[str, str]] = {}
    with session_scope(sample.core.sessions) as session:
        for entry in session.scalars(select(OutboxEntry).where(OutboxEntry.recipient == recipient)):
            composed = compose_gfi(session, entry)
            assert not isinstance(composed, Drop)
            actions = next(b for b in composed["blocks"] if b["type"] == "actions")
            title = composed["blocks"][0]["text"]["text"]
            found[title] = {e["action_id"]: e.get("value", "") for e in actions["elements"]}
    return found


def _answer(bot: Bot, text: str, user: SlackUser) -> dict[str, Any]:
    status, body, url = bot.command(text, user)
    assert status == 200
    if isinstance(body, dict) and body.get("blocks") and "Working on it" not in text_of(body):
        return body
    return bot.slack.wait_for_responses(url, 1, timeout=10)[0]


def test_claim_updates_the_dm_and_comments_on_the_issue(served: tuple[Sample, Bot]) -> None:
    sample, bot = served
    add_person(sample.core, SAM.user_id, "topic:design-system", cadence="instant")
    add_person(sample.core, BOB.user_id, "topic:design-system", cadence="daily")
    sample.router().route_all()
    buttons = next(b for t, b in _dm_buttons(sample, SAM.user_id).items() if "Tooltip" in t)

    (answer,) = bot.click(ACTION_CLAIM, buttons[ACTION_CLAIM], SAM)
    assert answer["replace_original"] is True and "You claimed" in text_of(answer)
    assert "I said so on the issue" in text_of(answer)
    repo = sample.forge.world.find_repo("github", "acme/aurora-design-system")
    assert repo is not None
    tooltip = next(i for i in repo.issues if "Tooltip" in i.title)
    assert tooltip.comments == ["sandbox.user would like to work on this (claimed through InnerSource Bot)."]

    (second,) = bot.click(ACTION_CLAIM, buttons[ACTION_CLAIM].replace(":dm", ":digest"), BOB)
    assert second["replace_original"] is False  # a digest stays; the answer is a new message
    assert f"claimed by <@{SAM.user_id}> first" in text_of(second)


def test_not_interested_mutes_the_project(served: tuple[Sample, Bot]) -> None:
    sample, bot = served
    add_person(sample.core, SAM.user_id, "topic:design-system", cadence="instant")
    sample.router().route_all()
    buttons = next(iter(_dm_buttons(sample, SAM.user_id).values()))
    (answer,) = bot.click(ACTION_NOT_INTERESTED, buttons[ACTION_NOT_INTERESTED], SAM)
    assert answer["replace_original"] is True
    assert "No more good first issues from" in text_of(answer) and "acme/aurora-design-system" in text_of(
        answer
    )
    with session_scope(sample.core.sessions) as session:
        assert len(session.scalars(select(ProjectMute)).all()) == 1


def test_refused_users_cannot_claim(served: tuple[Sample, Bot]) -> None:
    sample, bot = served
    add_person(sample.core, SAM.user_id, "topic:design-system", cadence="instant")
    sample.router().route_all()
    buttons = next(iter(_dm_buttons(sample, SAM.user_id).values()))
    (answer,) = bot.click(ACTION_CLAIM, buttons[ACTION_CLAIM], GUEST)
    assert "full members of this workspace only" in text_of(answer)
    (answer,) = bot.click(ACTION_CLAIM, "not-a-value", SAM)
    assert "something went wrong" in text_of(answer)


def test_issues_with_filters_pages_with_more(served: tuple[Sample, Bot]) -> None:
    _, bot = served
    answer = _answer(bot, "issues lang:typescript", BOB)
    assert "*11 open good first issues* match — showing 1-5" in text_of(answer)
    more = next(
        e
        for b in answer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_ISSUES_MORE
    )
    (page,) = bot.click(ACTION_ISSUES_MORE, more["value"], BOB)
    assert page["replace_original"] is True and "showing 6-10" in text_of(page)
    assert "No open, unclaimed good first issues match" in text_of(_answer(bot, "issues cobol", BOB))


def test_issues_without_filters_uses_subscriptions(served: tuple[Sample, Bot]) -> None:
    sample, bot = served
    assert "You have no subscriptions yet" in text_of(_answer(bot, "issues", BOB))
    add_person(sample.core, SAM.user_id, "project:acme/kafka-client")
    answer = _answer(bot, "issues", SAM)
    assert "*2 open good first issues* from your subscriptions" in text_of(answer)
    assert "Expose consumer lag" in text_of(answer)
    assert "full members of this workspace only" in text_of(_answer(bot, "issues", GUEST))
