"""The fake Slack's delivery surface: message metadata kept per channel, conversations.history,
users.lookupByEmail, Slack's published rate limits (429 + Retry-After), timeouts and dropped
connections. Driven by the real slack_sdk WebClient over loopback HTTP, without retry handlers."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack.fake_slack import FakeSlack, SlackDirectory

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "data" / "slack" / "web-api"
METADATA = {"event_type": "innersource_outbox", "event_payload": {"key": "k:1"}}
# conversations.history's success schema in Slack's OpenAPI description ("required").
HISTORY_KEYS = {"ok", "messages", "has_more", "pin_count", "channel_actions_ts", "channel_actions_count"}


def doc(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / f"{name}.json").read_text())
    return loaded


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    directory = SlackDirectory()
    for n in range(5):
        directory.add_user(f"U0PERSON{n}", email=f"person{n}@acme.example")
    with FakeSlack(directory) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=FakeSlack.bot_token, base_url=slack.api_url, timeout=1, retry_handlers=[])


def test_metadata_is_kept_with_the_message_and_shown_by_history_only_when_asked(
    slack: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="U0PERSON0", text="one", metadata=METADATA)
    client.chat_postMessage(channel="U0PERSON0", text="two")
    channel = posted["channel"]

    plain = client.conversations_history(channel=channel)
    full = client.conversations_history(channel=channel, include_all_metadata=True)

    assert set(full.data) >= HISTORY_KEYS  # type: ignore[arg-type]
    assert [m["text"] for m in full["messages"]] == ["two", "one"]  # newest first
    assert full["messages"][1]["metadata"] == METADATA
    assert all("metadata" not in m for m in plain["messages"])
    assert slack.outbox_keys() == ["k:1"]
    assert slack.channel_messages(channel)[0]["metadata"] == METADATA


def test_history_pages_with_a_cursor_and_filters_by_oldest(client: WebClient) -> None:
    posted = [client.chat_postMessage(channel="U0PERSON1", text=str(n)) for n in range(5)]
    channel = posted[0]["channel"]

    first = client.conversations_history(channel=channel, limit=2)
    second = client.conversations_history(
        channel=channel, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    since = client.conversations_history(channel=channel, oldest=posted[2]["ts"])

    assert [m["text"] for m in first["messages"]] == ["4", "3"] and first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["2", "1"]
    assert [m["text"] for m in since["messages"]] == ["4", "3"]  # `oldest` is exclusive
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_history(channel="C0NOWHERE")
    assert unknown.value.response["error"] == "channel_not_found"


def test_users_lookup_by_email_has_slacks_shape(client: WebClient) -> None:
    found = client.users_lookupByEmail(email="PERSON3@acme.example")
    assert set(found.data) == set(doc("users.lookupByEmail.success"))  # type: ignore[arg-type]
    assert set(found["user"]) <= set(doc("users.lookupByEmail.success")["user"]) | {"is_stranger"}
    assert found["user"]["id"] == "U0PERSON3"
    with pytest.raises(SlackApiError) as missing:
        client.users_lookupByEmail(email="nobody@acme.example")
    assert missing.value.response.data == doc("users.lookupByEmail.error")


def test_rate_limits_answer_429_with_retry_after_per_channel_and_per_tier(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.enforce_rate_limits()
    for _ in range(3):  # Slack tolerates short bursts over 1/s in one channel; we allow 3
        client.chat_postMessage(channel="U0PERSON0", text="burst")
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="U0PERSON0", text="one too many")
    assert limited.value.response.status_code == 429
    assert int(limited.value.response.headers["Retry-After"]) >= 1
    client.chat_postMessage(channel="U0PERSON1", text="another channel is not limited")

    for _ in range(50):  # Tier 3: 50 a minute
        client.conversations_open(users="U0PERSON2")
    with pytest.raises(SlackApiError) as tier:
        client.conversations_open(users="U0PERSON2")
    assert tier.value.response.status_code == 429
    assert slack.rate_limited == 2


def test_a_delayed_answer_times_the_client_out_after_the_call_took_effect(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.delay_next("chat.postMessage", 1.5)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        client.chat_postMessage(channel="U0PERSON0", text="late", metadata=METADATA)
    assert slack.outbox_keys() == ["k:1"]  # posted, though the client never heard


def test_a_dropped_connection_gives_no_answer(slack: FakeSlack, client: WebClient) -> None:
    slack.drop_next("chat.postMessage")
    with pytest.raises(Exception) as dropped:
        client.chat_postMessage(channel="U0PERSON0", text="lost")
    assert not isinstance(dropped.value, SlackApiError)
    assert slack.outbox_keys() == [] and slack.messages == []
    client.chat_postMessage(channel="U0PERSON0", text="the next call is answered")
