"""Start-up's Slack check against the fake Slack: each of Slack's answers (and its silence) becomes one
line naming the setting to check, and the token's value is never in it."""

from __future__ import annotations

import pytest
from slack_bolt.error import BoltError

from bot.sandbox.slack.fake_slack import FakeSlack
from bot.slack.auth_check import check_slack_token, slack_problem
from bot.slack.bolt_app import new_bolt_app
from bot.startup_checks import EXIT_REFUSED, EXIT_UNAVAILABLE, Problem, StartupError
from tests.test_startup_checks import closed_port

WRONG = "xoxb-wrong-but-secret"


def _problem(token: str, api_url: str, timeout: float = 5.0) -> Problem:
    with pytest.raises(StartupError) as raised:
        check_slack_token(token, api_url, timeout)
    assert "\n" not in raised.value.problem.detail
    assert not token or token not in raised.value.problem.detail
    return raised.value.problem


def test_a_good_token_passes_and_says_who_the_bot_is(slack: FakeSlack) -> None:
    assert check_slack_token(slack.bot_token, slack.api_url, 5.0) == slack.bot_user_id


@pytest.mark.parametrize("error", ["invalid_auth", "account_inactive", "token_revoked"])
def test_a_refused_token_is_named_with_slacks_answer(slack: FakeSlack, error: str) -> None:
    token = WRONG
    if error != "invalid_auth":  # a real token of a deactivated workspace, or a revoked one
        slack.fail_next("auth.test", status=200, retry_after=None, body={"ok": False, "error": error})
        token = slack.bot_token
    problem = _problem(token, slack.api_url)
    assert problem.refused and problem.exit_code == EXIT_REFUSED
    assert problem.detail == f"Slack refused SLACK_BOT_TOKEN: it answered {error}; check SLACK_BOT_TOKEN"


def test_no_token_at_all_is_not_authed(slack: FakeSlack) -> None:
    assert "not_authed" in _problem("", slack.api_url).detail


def test_slack_answering_5xx_is_a_blip_naming_slack_api_url(slack: FakeSlack) -> None:
    slack.fail_next("auth.test", status=503, retry_after=None)
    problem = _problem(slack.bot_token, slack.api_url)
    assert not problem.refused and problem.exit_code == EXIT_UNAVAILABLE
    assert "SLACK_API_URL" in problem.detail and "Slack answered HTTP 503" in problem.detail


def test_a_slow_slack_times_out(slack: FakeSlack) -> None:
    slack.delay_next("auth.test", 2.5)  # longer than the check's 1 s
    problem = _problem(slack.bot_token, slack.api_url, timeout=1.0)
    assert "timed out" in problem.detail and "SLACK_API_URL" in problem.detail


def test_an_unreachable_slack_names_slack_api_url_and_https_proxy() -> None:
    api = f"http://127.0.0.1:{closed_port()}/api/"
    problem = _problem(FakeSlack.bot_token, api)
    assert problem.waiting_for == "slack"
    assert problem.detail == (
        f"cannot reach Slack at SLACK_API_URL ({api}): connection refused; "
        "check SLACK_API_URL, HTTPS_PROXY if you use a proxy, and the network"
    )


def test_bolts_own_token_check_failing_is_read_the_same_way(slack: FakeSlack) -> None:
    with pytest.raises(BoltError) as raised:
        new_bolt_app(WRONG, "secret", slack.api_url)
    problem = slack_problem(raised.value, "SLACK_BOT_TOKEN", slack.api_url)
    assert problem.refused and "invalid_auth" in problem.detail
