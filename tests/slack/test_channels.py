"""Which channel is the configured one, by ID or `#name`, against the fake Slack's conversations.info:
one call per channel per TTL, a rename noticed after it, unknown channels never matching."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_channels import ANNOUNCE_CHANNEL_ID, SANDBOX_CHANNEL_ID
from bot.slack.channels import ConfiguredChannel, channel_name, is_channel_id

pytestmark = pytest.mark.integration


def test_an_id_is_compared_as_it_is(slack: FakeSlack, client: WebClient) -> None:
    configured = ConfiguredChannel(client, " C0ANNOUNCE ")
    assert configured.matches(ANNOUNCE_CHANNEL_ID) and not configured.matches(SANDBOX_CHANNEL_ID)
    assert slack.calls_to("conversations.info") == []


def test_a_name_is_looked_up_once_per_channel_and_again_after_the_ttl(
    slack: FakeSlack, client: WebClient
) -> None:
    now = [0.0]
    configured = ConfiguredChannel(client, "#InnerSource-Announce", ttl_seconds=60, now=lambda: now[0])
    for _ in range(3):
        assert configured.matches(ANNOUNCE_CHANNEL_ID) and not configured.matches(SANDBOX_CHANNEL_ID)
    assert [c["channel"] for c in slack.calls_to("conversations.info")] == [
        ANNOUNCE_CHANNEL_ID,
        SANDBOX_CHANNEL_ID,
    ]
    with slack._cond:  # the channel is renamed in Slack
        slack.channels.update(ANNOUNCE_CHANNEL_ID, name="innersource-news")
    assert configured.matches(ANNOUNCE_CHANNEL_ID)  # still cached
    now[0] = 61
    assert not configured.matches(ANNOUNCE_CHANNEL_ID)


def test_an_unknown_channel_never_matches_and_other_errors_are_not_cached(
    slack: FakeSlack, client: WebClient
) -> None:
    configured = ConfiguredChannel(client, "innersource-announce")
    assert not configured.matches("C0NOWHERE")
    slack.fail_next("conversations.info", status=200, body={"ok": False, "error": "internal_error"})
    with pytest.raises(SlackApiError):
        configured.matches(ANNOUNCE_CHANNEL_ID)
    assert configured.matches(ANNOUNCE_CHANNEL_ID)  # asked again, not remembered as a miss


@pytest.mark.parametrize(
    ("configured", "is_id", "name"),
    [("C0ANNOUNCE", True, "c0announce"), ("#innersource", False, "innersource"), ("G123ABC", True, "g123abc"),
     (" #News ", False, "news"), ("general", False, "general")],
)  # fmt: skip
def test_how_a_setting_is_read(configured: str, is_id: bool, name: str) -> None:
    assert is_channel_id(configured) is is_id and channel_name(configured) == name
