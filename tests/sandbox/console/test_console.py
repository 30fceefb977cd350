"""The sandbox console's transport: signed requests out, acks, response_url posts and DMs back in.

The real Bolt app is not needed to test the console's side of the wire, so `StandInApp` below is a
fake of the app, for these tests only: a loopback HTTP server that verifies Slack's signature
exactly as Bolt does, refuses bad ones with 401, and answers a few fixed commands. The Slack side
is the real FakeSlack, reached with the real slack_sdk clients.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.sandbox.console.console import PROMPT, run_console
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import SlackUser, signature

pytestmark = pytest.mark.integration

FIND_BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Design system"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*<https://git.example/ui/ds|ui/design-system>* &amp; more"},
    },
    {
        "type": "actions",
        "block_id": "project:ui/design-system",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Details"},
                "action_id": "details",
                "value": "42",
            },
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Subscribe"},
                "action_id": "subscribe",
                "value": "ui",
            },
        ],
    },
]


class StandInApp:
    """A fake of the InnerSource app's `POST /slack/events`, only for testing the console transport."""

    def __init__(self, slack: FakeSlack, signing_secret: str = FakeSlack.signing_secret) -> None:
        self.slack, self.signing_secret = slack, signing_secret
        self.received: list[dict[str, Any]] = []  # verified requests, decoded
        self.held_response_url: str | None = None
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = stand_in.answer(dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})
        self.web = WebClient(token=FakeSlack.bot_token, base_url=slack.api_url)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/slack/events"

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        stamp = headers.get("X-Slack-Request-Timestamp", "")
        if headers.get("X-Slack-Signature") != signature(self.signing_secret, stamp, body):
            return 401, b""
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "payload" in form:
            payload = json.loads(form["payload"])
            self.received.append(payload)
            action = payload["actions"][0]
            reply = {"response_type": "ephemeral", "text": f"Details of project {action['value']}"}
            threading.Thread(target=WebhookClient(payload["response_url"]).send_dict, args=(reply,)).start()
            return 200, b""  # ack at once; the answer follows on the response_url
        self.received.append(form)
        if self.held_response_url is not None:  # answer the earlier `later` command now
            WebhookClient(self.held_response_url).send_dict({"text": "The crawl finished."})
            self.held_response_url = None
        text = form["text"]
        if text == "find design system":
            return 200, json.dumps(
                {"response_type": "ephemeral", "text": "1 project", "blocks": FIND_BLOCKS}
            ).encode()
        if text == "welcome":
            dm = self.web.conversations_open(users=form["user_id"])["channel"]["id"]
            self.web.chat_postMessage(channel=dm, text="Welcome to *InnerSource*!")
            WebhookClient(form["response_url"]).send_dict({"text": "Sent you a DM."})
            return 200, b""
        if text == "later":
            self.held_response_url = form["response_url"]
            return 200, json.dumps({"text": "Working on it… :hourglass_flowing_sand:"}).encode()
        if text == "boom":
            return 500, b"{}"
        return 200, b""  # `silent`: acknowledged, never answered


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def app(slack: FakeSlack) -> Iterator[StandInApp]:
    stand_in = StandInApp(slack)
    stand_in.thread.start()
    yield stand_in
    stand_in.server.shutdown()
    stand_in.server.server_close()


