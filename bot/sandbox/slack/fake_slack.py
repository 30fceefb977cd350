"""The fake Slack on 127.0.0.1: the Web API methods the bot calls, and response_url endpoints.

The real slack_sdk WebClient talks to it (`WebClient(base_url=fake.api_url)`), so tokens, form and
JSON bodies, rate limits (429 + Retry-After) and error answers take the same path as production.
Bodies follow Slack's documented examples (tests/data/slack/web-api/); tests hold the two together.
Every call is recorded, so a test or the sandbox console can see what the bot posted and to whom.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from bot.config import Settings
from bot.sandbox.slack.fake_socket_mode import FakeSocketMode
from bot.sandbox.slack.slack_directory import SlackDirectory
from bot.sandbox.slack.slack_web_api import APP_LEVEL_METHODS, SlackWebApi

__all__ = ["FakeSlack", "SlackDirectory"]

JsonDict = dict[str, Any]
_MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "views.publish")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # see bot/sandbox/forge/server.py: avoids a 40 ms stall per answer
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # FakeSlack.calls is the record

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, answer, extra = self.server.slack._answer(parts.path, parts.query, headers, body)
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hung client
            status, answer, extra = 500, {"ok": False, "error": f"fake slack error: {exc!r}"}, {}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json; charset=utf-8", **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, slack: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.slack = slack


class FakeSlack:
    """Serves Slack's Web API under `api_url` and response URLs, in a background thread."""

    bot_token = "xoxb-sandbox-token"
    app_token = "xapp-sandbox-token"  # the app-level token: only apps.connections.open takes it
    team_id = "T0SANDBOX"
    signing_secret = "sandbox-signing-secret"
    bot_user_id = "U0INNERSRC"
    bot_id = "B0INNERSRC"
    app_id = "A0SANDBOX"

    def __init__(self, directory: SlackDirectory | None = None) -> None:
        self.directory = directory if directory is not None else SlackDirectory()
        # One condition guards all state; re-entrant so wait_until predicates may read it.
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[tuple[str, JsonDict, bool]] = []  # method, params (no token), answered ok
        self._attempts: list[tuple[str, int]] = []  # every request to a method, with its HTTP status
        self._faults: dict[str, deque[tuple[int, JsonDict, dict[str, str]]]] = {}
        self._holds: dict[str, deque[threading.Event]] = {}
        self._responses: dict[str, list[JsonDict]] = {}
        self._socket_mode: FakeSocketMode | None = None
        self._api = SlackWebApi(
            self.directory,
            self.team_id,
            self.bot_user_id,
            self.bot_id,
            self.app_id,
            socket_mode_url=lambda: self.socket_mode.new_url(),
        )
        self._server = _Server(self)
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

    def dm_user(self, channel: str) -> str | None:
        """The user a DM channel id (from conversations.open or a DM post) belongs to."""
        with self._cond:
            return self._api.dm_users.get(channel)

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

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, body: Any = None
    ) -> None:
        """Answer the next call to `method` with `status` (Slack's 429 shape by default), then recover."""
        error = "ratelimited" if status == 429 else "fatal_error"
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        answer = body if body is not None else {"ok": False, "error": error}
        with self._cond:
            self._faults.setdefault(method, deque()).append((status, answer, headers))

    def hold_next(self, method: str) -> threading.Event:
        """Make the next call to `method` wait until the returned event is set (a slow Slack), then
        answer it normally. Waits at most 30 s, so a forgotten hold cannot hang a test run."""
        release = threading.Event()
        with self._cond:
            self._holds.setdefault(method, deque()).append(release)
        return release

    # -- HTTP -------------------------------------------------------------------------------------
    def _answer(
        self, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        if path.startswith("/response/"):
            return self._record_response(f"http://127.0.0.1:{self.port}{path}", body)
        if not path.startswith("/api/"):
            return 404, {"ok": False, "error": "not_found"}, {}
        method = path[len("/api/") :]
        with self._cond:
            holds = self._holds.get(method)
            release = holds.popleft() if holds else None
        if release is not None:
            release.wait(30)
        with self._cond:
            faults = self._faults.get(method)
            if faults:
                status, answer, extra = faults.popleft()
                self._attempts.append((method, status))
                return status, answer, extra
            self._attempts.append((method, 200))
        try:
            params = _params(query, headers, body)
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
        with self._cond:
            answer = self._api.call(method, params)
            self._calls.append((method, params, bool(answer.get("ok"))))
            self._cond.notify_all()
        return 200, answer, {}

    def _record_response(self, url: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
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


def _params(query: str, headers: dict[str, str], body: bytes) -> JsonDict:
    """Query, form or JSON body, as Slack accepts all three; JSON-in-a-form-field is decoded."""
    params: JsonDict = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body:
        if "application/json" in headers.get("content-type", ""):
            data = json.loads(body)
            if isinstance(data, dict):
                params.update(data)
        else:
            params.update({k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
    for key in ("blocks", "attachments", "view"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
