"""The fake Slack refuses a Home tab past Slack's limits as Slack does, and answers conversations.info in
the documented shape — driven by the real slack_sdk WebClient over loopback HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_channels import ANNOUNCE_CHANNEL_ID
from bot.sandbox.slack.slack_view_limits import VIEW_BLOCKS

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "data" / "slack" / "web-api"
USER = "U0SANDBOX1"
TOO_MANY = "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
UNIQUE = "[ERROR] action_id must be unique within the block"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def refused(client: WebClient, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as error:
        client.views_publish(user_id=USER, view={"type": "home", "blocks": blocks})
    return error.value.response.data  # type: ignore[return-value]


def test_100_blocks_are_published_and_101_refused(slack: FakeSlack, client: WebClient) -> None:
    client.views_publish(user_id=USER, view={"type": "home", "blocks": [section("x")] * VIEW_BLOCKS})
    assert len(slack.home_view(USER)["blocks"]) == VIEW_BLOCKS  # type: ignore[index]
    answer = refused(client, [section("x")] * (VIEW_BLOCKS + 1))
    assert answer == {
        "ok": False,
        "error": "invalid_arguments",
        "response_metadata": {"messages": [TOO_MANY]},
    }
    assert len(slack.home_view(USER)["blocks"]) == VIEW_BLOCKS  # type: ignore[index]  # the old tab stays


def test_a_view_over_250_kb_is_too_large(client: WebClient) -> None:
    assert refused(client, [section("é" * 2900)] * 50)["error"] == "view_too_large"  # 2 bytes a letter


def test_blocks_and_elements_past_their_limits_are_named(client: WebClient) -> None:
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}
    select = {"type": "static_select", "action_id": "s", "options": [
        {"text": {"type": "plain_text", "text": "o"}, "value": str(n)} for n in range(101)
    ]}  # fmt: skip
    blocks = [
        section("x" * 3001),
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        {**section("ok"), "accessory": button},
        {"type": "actions", "elements": [select]},
        {"type": "actions", "elements": [{**button, "text": {"type": "plain_text", "text": "c"}}] * 2},
        section(""),
    ]
    assert refused(client, blocks)["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]",
        "[ERROR] must be less than 151 characters [json-pointer:/view/blocks/1/text/text]",
        "[ERROR] must be less than 76 characters [json-pointer:/view/blocks/2/accessory/text/text]",
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks/3/elements/0/options]",
        f"{UNIQUE} [json-pointer:/view/blocks/4/elements/1/action_id]",
        "[ERROR] must be more than 0 characters [json-pointer:/view/blocks/5/text/text]",
    ]


def test_conversations_info_has_the_documented_shape(client: WebClient) -> None:
    documented = json.loads((DOCS / "conversations.info.success.json").read_text())
    channel = client.conversations_info(channel=ANNOUNCE_CHANNEL_ID)["channel"]
    assert set(channel) == set(documented["channel"])
    assert (channel["id"], channel["name"]) == (ANNOUNCE_CHANNEL_ID, "innersource-announce")
    with pytest.raises(SlackApiError) as error:
        client.conversations_info(channel="C0NOWHERE")
    assert error.value.response.data == json.loads((DOCS / "conversations.info.error.json").read_text())
