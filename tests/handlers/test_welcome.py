"""The welcome end to end: signed `member_joined_channel` events through the real server, the welcome
queued in the outbox, and the DM the real deliverer posts to the fake Slack — once per person, through
rejoins, Slack's retries (`X-Slack-Retry-Num`) and duplicate `event_id`s; never to a guest or a bot;
not for other channels; with the announce channel configured as an ID or as a `#name`."""

from __future__ import annotations

import copy
import itertools
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import session_scope
from bot.db.operations import DROPPED, OutboxEntry
from bot.db.people import Person, Subscription
from bot.sandbox.slack.slack_channels import ANNOUNCE_CHANNEL_ID, SANDBOX_CHANNEL_ID
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser
from bot.services.welcome import WelcomeService
from bot.slack.welcome_blocks import ACTION_SUBSCRIBE_TOPIC
from tests.handlers.conftest import text_of
from tests.handlers.progression_support import Served, serving
from tests.handlers.slack_views import signed_click
from tests.services.test_routing import sample_organisation

PAYLOAD = json.loads(
    (
        Path(__file__).parents[1]
        / "data/slack/payloads/event_callback.member_joined_channel.bolt-python.json"
    ).read_text()
)
ZOE = SlackUser(user_id=member_id("zoe"), user_name="zoe")
YUKI = SlackUser(user_id=member_id("yuki"), user_name="yuki")
GUEST, BOT_USER = "U0GUEST01", "U0BOT0001"
_ids = itertools.count(1)


@pytest.fixture
def served(database_url: str, caplog: pytest.LogCaptureFixture) -> Iterator[Served]:
    caplog.set_level(logging.INFO, logger="handlers.events")
    for sample in sample_organisation(database_url):
        with serving(sample, announce_channel=ANNOUNCE_CHANNEL_ID) as running:
            yield running


def joined(user_id: str, channel: str = ANNOUNCE_CHANNEL_ID, event_id: str | None = None) -> dict[str, Any]:
    payload = copy.deepcopy(PAYLOAD)
    payload["event"] |= {"user": user_id, "channel": channel, "team": "T0SANDBOX"}
    payload |= {"team_id": "T0SANDBOX", "event_id": event_id or f"Ev{next(_ids):08d}"}
    return payload


def handled(served: Served, caplog: pytest.LogCaptureFixture, payload: dict[str, Any], **headers: str) -> str:
    """Deliver the event and wait until its listener logged the outcome; returns that outcome."""
    before = caplog.text.count("event=member_joined")
    assert served.bot.event(payload, headers) == 200
    deadline = time.monotonic() + 10  # the listener logs from the handlers' executor: poll for it
    while caplog.text.count("event=member_joined") == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert caplog.text.count("event=member_joined") > before
    line = [r.getMessage() for r in caplog.records if "event=member_joined" in r.getMessage()][-1]
    return line.rpartition("outcome=")[2]


def welcomes(served: Served) -> list[OutboxEntry]:
    with session_scope(served.core.sessions) as session:
        return list(session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "welcome")))


def dms(served: Served, user: SlackUser) -> list[dict[str, Any]]:
    return served.slack.channel_messages("D" + user.user_id[1:])


def test_a_join_brings_one_welcome_dm_through_rejoins_retries_and_duplicate_events(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    first = joined(ZOE.user_id)
    assert handled(served, caplog, first) == "queued"
    assert served.deliver() == 1
    (dm,) = dms(served, ZOE)
    text = text_of(dm)
    assert f"Welcome to <#{ANNOUNCE_CHANNEL_ID}>" in text and "20 projects are ready today" in text
    for command in ("/innersource find go", "/innersource issues", "/innersource me"):
        assert command in text
    buttons = [b["accessory"] for b in dm["blocks"] if b.get("accessory")]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ACTION_SUBSCRIBE_TOPIC, "go"), (ACTION_SUBSCRIBE_TOPIC, "aws"), (ACTION_SUBSCRIBE_TOPIC, "ci-cd"),
    ]  # fmt: skip
    assert dm["metadata"]["event_payload"]["key"] == f"welcome:{ZOE.user_id}"

    # Slack retries the same event, sends it again under the same id, and Zoe leaves and rejoins.
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert handled(served, caplog, first, **retry) == "already_welcomed"
    assert f"event_id={first['event_id']} retry=1 outcome=already_welcomed" in caplog.text
    assert handled(served, caplog, copy.deepcopy(first)) == "already_welcomed"
    assert handled(served, caplog, joined(ZOE.user_id)) == "already_welcomed"
    assert served.deliver() == 0
    assert len(dms(served, ZOE)) == 1 and len(welcomes(served)) == 1
    assert served.slack.outbox_keys().count(f"welcome:{ZOE.user_id}") == 1


