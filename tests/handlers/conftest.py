"""The bot exactly as `serve` builds it (settings → discovery → Bolt app → waitress), over a crawled
catalog, talking to the fake Slack; tests post signed requests to it over loopback HTTP."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from bot.app import Core, build_discovery, build_http_server, build_slack_app
from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.slack_requests import (
    SignedRequest,
    SlackUser,
    signature,
    signed_block_action,
    signed_slash_command,
)
from bot.web import HttpServer


class Bot:
    def __init__(self, slack: FakeSlack, server: HttpServer) -> None:
        self.slack, self.server = slack, server

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def post(self, request: SignedRequest) -> tuple[int, Any]:
        status, raw = self.request("POST", "/slack/events", request.body, request.headers)
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode()

    def command(self, text: str, user: SlackUser | None = None, **kw: Any) -> tuple[int, Any, str]:
        url = self.slack.new_response_url()
        status, body = self.post(signed_slash_command(self.slack.signing_secret, text, url, user, **kw))
        return status, body, url

    def click(self, action_id: str, value: str, user: SlackUser | None = None) -> list[dict[str, Any]]:
        url = self.slack.new_response_url()
        status, _ = self.post(signed_block_action(self.slack.signing_secret, action_id, value, url, user))
        assert status == 200
        return self.slack.wait_for_responses(url, 1, timeout=10)

    def event(self, payload: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        """An Events API delivery, signed; `headers` adds Slack's others (`X-Slack-Retry-Num`: a retry)."""
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()))
        signed = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(self.slack.signing_secret, stamp, body),
        }
        return self.post(SignedRequest(body, {**signed, **(headers or {})}))[0]


@contextmanager
def running_bot(core: Core) -> Iterator[Bot]:
    with FakeSlack() as slack:
        slack_core = replace(core, settings=slack.settings_for(core.settings))
        app = build_slack_app(slack_core, build_discovery(slack_core))
        with build_http_server(slack_core, app, "127.0.0.1", 0) as server:
            yield Bot(slack, server)


@pytest.fixture
def bot(sample_catalog: Core) -> Iterator[Bot]:
    with running_bot(sample_catalog) as running:
        yield running


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)
