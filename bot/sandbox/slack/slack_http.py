"""The fake Slack's HTTP plumbing: a threaded loopback server, and request parameters as Slack reads them.

The server hands (path, query, lower-cased headers, body) to a `Respond` callable
(bot/sandbox/slack/fake_slack.py) and writes its (status, JSON, headers) back; status DROP closes the
connection without an answer, as a dropped connection would.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

JsonDict = dict[str, Any]
Answer = tuple[int, Any, dict[str, str]]
Respond = Callable[[str, str, dict[str, str], bytes], Answer]
DROP = 0  # the status a Respond gives for "close the connection without answering"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # see bot/sandbox/forge/server.py: avoids a 40 ms stall per answer
    server: SlackHttpServer

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
            status, answer, extra = self.server.respond(parts.path, parts.query, headers, body)
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hung client
            status, answer, extra = 500, {"ok": False, "error": f"fake slack error: {exc!r}"}, {}
        if status == DROP:  # a dropped connection: the client sees the socket close, no answer
            self.close_connection = True
            return
        payload = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json; charset=utf-8", **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class SlackHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, respond: Respond, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.respond = respond

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) or died leaves a broken pipe behind: that is the test's point.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def request_params(query: str, headers: dict[str, str], body: bytes) -> JsonDict:
    """Query, form or JSON body, as Slack accepts all three; JSON-in-a-form-field is decoded."""
    params: JsonDict = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if body:
        if "application/json" in headers.get("content-type", ""):
            data = json.loads(body)
            if isinstance(data, dict):
                params.update(data)
        else:
            params.update({k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
    for key in ("blocks", "attachments", "view", "metadata"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
