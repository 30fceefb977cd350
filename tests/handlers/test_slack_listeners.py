"""End to end over HTTP: signed requests → waitress → Bolt's verification → the listeners → the real
Discovery over the crawled sample organisation → Block Kit back to Slack (the fake, on loopback)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from bot.app import Core
from bot.sandbox.slack.slack_requests import SlackUser, signed_slash_command
from bot.slack import texts
from bot.slack.blocks import ACTION_DETAILS, ACTION_MORE, more_value, parse_more_value
from tests.handlers.conftest import Bot, running_bot, text_of

PAYLOADS = Path(__file__).parent.parent / "data" / "slack" / "payloads"
GUEST = SlackUser(user_id="U0GUEST01")


def buttons(message: dict[str, object]) -> list[dict[str, str]]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]] + [
        b["accessory"] for b in blocks if b.get("accessory", {}).get("type") == "button"
    ]


def test_find_answers_in_the_acknowledgement(bot: Bot) -> None:
    status, body, url = bot.command("find  design   system")
    assert status == 200 and body["response_type"] == "ephemeral"
    assert "acme/aurora-design-system" in text_of(body["blocks"][:4])
    assert body["text"] and len(body["blocks"]) <= 50
    assert any(b["action_id"] == ACTION_DETAILS for b in buttons(body))
    assert bot.slack.responses(url) == []  # nothing follows: the answer was in the acknowledgement


def test_help_empty_and_unknown_subcommands(bot: Bot) -> None:
    for text in ("", "help"):
        assert "/innersource find" in text_of(bot.command(text)[1])
    body = bot.command("fnd design")[1]
    assert "`fnd`" in text_of(body) and "Did you mean `/innersource find`?" in text_of(body)


def test_project_by_name_and_a_misspelt_one(bot: Bot) -> None:
    card = text_of(bot.command("project acme/aurora-design-system")[1])
    for expected in ("Accessibility (WCAG 2.2)", texts.PROJECT_CHECKLIST, "CONTRIBUTING.md", "Popularity"):
        assert expected in card
    guess = bot.command("project aurora-desing-sytem")[1]
    assert "aurora-design-system" in text_of(guess)
    assert any(b["action_id"] == ACTION_DETAILS for b in buttons(guess))


def test_details_button_answers_with_the_card(bot: Bot) -> None:
    _, body, _ = bot.command("find kafka client")
    details = next(b for b in buttons(body) if b["action_id"] == ACTION_DETAILS)
    (answer,) = bot.click(ACTION_DETAILS, details["value"])
    assert answer["replace_original"] is False
    assert "Apache Kafka" in text_of(answer) and texts.PROJECT_CHECKLIST in text_of(answer)


def test_more_button_replaces_the_page_with_the_next(bot: Bot) -> None:
    _, first, _ = bot.command("find python")
    more = next(b for b in buttons(first) if b["action_id"] == ACTION_MORE)
    assert parse_more_value(more["value"]) == ("python", 5)
    (second,) = bot.click(ACTION_MORE, more["value"])
    assert second["replace_original"] is True
    first_names = {b["value"] for b in buttons(first) if b["action_id"] == ACTION_DETAILS}
    second_names = {b["value"] for b in buttons(second) if b["action_id"] == ACTION_DETAILS}
    assert second_names and not first_names & second_names


def test_a_description_cannot_ping_the_channel(bot: Bot) -> None:
    _, body, _ = bot.command("find deploy notifier")
    raw = text_of(body)
    assert "acme/deploy-notifier" in raw
    assert "&lt;!channel&gt;" in raw and "&lt;@U123&gt;" in raw and "&amp; co" in raw
    assert "<!channel>" not in raw and "<@U123>" not in raw


def test_no_match_says_so(bot: Bot) -> None:
    body = bot.command("find zzzqqqxx")[1]
    assert "zzzqqqxx" in text_of(body) and texts.FIND_NO_MATCH_TIP in text_of(body)


def test_a_2000_character_command_and_non_ascii_text(bot: Bot) -> None:
    status, body, _ = bot.command("find " + "design " * 284 + "système")
    assert status == 200 and "acme/aurora-design-system" in text_of(body)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in body["blocks"])
    status, body, _ = bot.command("project " + "ü" * 1992)
    assert status == 200 and body["text"]
    # Slack sends what a person typed with &, <, > as entities; the answer must quote it inert.
    status, body, _ = bot.command("find Zürich 東京 &lt;script&gt;")
    shown = text_of(body).replace(json.dumps(more_value("Zürich 東京 <script>", 5), ensure_ascii=False), "")
    assert status == 200 and "&lt;script&gt;" in shown and "<script>" not in shown  # button values are data


def test_an_empty_catalog_says_a_crawl_is_needed(core: Core) -> None:
    with running_bot(core) as empty:
        body = empty.command("find design system")[1]
    assert texts.EMPTY_CATALOG.split("\n")[0][:40] in text_of(body)


@pytest.mark.parametrize(
    ("user_id", "reason"),
    [("U0GUEST01", "guest"), ("U0GUEST02", "guest"), ("U0EXTERN1", "external"), ("U0EXTERN2", "external"),
     ("U0BOT0001", "bot"), ("U0GONE001", "deleted"), ("U0NOBODY1", "deleted")],
)  # fmt: skip
def test_guests_outsiders_bots_and_deleted_users_are_refused(bot: Bot, user_id: str, reason: str) -> None:
    status, body, _ = bot.command("find design system", SlackUser(user_id=user_id))
    assert status == 200 and texts.REFUSALS[reason] in text_of(body)
    assert "aurora" not in text_of(body)


def test_the_user_lookup_is_cached(bot: Bot) -> None:
    bot.command("help")
    bot.command("find kafka")
    assert [call["user"] for call in bot.slack.calls_to("users.info")] == ["U0SANDBOX1"]


def test_buttons_refuse_guests(bot: Bot) -> None:
    (answer,) = bot.click(ACTION_MORE, more_value("python", 5), GUEST)
    assert texts.REFUSALS["guest"] in text_of(answer) and "python" not in text_of(answer).lower()


@pytest.mark.parametrize("skew", [-310, 310], ids=["stale", "future"])
def test_requests_outside_the_five_minute_window_are_401(bot: Bot, skew: int) -> None:
    status, _, url = bot.command("find design", timestamp=int(time.time()) + skew)
    assert status == 401
    assert bot.slack.calls_to("users.info") == [] and bot.slack.responses(url) == []


def test_forged_and_garbled_signatures_are_401(bot: Bot) -> None:
    url = bot.slack.new_response_url()
    assert bot.post(signed_slash_command("not-the-secret", "find design", url))[0] == 401
    garbled = signed_slash_command(bot.slack.signing_secret, "find design", url)
    garbled.headers["X-Slack-Request-Timestamp"] = "yesterday"
    assert bot.post(garbled)[0] == 401
    unsigned = signed_slash_command(bot.slack.signing_secret, "find design", url)
    del unsigned.headers["X-Slack-Signature"]
    assert bot.post(unsigned)[0] == 401
    tampered = signed_slash_command(bot.slack.signing_secret, "find design", url)
    assert bot.post(type(tampered)(tampered.body.replace(b"design", b"kafka"), tampered.headers))[0] == 401
    assert bot.slack.calls_to("users.info") == []


def test_a_slow_answer_acknowledges_at_once_and_follows_via_response_url(bot: Bot) -> None:
    release = bot.slack.hold_next("users.info")  # Slack is slow to tell who the user is
    status, body, url = bot.command("find kafka client")
    assert status == 200 and texts.WORKING in text_of(body)
    release.set()
    (answer,) = bot.slack.wait_for_responses(url, 1, timeout=10)
    assert answer["response_type"] == "ephemeral" and "acme/kafka-client" in text_of(answer)


def test_a_slack_error_answers_politely_in_the_acknowledgement(bot: Bot) -> None:
    bot.slack.fail_next("users.info", status=200, body={"ok": False, "error": "internal_error"})
    status, body, _ = bot.command("find kafka")
    assert status == 200 and texts.ERROR in text_of(body)
    assert "kafka" in text_of(bot.command("find kafka")[1])  # the next one works


def test_an_error_after_the_interim_answer_goes_to_response_url(bot: Bot) -> None:
    release = bot.slack.hold_next("users.info")
    bot.slack.fail_next("users.info", status=200, body={"ok": False, "error": "internal_error"})
    _, body, url = bot.command("find kafka")
    assert texts.WORKING in text_of(body)
    release.set()
    (answer,) = bot.slack.wait_for_responses(url, 1, timeout=10)
    assert texts.ERROR in text_of(answer)


@pytest.mark.parametrize(("action_id", "value"), [(ACTION_DETAILS, "7; drop"), (ACTION_MORE, "not json")])
def test_button_values_we_did_not_make_get_the_error_answer(bot: Bot, action_id: str, value: str) -> None:
    (answer,) = bot.click(action_id, value)
    assert texts.ERROR in text_of(answer)


def test_app_home_opened_publishes_the_home_tab(bot: Bot) -> None:
    payload = json.loads((PAYLOADS / "event_callback.app_home_opened.home.json").read_text())
    user_id = payload["event"]["user"]
    bot.slack.directory.add_user(user_id)
    assert bot.event(payload) == 200
    (published,) = bot.slack.wait_for_calls("views.publish", 1, timeout=10)
    assert published["user_id"] == user_id and published["view"]["type"] == "home"
    assert "*36* projects" in text_of(published["view"])


def test_member_joined_channel_is_acknowledged_and_does_nothing_yet(bot: Bot) -> None:
    payload = json.loads((PAYLOADS / "event_callback.member_joined_channel.bolt-python.json").read_text())
    assert bot.event(payload) == 200
    assert [m for m, _ in bot.slack.calls if m != "auth.test"] == []


def test_healthz_and_metrics_on_the_same_server(bot: Bot) -> None:
    bot.command("find kafka")
    assert bot.request("GET", "/healthz")[0] == 200
    status, metrics = bot.request("GET", "/metrics")
    assert status == 200
    assert b'innersource_http_requests_total{method="POST",route="/slack/events",status="200"} 1.0' in metrics


def test_one_structured_log_line_per_command_and_no_secrets(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        _, _, url = bot.command("find kafka")
        bot.command("find kafka", GUEST)
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.commands"]
    assert len(lines) == 2
    assert lines[0].startswith("event=command user=U0SANDBOX1 subcommand=find outcome=ok delivery=ack ")
    assert lines[1].startswith("event=command user=U0GUEST01 subcommand=- outcome=refused_guest ")
    for secret in (bot.slack.bot_token, bot.slack.signing_secret, url):
        assert secret not in caplog.text