def test_never_a_guest_a_bot_or_the_bot_itself(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    assert handled(served, caplog, joined(GUEST)) == "refused_guest"
    assert handled(served, caplog, joined(BOT_USER)) == "refused_bot"
    assert served.bot.event(joined(served.slack.bot_user_id)) == 200  # the bot joining the channel
    assert handled(served, caplog, joined(YUKI.user_id)) == "queued"  # later events are handled
    assert [w.recipient for w in welcomes(served)] == [YUKI.user_id]
    asked = [c["user"] for c in served.slack.calls_to("users.info")]
    assert served.slack.bot_user_id not in asked  # not even looked up


def test_the_deliverer_still_refuses_a_welcome_queued_for_a_guest(served: Served) -> None:
    # Past the listener's check (a person who became a guest between join and delivery, say).
    WelcomeService(served.core.sessions, served.core.now, ANNOUNCE_CHANNEL_ID).welcome(
        GUEST, ANNOUNCE_CHANNEL_ID
    )
    assert served.deliver() == 0
    (row,) = welcomes(served)
    assert row.status == DROPPED and row.last_error == "recipient refused: guest"
    assert served.slack.channel_messages("D" + GUEST[1:]) == []


def test_joins_of_other_channels_are_ignored(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    assert handled(served, caplog, joined(ZOE.user_id, SANDBOX_CHANNEL_ID)) == "other_channel"
    assert welcomes(served) == [] and served.slack.calls_to("conversations.info") == []  # an ID: no call


def test_the_announce_channel_given_as_a_name(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="handlers.events")
    for sample in sample_organisation(database_url):
        with serving(sample, announce_channel="#InnerSource-Announce") as served:
            assert handled(served, caplog, joined(ZOE.user_id)) == "queued"
            assert handled(served, caplog, joined(YUKI.user_id)) == "queued"
            assert handled(served, caplog, joined(ZOE.user_id, SANDBOX_CHANNEL_ID)) == "other_channel"
            asked = [c["channel"] for c in served.slack.calls_to("conversations.info")]
            assert asked == [ANNOUNCE_CHANNEL_ID, SANDBOX_CHANNEL_ID]  # each channel once: cached
            assert served.deliver() == 2
            assert len(dms(served, ZOE)) == 1 and len(dms(served, YUKI)) == 1


def test_subscribe_on_the_welcome_follows_the_topic(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    handled(served, caplog, joined(ZOE.user_id))
    served.deliver()
    (dm,) = dms(served, ZOE)
    url = served.slack.new_response_url()
    click = signed_click(
        served.slack, ACTION_SUBSCRIBE_TOPIC, "go", url, ZOE, "D" + ZOE.user_id[1:], dm["ts"]
    )
    assert served.bot.post(click)[0] == 200
    (answer,) = served.slack.wait_for_responses(url, 1, timeout=10)
    assert "Subscribed to: topic *go*" in text_of(answer) and answer["replace_original"] is False
    with session_scope(served.core.sessions) as session:
        rows = session.execute(
            select(Subscription.kind, Subscription.value)
            .join(Person, Person.id == Subscription.person_id)
            .where(Person.slack_user_id == ZOE.user_id)
        ).all()
    assert [tuple(r) for r in rows] == [("topic", "go")]


def test_without_an_announce_channel_nobody_is_welcomed(database_url: str) -> None:
    for sample in sample_organisation(database_url):
        with serving(sample) as served:
            assert served.bot.event(joined(ZOE.user_id)) == 200
            assert served.bot.event(joined(YUKI.user_id)) == 200
            assert welcomes(served) == [] and served.slack.calls_to("users.info") == []
