"""The fake Slack's own contract, driven by the real slack_sdk WebClient over loopback HTTP.

Answer shapes are held against Slack's documented examples in tests/data/slack/web-api/.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.sandbox.slack.fake_slack import FakeSlack, SlackDirectory

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[2] / "data" / "slack" / "web-api"


def doc(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / f"{name}.json").read_text())
    return loaded


def test_auth_test_has_the_documented_bot_shape_with_our_team(client: WebClient) -> None:
    answer = client.auth_test()
    assert set(answer.data) == set(doc("auth.test.success_with_bot_token"))  # type: ignore[arg-type]
    assert answer["team_id"] == "T0SANDBOX" and answer["bot_id"] and answer["user_id"]


def test_a_wrong_or_missing_token_is_refused_as_slack_does(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-not-ours", base_url=slack.api_url).auth_test()
    assert wrong.value.response.data == doc("auth.test.error")
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=slack.api_url).auth_test()
    assert missing.value.response.data == doc("auth.test.error_with_no_token")
    assert slack.calls == []  # refused calls are not the bot's doing


def test_users_info_follows_the_documented_user_object(client: WebClient) -> None:
    user = client.users_info(user="U0SANDBOX1")["user"]
    template = doc("users.info.success")["user"]
    assert set(template) <= set(user)
    assert set(template["profile"]) <= set(user["profile"])
    assert (user["id"], user["team_id"], user["name"], user["real_name"]) == (
        "U0SANDBOX1",
        "T0SANDBOX",
        "sandbox.user",
        "Sam Sandbox",
    )
    assert "is_stranger" not in user  # absent for members of our own workspace, as in the docs example


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        ("U0GUEST01", {"is_restricted": True, "is_ultra_restricted": False}),
        ("U0GUEST02", {"is_restricted": True, "is_ultra_restricted": True}),
        ("U0BOT0001", {"is_bot": True}),
        ("U0GONE001", {"deleted": True}),
        ("U0EXTERN1", {"team_id": "T0OTHERWS", "is_stranger": True}),
        ("U0EXTERN2", {"team_id": "T0OTHERWS"}),
        ("U0JASMINE", {"name": "jasmine", "team_id": "T0SANDBOX", "is_bot": False, "deleted": False}),
    ],
)
def test_each_kind_of_person_comes_with_the_flags_slack_sets(
    client: WebClient, user_id: str, expected: dict[str, Any]
) -> None:
    user = client.users_info(user=user_id)["user"]
    assert {key: user.get(key) for key in expected} == expected


def test_sample_members_share_the_forge_emails(client: WebClient) -> None:
    assert client.users_info(user="U0JASMINE")["user"]["profile"]["email"] == "jasmine.lee@acme.example"


def test_an_unknown_user_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.users_info(user="U0NOBODY")
    assert error.value.response.data == doc("users.info.error")


def test_a_directory_can_be_built_for_a_test(slack: FakeSlack) -> None:
    directory = SlackDirectory(populated=False)
    directory.add_user("U0ADMIN01", name="ada", is_admin=True)
    with FakeSlack(directory) as own:
        users = WebClient(token=FakeSlack.bot_token, base_url=own.api_url)
        assert users.users_info(user="U0ADMIN01")["user"]["is_admin"] is True
        with pytest.raises(SlackApiError):
            users.users_info(user="U0SANDBOX1")


def test_dm_via_conversations_open_then_post_message_is_recorded(slack: FakeSlack, client: WebClient) -> None:
    opened = client.conversations_open(users="U0JASMINE")
    assert set(opened.data) == set(doc("conversations.open.success"))  # type: ignore[arg-type]
    channel = opened["channel"]["id"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]
    posted = client.chat_postMessage(channel=channel, text="Hello", blocks=blocks)
    assert set(posted.data) == set(doc("chat.postMessage.success"))  # type: ignore[arg-type]
    assert posted["channel"] == channel and slack.dm_user(channel) == "U0JASMINE"
    assert [m for m, _ in slack.calls] == ["conversations.open", "chat.postMessage"]
    assert slack.messages == [("chat.postMessage", {"channel": channel, "text": "Hello", "blocks": blocks})]
    again = client.conversations_open(users="U0JASMINE", return_im=True)
    assert set(again.data) == set(doc("conversations.open.success_with_return_im"))  # type: ignore[arg-type]
    assert again["already_open"] is True and again["channel"]["id"] == channel


def test_posting_to_a_user_id_lands_in_their_dm_and_deleted_users_cannot_be_opened(client: WebClient) -> None:
    assert client.chat_postMessage(channel="U0PRIYA", text="hi")["channel"] == "D0PRIYA"
    with pytest.raises(SlackApiError) as error:
        client.conversations_open(users="U0GONE001")
    assert error.value.response["error"] == "user_disabled"
    with pytest.raises(SlackApiError) as empty, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="U0PRIYA")
    assert empty.value.response["error"] == "no_text"


def test_chat_update_changes_a_posted_message_in_place(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U0ALICE", text="Approve?", blocks=[{"type": "divider"}])
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Approved by Sam")
    # Slack's OpenAPI: chat.update success has exactly ok, channel, ts, text and message.
    assert set(updated.data) == {"ok", "channel", "ts", "text", "message"}  # type: ignore[arg-type]
    (message,) = slack.channel_messages(posted["channel"])
    assert (message["ts"], message["text"]) == (posted["ts"], "Approved by Sam")
    assert [m for m, _ in slack.messages] == ["chat.postMessage"]  # an update is not a new message
    with pytest.raises(SlackApiError) as missing:
        client.chat_update(channel=posted["channel"], ts="1.000009", text="x")
    assert missing.value.response["error"] == "message_not_found"


def test_views_open_opens_a_modal_and_refuses_other_views(client: WebClient) -> None:
    modal = {"type": "modal", "callback_id": "why", "title": {"type": "plain_text", "text": "Why?"}}
    opened = client.views_open(trigger_id="12345.98765.abcd", view=modal)["view"]
    assert (
        opened["id"].startswith("V") and opened["callback_id"] == "why" and opened["state"] == {"values": {}}
    )
    with pytest.raises(SlackApiError) as wrong:
        client.views_open(trigger_id="12345.98765.abcd", view={"type": "home", "blocks": []})
    assert wrong.value.response["error"] == "invalid_arguments"


def test_ephemeral_and_home_tab_are_recorded_as_messages(slack: FakeSlack, client: WebClient) -> None:
    client.chat_postEphemeral(channel="C0SANDBOX", user="U0SANDBOX1", text="only you")
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    published = client.views_publish(user_id="U0SANDBOX1", view=view)
    assert set(doc("views.publish.success")["view"]) <= set(published["view"])
    assert slack.home_view("U0SANDBOX1")["blocks"] == [{"type": "divider"}]  # type: ignore[index]
    assert [m for m, _ in slack.messages] == ["chat.postEphemeral", "views.publish"]
    with pytest.raises(SlackApiError) as error:
        client.views_publish(user_id="U0NOBODY", view=view)
    assert error.value.response.data == doc("views.publish.error")
    assert len(slack.messages) == 2  # a refused call is recorded, but it is not a message


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("reactions.add", json={"name": "tada"})
    assert error.value.response["error"] == "unknown_method"


def test_rate_limit_is_retried_after_retry_after_by_the_sdk(slack: FakeSlack) -> None:
    client = WebClient(
        token=FakeSlack.bot_token,
        base_url=slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel="C0ANNOUNCE", text="New project!")["ok"] is True
    assert [a for a in slack.attempts if a[0] == "chat.postMessage"] == [
        ("chat.postMessage", 429),
        ("chat.postMessage", 200),
    ]
    assert len(slack.calls_to("chat.postMessage")) == 1  # sent once, not twice


def test_without_a_retry_handler_429_surfaces_with_retry_after(slack: FakeSlack) -> None:
    slack.fail_next("users.info", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as error:
        WebClient(token=FakeSlack.bot_token, base_url=slack.api_url).users_info(user="U0SANDBOX1")
    assert error.value.response.status_code == 429
    assert error.value.response.headers["Retry-After"] in ("7", ["7"])
    assert error.value.response["error"] == "ratelimited"


def test_response_url_posts_are_recorded_and_awaited(slack: FakeSlack) -> None:
    url = slack.new_response_url()
    assert url.startswith(f"http://127.0.0.1:{slack.port}/response/")
    message = {"response_type": "ephemeral", "replace_original": False, "text": "Found 3", "blocks": []}
    poster = threading.Thread(target=lambda: WebhookClient(url).send_dict(message))
    poster.start()
    assert slack.wait_for_responses(url, count=1, timeout=5.0) == [message]
    poster.join()
    assert slack.responses(slack.new_response_url()) == []


def test_an_unknown_response_url_is_refused(slack: FakeSlack) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{slack.port}/response/nope", data=b'{"text": "x"}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 404


def test_wait_for_calls_sees_a_post_made_from_another_thread(slack: FakeSlack, client: WebClient) -> None:
    worker = threading.Thread(target=lambda: client.chat_postMessage(channel="U0SANDBOX1", text="welcome"))
    worker.start()
    posted = slack.wait_for_calls("chat.postMessage", count=1, timeout=5.0)
    worker.join()
    assert posted == [{"channel": "U0SANDBOX1", "text": "welcome"}]
