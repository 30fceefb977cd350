"""Builds the Bolt app and its Web API client for HTTP mode, and the Socket Mode handler for `run`.

Request verification is Bolt's own middleware (slack_bolt/middleware/request_verification, on by default):
it checks `X-Slack-Signature` with the signing secret and answers 401 `{"error": "invalid request"}` for
a bad signature or a timestamp more than 5 minutes (60 * 5 s) from now (slack_sdk/signature
`SignatureVerifier.is_valid`). Socket Mode requests skip it: the WebSocket is authenticated by the app token.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

__all__ = [
    "App",
    "SocketModeHandler",
    "connect_socket_mode",
    "new_bolt_app",
    "new_web_client",
    "socket_mode_handler",
]

WEB_API_TIMEOUT_SECONDS = 10  # slack_sdk's default is 30: far past any deadline a listener works to
LISTENER_THREADS = 4  # only for lazy listeners (none yet): listeners run on the request thread


def new_web_client(bot_token: str, api_url: str) -> WebClient:
    """A WebClient that retries 429 after Retry-After, and 5xx and dropped connections with backoff."""
    return WebClient(
        token=bot_token,
        base_url=api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def new_bolt_app(bot_token: str, signing_secret: str | None, api_url: str) -> App:
    """A single-workspace Bolt app; constructing it calls `auth.test` once to check the token.

    `signing_secret` may be None only for Socket Mode. Verification stays on regardless, so an HTTP
    request to an app built without a secret is never processed; and "" rather than None keeps Bolt from
    reading SLACK_SIGNING_SECRET from the environment behind Settings' back.
    """
    # Bolt also reads SLACK_BOT_TOKEN itself and, finding it next to our client, warns at every start
    # that the token is unused; it is the same token, already in the client, so drop that one line.
    logging.getLogger("slack_bolt.App").addFilter(_UnusedTokenWarning())
    app = App(
        client=new_web_client(bot_token, api_url),
        signing_secret=signing_secret or "",
        # True: the listener runs on the request's own thread and Bolt answers when it returns. Our
        # listeners return as soon as they have acknowledged (slow work goes on in the handlers'
        # executor), and this skips Bolt's other mode, which polls for ack() every 10 ms.
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(
            max_workers=LISTENER_THREADS, thread_name_prefix="bolt-listener"
        ),
    )
    # Bolt logs a rejected request's whole body at INFO; a stale but genuine one carries a live
    # response_url, which must not reach the logs.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    return app


class _UnusedTokenWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    """Socket Mode over slack_sdk's built-in WebSocket client (no extra dependency)."""
    return SocketModeHandler(app, app_token)


def connect_socket_mode(handler: SocketModeHandler) -> None:
    """Open the WebSocket once. A failure is raised to the caller, which says it in one line; the
    client's own ERROR line with Slack's whole answer is held back for this first attempt only
    (later reconnections log as usual)."""
    logger = logging.getLogger("slack_bolt.App")
    quiet = _FirstConnect()
    logger.addFilter(quiet)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    finally:
        logger.removeFilter(quiet)


class _FirstConnect(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to retrieve WSS URL" not in record.getMessage()
