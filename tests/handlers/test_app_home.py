"""App Home end to end: a signed `app_home_opened` event through the real server, and what the fake
Slack's `views.publish` received (and accepted: it refuses a view past Slack's limits) — for a
newcomer, a subscriber with 300 subscriptions, a maintainer and a guest; and the tab's controls,
which change the cadence or a subscription and publish the tab again."""

from __future__ import annotations

import copy
import itertools
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bot.db.engine import session_scope
from bot.db.people import Person, Subscription
from bot.sandbox.slack.slack_directory import member_id
from bot.sandbox.slack.slack_requests import SlackUser, sign
from bot.sandbox.slack.slack_view_limits import VIEW_BLOCKS, VIEW_BYTES
from bot.slack import texts
from bot.slack.home_blocks import ACTION_CADENCE, ACTION_SUBSCRIBE, ACTION_UNSUBSCRIBE
from tests.handlers.conftest import text_of
from tests.handlers.progression_support import ALICE, PROJECT, Served, link, serving
from tests.services.test_routing import add_person, sample_organisation

PAYLOAD = json.loads(
    (Path(__file__).parents[1] / "data/slack/payloads/event_callback.app_home_opened.home.json").read_text()
)
NEWCOMER = SlackUser(user_id=member_id("zoe"), user_name="zoe")
SUBSCRIBER = SlackUser(user_id=member_id("uma"), user_name="uma")
GUEST = SlackUser(user_id="U0GUEST01", user_name="guest.one")
_events = itertools.count(1)


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    for sample in sample_organisation(database_url):
        link(sample.core, ALICE, "alice")
        terms = [f"topic:zz-{n:03d}" for n in range(298)] + ["topic:go", "lang:go"]
        add_person(sample.core, SUBSCRIBER.user_id, *terms)
        with serving(sample) as running:
            yield running


def published(served: Served, user: SlackUser, send: Any) -> dict[str, Any]:
    """Do `send`, wait for the next views.publish, and return the view Slack now shows `user`."""
    before = len(served.slack.calls_to("views.publish"))
    send()
    calls = served.slack.wait_for_calls("views.publish", before + 1, timeout=10)
    assert len(calls) == before + 1 and calls[-1]["user_id"] == user.user_id
    shown = served.slack.home_view(user.user_id)
    assert shown is not None and shown["blocks"] == calls[-1]["view"]["blocks"]  # accepted, not refused
    return calls[-1]["view"]  # type: ignore[no-any-return]


def open_home(served: Served, user: SlackUser) -> dict[str, Any]:
    payload = copy.deepcopy(PAYLOAD)
    payload["event"]["user"] = user.user_id
    payload["event_id"] = f"Ev{next(_events):08d}"
    return published(served, user, lambda: served.bot.event(payload))


