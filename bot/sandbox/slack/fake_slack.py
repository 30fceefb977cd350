"""The fake Slack on 127.0.0.1: the Web API methods the bot calls, and response_url endpoints.

The real slack_sdk WebClient talks to it (`WebClient(base_url=fake.api_url)`), so tokens, form and
JSON bodies, rate limits (429 + Retry-After) and error answers take the same path as production.
Bodies follow Slack's documented examples (tests/data/slack/web-api/); tests hold the two together.
Every call is recorded, so a test or the sandbox console can see what the bot posted and to whom.
Faults for delivery tests (`fail_next`, `hold_next`, `delay_next`, `drop_next`): slack_faults.py;
`FakeSlack(rate_limits=True)` answers 429 past Slack's rates: slack_rate_limits.py; the HTTP server and
request parsing: slack_http.py.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.sandbox.slack.fake_socket_mode import FakeSocketMode
from bot.sandbox.slack.slack_channels import SlackChannels
from bot.sandbox.slack.slack_directory import SlackDirectory
from bot.sandbox.slack.slack_faults import SlackFaults
from bot.sandbox.slack.slack_http import DROP, Answer, SlackHttpServer, request_params
from bot.sandbox.slack.slack_rate_limits import SlackRateLimits
from bot.sandbox.slack.slack_web_api import APP_LEVEL_METHODS, SlackWebApi
from bot.slack.outbox_pacing import WORKSPACE_MESSAGES_PER_MINUTE
from bot.slack.outbox_types import EVENT_TYPE

__all__ = ["FakeSlack", "SlackChannels", "SlackDirectory"]

JsonDict = dict[str, Any]
_MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "views.publish")


class FakeSlack:
    """Serves Slack's Web API under `api_url` and response URLs, in a background thread."""

    bot_token = "xoxb-sandbox-token"
    app_token = "xapp-sandbox-token"  # the app-level token: only apps.connections.open takes it
    team_id = "T0SANDBOX"
    signing_secret = "sandbox-signing-secret"
    bot_user_id = "U0INNERSRC"
    bot_id = "B0INNERSRC"
    app_id = "A0SANDBOX"

    def __init__(
        self,
        directory: SlackDirectory | None = None,
        *,
        rate_limits: bool = False,
        workspace_per_minute: float = WORKSPACE_MESSAGES_PER_MINUTE,
        clock: Callable[[], Any] | None = None,
        channels: SlackChannels | None = None,
        port: int = 0,
    ) -> None:
        """`clock` (a bot.clock.Clock) dates message ts, so conversations.history's `oldest` works in
        the tests' time; without it, ts count up from a fixed base (repeatable answers). `port`: a
        given one (a Slack that was unreachable there comes up), else any free one."""
        self.directory = directory if directory is not None else SlackDirectory()
        self.channels = channels if channels is not None else SlackChannels()  # conversations.info
        # One condition guards all state; re-entrant so wait_until predicates may read it.
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[tuple[str, JsonDict, bool]] = []  # method, params (no token), answered ok
        self._attempts: list[tuple[str, int]] = []  # every request to a method, with its HTTP status
        faults = self.faults = SlackFaults(self._cond)
        # The fault API on the fake itself, as tests call it (bot/sandbox/slack/slack_faults.py).
        self.fail_next, self.hold_next = faults.fail_next, faults.hold_next
        self.delay_next, self.drop_next, self.holding = faults.delay_next, faults.drop_next, faults.holding
        self._limits: SlackRateLimits | None = None
        if rate_limits:
            self.enforce_rate_limits(workspace_per_minute)
        self._responses: dict[str, list[JsonDict]] = {}
        self._socket_mode: FakeSocketMode | None = None
        self._api = SlackWebApi(
            self.directory,
            self.team_id,
            self.bot_user_id,
            self.bot_id,
            self.app_id,
            socket_mode_url=lambda: self.socket_mode.new_url(),
            now=(lambda: clock().timestamp()) if clock is not None else None,
            channels=self.channels,
        )
        self._server = SlackHttpServer(self._answer, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"  # trailing slash: WebClient joins method names on

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    @property
    def socket_mode(self) -> FakeSocketMode:
        """The Socket Mode endpoint `apps.connections.open` points at, started on first use."""
        with self._cond:
            if self._socket_mode is None:
                self._socket_mode = FakeSocketMode(self.app_id).start()
            return self._socket_mode

    def stop(self) -> None:
        with self._cond:
            socket_mode, self._socket_mode = self._socket_mode, None
        if socket_mode is not None:
            socket_mode.stop()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests and the console read ---------------------------------------------------------
    @property
    def calls(self) -> list[tuple[str, JsonDict]]:
        with self._cond:
            return [(method, params) for method, params, _ in self._calls]

    def calls_to(self, method: str) -> list[JsonDict]:
        return [params for name, params in self.calls if name == method]

    @property
    def messages(self) -> list[tuple[str, JsonDict]]:
        """Successful chat.postMessage, chat.postEphemeral and views.publish calls, in order."""
        with self._cond:
            return [(m, p) for m, p, ok in self._calls if ok and m in _MESSAGE_METHODS]

    @property
    def attempts(self) -> list[tuple[str, int]]:
        with self._cond:
            return list(self._attempts)

    @property
    def rate_limited(self) -> int:
        """429s answered because a rate was exceeded (not those `fail_next` asked for)."""
        with self._cond:
            return self._limits.limited if self._limits is not None else 0

    def channel_messages(self, channel: str) -> list[JsonDict]:
        """Messages posted in a channel (a DM's D… id), oldest first, with their metadata."""
        with self._cond:
            return [dict(m) for m in self._api.channel_messages.get(channel, [])]

    def outbox_keys(self) -> list[str]:
        """The outbox key of every message posted with one in its metadata, in order; repeats are
        duplicates."""
        with self._cond:
            messages = [m for ms in self._api.channel_messages.values() for m in ms]
        messages.sort(key=lambda m: float(m["ts"]))
        keys = []
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == EVENT_TYPE:
                keys.append(str(metadata["event_payload"].get("key")))
        return keys

    def dm_user(self, channel: str) -> str | None:
        """The user a DM channel id (from conversations.open or a DM post) belongs to."""
        with self._cond:
            return self._api.dm_users.get(channel)

    def revoke_scope(self, scope: str) -> None:
        """From now on the app lacks `scope` (e.g. channels:join): methods needing it answer missing_scope."""
        with self._cond:
            self._api.revoked_scopes.add(scope)

    def home_view(self, user_id: str) -> JsonDict | None:
        with self._cond:
            return self._api.home_views.get(user_id)

    def settings_for(self, settings: Settings) -> Settings:
        """`settings` aimed at this fake: its tokens, signing secret and Web API URL."""
        return settings.model_copy(
            update={
                "slack_bot_token": SecretStr(self.bot_token),
                "slack_signing_secret": SecretStr(self.signing_secret),
                "slack_api_url": self.api_url,
            }
        )

    def new_response_url(self) -> str:
        url = f"http://127.0.0.1:{self.port}/response/{uuid.uuid4().hex}"
        with self._cond:
            self._responses[url] = []
        return url

    def responses(self, url: str) -> list[JsonDict]:
        with self._cond:
            return list(self._responses.get(url, []))

    def wait_for_responses(self, url: str, count: int = 1, timeout: float = 5.0) -> list[JsonDict]:
        """What was posted to `url` once `count` posts arrived, or whatever there is at the timeout."""
        self.wait_until(lambda: len(self._responses.get(url, [])) >= count, timeout)
        return self.responses(url)

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[JsonDict]:
        self.wait_until(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def enforce_rate_limits(self, workspace_per_minute: float = WORKSPACE_MESSAGES_PER_MINUTE) -> None:
        """From now on, answer 429 + Retry-After past Slack's published rates (slack_rate_limits.py)."""
        with self._cond:
            self._limits = SlackRateLimits(workspace_per_minute)

    # -- HTTP -------------------------------------------------------------------------------------
    def _answer(self, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        if path.startswith("/response/"):
            return self._record_response(f"http://127.0.0.1:{self.port}{path}", body)
        if not path.startswith("/api/"):
            return 404, {"ok": False, "error": "not_found"}, {}
        method = path[len("/api/") :]
        plan = self.faults.plan(method)
        if plan.answer is not None:
            with self._cond:
                self._attempts.append((method, plan.answer[0]))
            return plan.answer
        delay, drop = plan.delay, plan.drop
        if drop is False or (delay is not None and not delay[1]):  # gone before it took effect
            if delay is not None:
                time.sleep(delay[0])
            with self._cond:
                self._attempts.append((method, DROP))
            return DROP, None, {}
        status, answer, extra = self._take_effect(method, headers, body, query)
        if delay is not None:
            time.sleep(delay[0])
        return (DROP, None, {}) if drop else (status, answer, extra)

    def _take_effect(self, method: str, headers: dict[str, str], body: bytes, query: str) -> Answer:
        """Token checks, rate limits, then the method itself; the call is recorded."""
        refusal = self._refusal(method, query, headers, body)
        if isinstance(refusal, tuple):
            with self._cond:
                self._attempts.append((method, 200))
            return refusal
        params = refusal
        with self._cond:
            retry_after = self._limits.check(method, _channel_key(params)) if self._limits else None
            if retry_after is not None:  # Slack's 429: rate_limits.md "Responding to rate limiting"
                self._attempts.append((method, 429))
                self._cond.notify_all()
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            self._attempts.append((method, 200))
            answer = self._api.call(method, params)
            self._calls.append((method, params, bool(answer.get("ok"))))
            self._cond.notify_all()
        return 200, answer, {}

    def _refusal(self, method: str, query: str, headers: dict[str, str], body: bytes) -> JsonDict | Answer:
        """The request's parameters, or Slack's answer to a request it refuses before the method runs."""
        try:
            params = request_params(query, headers, body)
        except ValueError:
            return 200, {"ok": False, "error": "invalid_json"}, {}
        if not self._api.knows(method):
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        bearer = headers.get("authorization", "")
        token = bearer[len("Bearer ") :] if bearer.startswith("Bearer ") else params.pop("token", None)
        params.pop("token", None)
        if not token:  # Slack's own words: auth.test.error_with_no_token.json / auth.test.error.json
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token not in (self.bot_token, self.app_token):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if (token == self.app_token) != (method in APP_LEVEL_METHODS):  # Slack's answer to a mixed-up token
            return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        return params

    def _record_response(self, url: str, body: bytes) -> Answer:
        try:
            message = json.loads(body or b"null")
        except ValueError:
            return 400, {"ok": False, "error": "invalid_payload"}, {}
        if not isinstance(message, dict):
            return 400, {"ok": False, "error": "invalid_payload"}, {}
        with self._cond:
            if url not in self._responses:  # never handed out (or, at Slack, expired)
                return 404, {"ok": False, "error": "expired_url"}, {}
            self._responses[url].append(message)
            self._cond.notify_all()
        return 200, {"ok": True}, {}


def _channel_key(params: JsonDict) -> str:
    """A post to a user id lands in their DM: both count against the one channel."""
    channel = str(params.get("channel") or "")
    return "D" + channel[1:] if channel[:1] in ("U", "W") else channel
