"""`subscribe`, `unsubscribe`, `subscriptions`, `digest`, `link`, `unlink` and the *Subscribe* /
*Unsubscribe* buttons, end to end: signed requests → the real server → services → Block Kit back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.people import Person
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser
from bot.slack import texts
from bot.slack.blocks import ACTION_DETAILS
from bot.slack.subscription_blocks import ACTION_SUBSCRIBE, ACTION_UNSUBSCRIBE
from tests.handlers.conftest import Bot, running_bot, text_of
from tests.services.test_subscriptions import Catalog, catalog, people_catalog

__all__ = ["catalog", "people_catalog"]

JASMINE = SlackUser(user_id=member_id("jasmine"), user_name="jasmine")


@pytest.fixture
def bot(catalog: Catalog) -> Iterator[Bot]:
    with running_bot(catalog.core) as running:
        yield running


def say(bot: Bot, text: str, user: SlackUser | None = None) -> tuple[dict[str, Any], str]:
    status, body, _ = bot.command(text, user)
    assert status == 200 and body["response_type"] == "ephemeral" and body["text"]
    assert len(body["blocks"]) <= 50
    return body, text_of(body)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message["blocks"]:
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def test_subscribe_to_topics_and_languages(bot: Bot) -> None:
    _, shown = say(bot, "subscribe kafka lang:js topic:security")
    assert "Subscribed to" in shown and "topic *kafka*" in shown and "language *JavaScript*" in shown
    assert "a daily digest" in shown and "/innersource digest" in shown
    _, shown = say(bot, "subscribe lang:pyhton")
    assert "`pyhton`" in shown and "`lang:python`" in shown and "Subscribed to" not in shown
    _, shown = say(bot, "subscriptions")
    assert (
        "`kafka`" in shown and "`security`" in shown and "`JavaScript`" in shown and "a daily digest" in shown
    )


def test_subscribe_to_projects(bot: Bot) -> None:
    _, shown = say(bot, "subscribe project:acme/aurora-design-system")
    assert "project *acme/aurora-design-system*" in shown
    body, shown = say(bot, "subscribe project:kafka-clinet")
    assert "kafka-clinet" in shown and "Did you mean" in shown and "acme/kafka-client" in shown
    (guess,) = buttons(body)
    assert guess["action_id"] == ACTION_SUBSCRIBE
    body, shown = say(bot, "subscribe project:aurora")
    assert "2 projects fit" in shown
    assert [b["action_id"] for b in buttons(body)] == [ACTION_SUBSCRIBE, ACTION_SUBSCRIBE]
    (answer,) = bot.click(ACTION_SUBSCRIBE, buttons(body)[1]["value"])
    assert answer["replace_original"] is False and "acme/aurora-icons" in text_of(answer)
    _, shown = say(bot, "subscribe project:zzzqqq-nothing")
    assert "couldn't find a project called “zzzqqq-nothing”" in shown
    _, shown = say(bot, "subscriptions")
    assert "`acme/aurora-design-system`" in shown and "`acme/aurora-icons`" in shown


def test_unsubscribe(bot: Bot) -> None:
    say(bot, "subscribe kafka lang:go")
    _, shown = say(bot, "unsubscribe kafka lang:golang python")
    assert "Unsubscribed from" in shown and "language *Go*" in shown and "weren't subscribed to" in shown
    _, shown = say(bot, "subscriptions")
    assert texts.SUBSCRIPTIONS_NONE.split(".")[0] in shown
    _, shown = say(bot, "unsubscribe")
    assert "unsubscribe all" in shown


def test_digest_cadence(catalog: Catalog, bot: Bot) -> None:
    _, shown = say(bot, "digest instant")
    assert "one message per good first issue" in shown
    _, shown = say(bot, "digest hourly")
    assert "`hourly` is not a cadence" in shown and "instant|daily|weekly|off" in shown
    _, shown = say(bot, "digest off")
    assert "not at all" in shown and texts.CADENCE_OFF_MAINTAINER in shown
    with catalog.core.sessions() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == "U0SANDBOX1")).one()
    assert person.cadence == "off" and person.name == "sandbox.user"


def test_link_unlink_and_a_conflict(bot: Bot) -> None:
    _, shown = say(bot, "link github octocat")
    assert "Linked your GitHub account `octocat` (unverified)" in shown and "unverified" in shown
    _, shown = say(bot, "link github octocat", JASMINE)
    assert "already linked to another Slack user" in shown
    assert "U0SANDBOX1" not in shown and "sandbox" not in shown.casefold()  # names nobody
    _, shown = say(bot, "link gitlab jasmine.lee", JASMINE)
    assert "GitLab account `jasmine.lee`" in shown
    _, shown = say(bot, "link github not/valid")
    assert "not a valid GitHub name" in shown
    _, shown = say(bot, "link svn me")
    assert "`svn`" in shown
    _, shown = say(bot, "link")
    assert "GitHub `octocat` (unverified" in shown
    _, shown = say(bot, "unlink github")
    assert "Unlinked your GitHub account `octocat`" in shown
    _, shown = say(bot, "link github octocat", JASMINE)
    assert "Linked your GitHub account `octocat`" in shown


def test_subscribe_and_unsubscribe_buttons(bot: Bot) -> None:
    body, _ = say(bot, "find kafka client")
    kinds = [b["action_id"] for b in buttons(body)]
    assert ACTION_DETAILS in kinds and ACTION_SUBSCRIBE in kinds and ACTION_UNSUBSCRIBE not in kinds
    assert kinds.count(ACTION_SUBSCRIBE) == kinds.count(ACTION_DETAILS)  # one per hit
    first = next(b for b in buttons(body) if b["action_id"] == ACTION_SUBSCRIBE)
    (answer,) = bot.click(ACTION_SUBSCRIBE, first["value"])
    assert answer["replace_original"] is False and "Subscribed to" in text_of(answer)
    body, _ = say(bot, "find kafka client")
    mine = [b for b in buttons(body) if b["action_id"] == ACTION_UNSUBSCRIBE]
    assert [b["value"] for b in mine] == [first["value"]]
    card, _ = say(bot, "project acme/kafka-client")
    assert ACTION_UNSUBSCRIBE in [b["action_id"] for b in buttons(card)]
    (answer,) = bot.click(ACTION_UNSUBSCRIBE, first["value"])
    assert "Unsubscribed from" in text_of(answer)
    card, _ = say(bot, "project acme/kafka-client")
    assert ACTION_SUBSCRIBE in [b["action_id"] for b in buttons(card)]
    (answer,) = bot.click(ACTION_SUBSCRIBE, "not-a-number")
    assert texts.ERROR in text_of(answer)


def test_help_lists_the_new_subcommands(bot: Bot) -> None:
    _, shown = say(bot, "help")
    for usage in ("subscribe TERM", "unsubscribe TERM", "subscriptions", "digest instant|daily|weekly|off",
                  "link github LOGIN", "unlink FORGE"):  # fmt: skip
        assert usage in shown


@pytest.mark.parametrize(
    ("user_id", "reason"),
    [("U0GUEST01", "guest"), ("U0GUEST02", "guest"), ("U0EXTERN1", "external"), ("U0BOT0001", "bot"),
     ("U0GONE001", "deleted")],
)  # fmt: skip
def test_refused_users(catalog: Catalog, bot: Bot, user_id: str, reason: str) -> None:
    user = SlackUser(user_id=user_id)
    for text in ("subscribe kafka", "digest instant", "link github octocat", "subscriptions"):
        _, shown = say(bot, text, user)
        assert texts.REFUSALS[reason] in shown
    (answer,) = bot.click(ACTION_SUBSCRIBE, "1", user)
    assert texts.REFUSALS[reason] in text_of(answer)
    with catalog.core.sessions() as session:
        assert session.scalars(select(Person).where(Person.slack_user_id == user_id)).all() == []
