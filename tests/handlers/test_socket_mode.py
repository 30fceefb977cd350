"""End to end in Socket Mode, as `run` wires it: settings → discovery → Bolt app → SocketModeHandler
(slack_sdk's built-in client) → apps.connections.open on the fake Slack → WebSocket to the fake Socket
Mode endpoint → envelopes in, acknowledgements (carrying the answer) and response_url posts out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest
from pydantic import SecretStr

from bot.app import Core, build_discovery, build_slack_app
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import SlackUser, block_action_body, slash_command_body
from bot.slack import texts
from bot.slack.blocks import ACTION_DETAILS
from bot.slack.bolt_app import SocketModeHandler, socket_mode_handler
from tests.handlers.conftest import text_of
from tests.handlers.test_slack_listeners import buttons

pytestmark = pytest.mark.integration

MEMBER, GUEST = SlackUser(), SlackUser(user_id="U0GUEST01")
ROOT = Path(__file__).resolve().parents[2]


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@dataclass
class SocketBot:
    slack: FakeSlack
    handler: SocketModeHandler

    def command(self, text: str, user: SlackUser = MEMBER) -> tuple[dict[str, Any], str]:
        """(the acknowledgement's payload, the response_url) for `/innersource text`."""
        url = self.slack.new_response_url()
        payload = dict(parse_qsl(slash_command_body(text, url, user).decode()))  # Socket Mode: a JSON object
        envelope_id = self.slack.socket_mode.send_envelope("slash_commands", payload)
        ack = self.slack.socket_mode.wait_for_ack(envelope_id, timeout=10)
        return ack.get("payload", {}), url

    def click(self, action_id: str, value: str, user: SlackUser = MEMBER) -> list[dict[str, Any]]:
        """What the bot posted to the response_url after a button press."""
        url = self.slack.new_response_url()
        form = parse_qs(block_action_body(action_id, value, url, user).decode())
        envelope_id = self.slack.socket_mode.send_envelope("interactive", json.loads(form["payload"][0]))
        assert "payload" not in self.slack.socket_mode.wait_for_ack(envelope_id, timeout=10)  # a bare ack
        return self.slack.wait_for_responses(url, 1, timeout=10)


def close(handler: SocketModeHandler, slack: FakeSlack) -> None:
    """handler.close(), after the server hangs up: the built-in client otherwise waits out a 3 s read."""
    handler.client.auto_reconnect_enabled = False
    slack.socket_mode.close_connections()
    eventually(lambda: not handler.client.is_connected())  # see tests/sandbox/slack/test_fake_socket_mode.py
    handler.close()  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def socket_bot(sample_catalog: Core) -> Iterator[SocketBot]:
    with FakeSlack() as slack:
        settings = sample_catalog.settings.model_copy(
            update={  # no signing secret: a Socket Mode deployment has none to give
                "slack_bot_token": SecretStr(slack.bot_token),
                "slack_app_token": SecretStr(slack.app_token),
                "slack_api_url": slack.api_url,
            }
        )
        core = replace(sample_catalog, settings=settings)
        handler = socket_mode_handler(build_slack_app(core, build_discovery(core)), FakeSlack.app_token)
        handler.connect()  # type: ignore[no-untyped-call]  # start() would block; this does not
        try:
            assert slack.socket_mode.wait_connected(10), "the handler did not connect"
            yield SocketBot(slack, handler)
        finally:
            close(handler, slack)


def test_the_handler_connects_with_the_app_token(socket_bot: SocketBot) -> None:
    (opened,) = socket_bot.slack.calls_to("apps.connections.open")
    assert opened == {}  # the token went in the Authorization header, not the body
    assert socket_bot.slack.socket_mode.open_connections == 1


def test_find_answers_in_the_acknowledgement(socket_bot: SocketBot) -> None:
    answer, url = socket_bot.command("find design system")
    assert answer["response_type"] == "ephemeral" and answer["text"]
    assert "acme/aurora-design-system" in text_of(answer["blocks"][:4])
    assert any(b["action_id"] == ACTION_DETAILS for b in buttons(answer))
    assert socket_bot.slack.responses(url) == []  # nothing follows: the answer was in the acknowledgement


def test_details_button_answers_through_the_response_url(socket_bot: SocketBot) -> None:
    answer, _ = socket_bot.command("find design system")
    details = next(b for b in buttons(answer) if b["action_id"] == ACTION_DETAILS)
    (card,) = socket_bot.click(ACTION_DETAILS, details["value"])
    assert card["replace_original"] is False
    assert "aurora-design-system" in text_of(card) and texts.PROJECT_CHECKLIST in text_of(card)


def test_guests_are_refused(socket_bot: SocketBot) -> None:
    answer, _ = socket_bot.command("find design system", GUEST)
    assert texts.REFUSALS["guest"] in text_of(answer) and "aurora" not in text_of(answer)


# -- the real process: `innersource-bot run` with SLACK_APP_TOKEN ----------------------------------------


@pytest.mark.parametrize(
    ("stop", "exit_code"),
    [pytest.param(signal.SIGINT, 0, id="SIGINT"), pytest.param(signal.SIGTERM, 0, id="SIGTERM")],
)
def test_run_answers_in_socket_mode_until_stopped(
    tmp_path: Path, stop: signal.Signals, exit_code: int
) -> None:
    with FakeSlack() as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GITHUB_", "GITLAB_"))}
        env |= {
            "SLACK_APP_TOKEN": FakeSlack.app_token,
            "SLACK_BOT_TOKEN": FakeSlack.bot_token,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        }
        command = [sys.executable, "-m", "bot.cli", "run"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert slack.socket_mode.wait_connected(30), "`run` did not connect in Socket Mode"
            payload = dict(parse_qsl(slash_command_body("help", slack.new_response_url(), MEMBER).decode()))
            ack = slack.socket_mode.wait_for_ack(
                slack.socket_mode.send_envelope("slash_commands", payload), 10
            )
            assert "/innersource find" in text_of(ack["payload"])
            process.send_signal(stop)
            _, err = process.communicate(timeout=15)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=5)
        assert process.returncode == exit_code, err.decode()
        assert slack.socket_mode.open_connections == 0
