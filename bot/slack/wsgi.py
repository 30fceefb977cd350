"""The WSGI application for `POST /slack/events`: Bolt's WSGI adapter, with a guard in front of it.

Bolt's SlackRequestHandler (slack_bolt/adapter/wsgi/handler.py) turns the WSGI environ into a BoltRequest,
runs `App.dispatch` (signature check first) and writes the BoltResponse back. The guard answers 401
itself for a request whose timestamp header is not a number: Bolt's verifier would call `int()` on it and
turn a forged request into a 500 instead of the 401 every bad signature gets.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

SLACK_EVENTS_PATH = "/slack/events"
_UNAUTHORIZED = b'{"error": "invalid request"}'


def slack_wsgi_app(app: App, path: str = SLACK_EVENTS_PATH) -> WSGIApplication:
    handler = SlackRequestHandler(app, path=path)

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "0")).strip()
        if not (timestamp.isascii() and timestamp.isdigit()):
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(_UNAUTHORIZED)))]
            start_response("401 Unauthorized", headers)
            return [_UNAUTHORIZED]
        return handler(environ, start_response)

    return application