def use_control(
    served: Served, user: SlackUser, view: dict[str, Any], action_id: str, value: str
) -> dict[str, Any]:
    """A click on the Home tab `view`: block_actions from a `view` container, without a response_url."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": "b1", "action_ts": f"{time.time():.6f}"}
    if action_id == ACTION_CADENCE:
        chosen = {"text": {"type": "plain_text", "text": value}, "value": value}
        action |= {"type": "static_select", "selected_option": chosen}
    else:
        action |= {"type": "button", "value": value, "text": {"type": "plain_text", "text": "x"}}
    payload = {
        "type": "block_actions",
        "user": {"id": user.user_id, "username": user.user_name, "team_id": "T0SANDBOX"},
        "api_app_id": served.slack.app_id,
        "token": "sandbox-verification-token",
        "container": {"type": "view", "view_id": "V0SANDBOX0001"},
        "trigger_id": f"{int(time.time())}.sandbox.trigger",
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "view": {**view, "id": "V0SANDBOX0001", "state": {"values": {}}},
        "actions": [action],
    }  # fmt: skip
    request = sign(served.slack.signing_secret, urlencode({"payload": json.dumps(payload)}).encode())
    return published(served, user, lambda: served.bot.post(request))


def controls(view: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                found.append(element)
    return found


def subscriptions(served: Served, user: SlackUser) -> set[tuple[str, str]]:
    with session_scope(served.core.sessions) as session:
        rows = session.execute(
            select(Subscription.kind, Subscription.value)
            .join(Person, Person.id == Subscription.person_id)
            .where(Person.slack_user_id == user.user_id)
        )
        return {(kind, value) for kind, value in rows}


def test_a_newcomer_gets_the_newcomer_tab_and_stays_unknown(served: Served) -> None:
    view = open_home(served, NEWCOMER)
    text = text_of(view)
    assert "How to start" in text and "/innersource subscribe TOPIC" in text and "*36* projects" in text
    assert "New InnerSource projects" in text and len(controls(view, ACTION_SUBSCRIBE)) == 5
    assert "Good first issues in the most active InnerSource projects" in text and PROJECT in text
    assert controls(view, ACTION_CADENCE) == []
    with session_scope(served.core.sessions) as session:
        assert session.scalar(select(func.count()).where(Person.slack_user_id == NEWCOMER.user_id)) == 0


def test_300_subscriptions_are_published_within_slacks_view_limits(served: Served) -> None:
    view = open_home(served, SUBSCRIBER)
    assert len(view["blocks"]) <= VIEW_BLOCKS
    assert len(json.dumps(view, separators=(",", ":")).encode()) <= VIEW_BYTES
    text = text_of(view)
    assert "…and 280 more — `/innersource subscriptions` lists them all." in text
    assert len(controls(view, ACTION_UNSUBSCRIBE)) == 20 and texts.TRUNCATED not in text
    assert texts.ME_RECOMMENDED_LABEL in text  # `go` matches: issues from their subscriptions
    assert "Your level: *Newcomer*" in text


def test_a_maintainer_sees_the_contributions_waiting_for_a_first_response(served: Served) -> None:
    text = text_of(open_home(served, ALICE))
    assert "Waiting for a first response on your projects" in text
    assert f"{PROJECT}>* — 2 waiting" in text
    assert "#47 " in text and "by `oscar`, waiting 5 days" in text and "by `jasmine`, waiting 1 day" in text
    assert "Maintainer of" in text and PROJECT in text


def test_a_guest_sees_the_polite_notice_and_nothing_else(served: Served) -> None:
    view = open_home(served, GUEST)
    assert [b["type"] for b in view["blocks"]] == ["header", "section"]
    assert texts.REFUSALS["guest"] in text_of(view) and "projects" not in text_of(view)


def test_the_messages_tab_publishes_nothing(served: Served) -> None:
    payload = copy.deepcopy(PAYLOAD)
    payload["event"] |= {"user": NEWCOMER.user_id, "tab": "messages"}
    assert served.bot.event(payload) == 200
    open_home(served, GUEST)  # a later event is published: the first was not waiting somewhere
    assert [c["user_id"] for c in served.slack.calls_to("views.publish")] == [GUEST.user_id]


def test_the_cadence_select_changes_the_cadence_and_publishes_the_tab_again(served: Served) -> None:
    view = open_home(served, SUBSCRIBER)
    (select_,) = controls(view, ACTION_CADENCE)
    assert select_["initial_option"]["value"] == "daily"
    again = use_control(served, SUBSCRIBER, view, ACTION_CADENCE, "weekly")
    (select_,) = controls(again, ACTION_CADENCE)
    assert select_["initial_option"]["value"] == "weekly" and "a weekly digest" in text_of(again)
    with session_scope(served.core.sessions) as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == SUBSCRIBER.user_id)).one()
        assert person.cadence == "weekly"


def test_unsubscribe_on_the_tab_removes_the_subscription_and_publishes_it_again(served: Served) -> None:
    view = open_home(served, SUBSCRIBER)
    first = controls(view, ACTION_UNSUBSCRIBE)[0]["value"]
    assert first == "lang:go" and ("lang", "go") in subscriptions(served, SUBSCRIBER)
    again = use_control(served, SUBSCRIBER, view, ACTION_UNSUBSCRIBE, first)
    left = subscriptions(served, SUBSCRIBER)
    assert ("lang", "go") not in left and len(left) == 299
    assert "…and 279 more" in text_of(again)
    assert "lang:go" not in [c["value"] for c in controls(again, ACTION_UNSUBSCRIBE)]


def test_subscribe_on_a_new_project_makes_a_newcomer_known(served: Served) -> None:
    view = open_home(served, NEWCOMER)
    project_id = controls(view, ACTION_SUBSCRIBE)[0]["value"]
    again = use_control(served, NEWCOMER, view, ACTION_SUBSCRIBE, project_id)
    assert subscriptions(served, NEWCOMER) == {("project", project_id)}
    assert f"project:{project_id}" in [c["value"] for c in controls(again, ACTION_UNSUBSCRIBE)]
    assert controls(again, ACTION_CADENCE)  # known now: their own tab


def test_a_control_value_we_did_not_make_changes_nothing(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    view = open_home(served, SUBSCRIBER)
    with caplog.at_level(logging.INFO, logger="handlers.home"):
        use_control(served, SUBSCRIBER, view, ACTION_UNSUBSCRIBE, "forge:github")
        use_control(served, SUBSCRIBER, view, ACTION_CADENCE, "hourly")
    assert len(subscriptions(served, SUBSCRIBER)) == 300
    assert caplog.text.count("outcome=bad_value") == 2


def test_a_guests_click_changes_nothing_and_shows_the_notice(served: Served) -> None:
    view = open_home(served, SUBSCRIBER)
    shown = use_control(served, GUEST, view, ACTION_UNSUBSCRIBE, "lang:go")
    assert texts.REFUSALS["guest"] in text_of(shown)
    assert ("lang", "go") in subscriptions(served, SUBSCRIBER)