def console(app_url: str, slack: FakeSlack, script: str, interactive: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    code = run_console(
        app_url, slack, io.StringIO(script), out, interactive, response_timeout=5.0, grace=0.05
    )
    return code, out.getvalue()


def test_a_command_is_echoed_signed_and_its_ack_rendered(slack: FakeSlack, app: StandInApp) -> None:
    code, output = console(app.events_url, slack, "/innersource find design system\n")
    assert code == 0
    assert output.splitlines()[:6] == [
        "> /innersource find design system",
        "DESIGN SYSTEM",
        "=============",
        "*ui/design-system (https://git.example/ui/ds)* & more",
        "[Details] (1)  [Subscribe] (2)",
        "",
    ]
    (request,) = app.received
    assert (request["command"], request["text"], request["user_id"]) == (
        "/innersource",
        "find design system",
        "U0SANDBOX1",
    )
    assert request["response_url"].startswith(f"http://127.0.0.1:{slack.port}/response/")


def test_a_bare_subcommand_is_sent_as_innersource_and_blank_lines_are_skipped(
    slack: FakeSlack, app: StandInApp
) -> None:
    _, output = console(app.events_url, slack, "\n   \nfind design system\n")
    assert output.startswith("> /innersource find design system\n")
    assert [r["text"] for r in app.received] == ["find design system"]


def test_press_sends_the_block_action_of_that_button_and_prints_the_answer(
    slack: FakeSlack, app: StandInApp
) -> None:
    _, output = console(app.events_url, slack, "find design system\npress 1\n")
    assert "> press 1\nDetails of project 42\n" in output
    command, action = app.received
    assert action["type"] == "block_actions" and action["user"]["id"] == "U0SANDBOX1"
    assert action["actions"][0] | {"action_ts": None} == {
        "action_id": "details",
        "block_id": "project:ui/design-system",
        "value": "42",
        "type": "button",
        "action_ts": None,
    }
    assert action["response_url"] != command["response_url"]  # a fresh one per request


def test_a_button_that_does_not_exist_is_explained(slack: FakeSlack, app: StandInApp) -> None:
    _, output = console(app.events_url, slack, "press 3\nfind design system\npress 9\npress\n")
    assert output.count("! There is no button") == 2
    assert "! Say which button" in output
    assert len(app.received) == 1


def test_dms_and_response_posts_made_during_a_command_are_printed(slack: FakeSlack, app: StandInApp) -> None:
    _, output = console(app.events_url, slack, "welcome\n")
    assert (
        output
        == "> /innersource welcome\nSent you a DM.\nDM to @sandbox.user:\n  Welcome to *InnerSource*!\n\n"
    )


def test_a_late_answer_says_which_command_it_answers(slack: FakeSlack, app: StandInApp) -> None:
    _, output = console(app.events_url, slack, "later\nfind design system\n")
    assert "> /innersource later\nWorking on it… ⏳\n" in output
    assert "(later, in reply to `/innersource later`)\n  The crawl finished.\n" in output


def test_nothing_arriving_is_said_after_the_timeout(slack: FakeSlack, app: StandInApp) -> None:
    out = io.StringIO()
    run_console(app.events_url, slack, io.StringIO("silent\n"), out, False, response_timeout=0.1, grace=0.05)
    assert "(Nothing arrived within 0.1 s.)" in out.getvalue()


def test_a_bad_signature_is_reported_and_the_console_keeps_going(slack: FakeSlack) -> None:
    wrong = StandInApp(slack, signing_secret="some-other-secret")
    wrong.thread.start()
    try:
        code, output = console(wrong.events_url, slack, "find design system\nhelp\n")
    finally:
        wrong.server.shutdown()
        wrong.server.server_close()
    assert code == 0
    assert "! The app refused the request (HTTP 401)" in output
    assert "> help\nType /innersource" in output  # the next line still ran
    assert wrong.received == []


def test_server_errors_and_unreachable_apps_are_reported(slack: FakeSlack, app: StandInApp) -> None:
    _, output = console(app.events_url, slack, "boom\n")
    assert "! The app answered HTTP 500" in output
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/slack/events"
    _, output = console(closed, slack, "find x\n")
    assert f"! Could not reach the app at {closed}" in output


def test_quit_stops_reading_and_other_slash_commands_are_refused(slack: FakeSlack, app: StandInApp) -> None:
    code, output = console(app.events_url, slack, "/remind me\nquit\nfind design system\n")
    assert code == 0
    assert "! Only /innersource is installed here." in output
    assert app.received == []


def test_interactive_mode_prompts_and_does_not_echo(slack: FakeSlack, app: StandInApp) -> None:
    code, output = console(app.events_url, slack, "find design system\n", interactive=True)
    assert code == 0
    assert output.startswith(PROMPT + "DESIGN SYSTEM\n")
    assert "> " not in output.replace(PROMPT, "")
    assert output.endswith(PROMPT + "\n")  # end of input at the prompt leaves the terminal tidy


def test_another_user_can_type_commands(slack: FakeSlack, app: StandInApp) -> None:
    out = io.StringIO()
    guest = SlackUser(user_id="U0GUEST01", user_name="guest.one")
    run_console(app.events_url, slack, io.StringIO("find design system\n"), out, False, guest, grace=0.05)
    assert app.received[0]["user_id"] == "U0GUEST01"


CARD_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Trusted-committer nomination:* <@U0JASMINE>"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "11 merged PRs and 10 reviews"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Approve"},
                "action_id": "approve",
                "value": "7",
            }
        ],
    },
]


def test_start_up_messages_come_first_the_users_own_in_full_and_theirs_pressable(
    slack: FakeSlack, app: StandInApp
) -> None:
    """The sandbox opens the console with `shown=0`: what start-up sent is printed before the first
    prompt, other people's DMs in one line each (without buttons), the console user's in full."""
    app.web.chat_postMessage(channel="U0BOB", text="You've reached *Regular*\nSee `/innersource me`.")
    app.web.chat_postMessage(channel="U0SANDBOX1", text="Nomination", blocks=CARD_BLOCKS)
    out = io.StringIO()
    run_console(app.events_url, slack, io.StringIO("press 1\n"), out, False, grace=0.05, shown=0)
    output = out.getvalue()
    assert output.startswith(
        "DM to @bob: You've reached *Regular* …\n"
        "DM to @sandbox.user:\n  *Trusted-committer nomination:* @U0JASMINE\n  11 merged PRs and 10 reviews\n"
        "  [Approve] (1)\n\n> press 1\n"
    )
    (action,) = app.received
    assert action["actions"][0]["action_id"] == "approve" and action["actions"][0]["value"] == "7"


def test_settle_runs_before_the_first_prompt_and_after_each_line_and_its_dms_follow_the_answer(
    slack: FakeSlack, app: StandInApp
) -> None:
    settled: list[int] = []

    def settle() -> None:  # as the sandbox's outbox delivery would: a DM the line caused
        settled.append(len(settled))
        if len(settled) == 2:
            app.web.chat_postMessage(channel="U0JASMINE", text="You're a trusted committer now.")

    out = io.StringIO()
    run_console(
        app.events_url, slack, io.StringIO("find design system\n"), out, False, grace=0.05, settle=settle
    )
    assert settled == [0, 1, 2]  # start, the line, end of input
    assert "[Details] (1)  [Subscribe] (2)\nDM to @jasmine:\n  You're a trusted committer now.\n\n" in (
        out.getvalue()
    )
