"""UserGate against the loopback fake Slack, through the real slack_sdk WebClient."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack.fake_slack import FakeSlack
from bot.slack.users import UserGate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    """Without slack_sdk's retry handlers: these tests see every answer the fake gives."""
    return WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        ("U0SANDBOX1", None),
        ("U0GUEST01", "guest"),  # is_restricted
        ("U0GUEST02", "guest"),  # is_ultra_restricted
        ("U0BOT0001", "bot"),
        ("U0GONE001", "deleted"),
        ("U0EXTERN1", "external"),  # is_stranger
        ("U0EXTERN2", "external"),  # another team_id, no is_stranger
        ("U0NOSUCH1", "deleted"),  # users.info answers user_not_found
        ("USLACKBOT", "bot"),
    ],
)
def test_verdicts(client: WebClient, user_id: str, expected: str | None) -> None:
    assert UserGate(client).refusal(user_id) == expected


def test_app_user_flag_is_not_a_bot(slack: FakeSlack, client: WebClient) -> None:
    slack.directory.add_user("U0AUTHED1", is_app_user=True)
    assert UserGate(client).refusal("U0AUTHED1") is None


def test_grid_member_of_home_workspace_is_admitted(slack: FakeSlack, client: WebClient) -> None:
    teams = {"enterprise_id": "E0ORG", "teams": ["T0ELSEWHERE", slack.team_id]}
    slack.directory.add_user("U0GRID001", team_id="T0ELSEWHERE", enterprise_user=teams)
    assert UserGate(client).refusal("U0GRID001") is None


def test_second_lookup_is_served_from_the_cache(slack: FakeSlack, client: WebClient) -> None:
    gate = UserGate(client)
    assert gate.refusal("U0SANDBOX1") is None
    assert gate.refusal("U0GUEST01") == "guest"
    calls = len(slack.calls_to("users.info"))
    assert gate.refusal("U0SANDBOX1") is None
    assert gate.refusal("U0GUEST01") == "guest"  # refusals are cached too
    assert len(slack.calls_to("users.info")) == calls == 2
    assert len(slack.calls_to("auth.test")) == 1  # the home team is learned once


def test_cache_entries_expire(slack: FakeSlack, client: WebClient) -> None:
    clock = Clock()
    gate = UserGate(client, ttl_seconds=60, now=clock)
    gate.refusal("U0SANDBOX1")
    clock.now += 59
    gate.refusal("U0SANDBOX1")
    assert len(slack.calls_to("users.info")) == 1
    slack.directory.add_user("U0SANDBOX1", is_restricted=True)  # demoted to guest meanwhile
    clock.now += 2
    assert gate.refusal("U0SANDBOX1") == "guest"
    assert len(slack.calls_to("users.info")) == 2


def test_given_home_team_needs_no_auth_test(slack: FakeSlack, client: WebClient) -> None:
    gate = UserGate(client, home_team_id=slack.team_id)
    assert gate.refusal("U0SANDBOX1") is None
    assert gate.refusal("U0EXTERN2") == "external"
    assert slack.calls_to("auth.test") == []


def test_other_slack_errors_raise_and_are_not_cached(slack: FakeSlack, client: WebClient) -> None:
    gate = UserGate(client)
    slack.fail_next("users.info", status=200, body={"ok": False, "error": "internal_error"})
    with pytest.raises(SlackApiError):
        gate.refusal("U0SANDBOX1")
    assert gate.refusal("U0SANDBOX1") is None  # asked again, not a cached failure


def test_cache_is_bounded(slack: FakeSlack, client: WebClient) -> None:
    gate = UserGate(client, max_entries=2)
    for user_id in ("U0SANDBOX1", "U0GUEST01", "U0BOT0001"):
        gate.refusal(user_id)
    gate.refusal("U0SANDBOX1")  # evicted as the oldest: looked up again
    assert [c["user"] for c in slack.calls_to("users.info")][-1] == "U0SANDBOX1"
    assert len(slack.calls_to("users.info")) == 4
