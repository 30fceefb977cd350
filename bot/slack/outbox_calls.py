"""Web API calls for the deliverer, each sorted into what to do next: done, wait, back off, or give up.

The client never retries by itself (`retry_handlers=[]`): slack_sdk's default list retries dropped
connections, which after a post that reached Slack would post twice; its 429 handler sleeps in the
calling thread. bot/slack/outbox.py decides instead, per row.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.forges.retry_after import retry_after_seconds

DELIVERY_TIMEOUT_SECONDS = 10.0
# ok:false errors Slack documents as passing conditions (chat.postMessage "Errors"): retried like a 5xx.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"}
)


def new_delivery_client(bot_token: str, api_url: str, timeout: float = DELIVERY_TIMEOUT_SECONDS) -> WebClient:
    """A WebClient that never retries by itself (`retry_handlers=[]`: the default list retries
    connection errors, which could post twice); the Deliverer decides what is retried and when."""
    return WebClient(token=bot_token, base_url=api_url, timeout=int(max(1, timeout)), retry_handlers=[])


@dataclass(frozen=True)
class Answer:
    """A Web API call's outcome: ok, rate_limited (wait), transient (back off) or permanent (fail)."""

    kind: str
    data: dict[str, Any]
    reason: str = ""
    wait_seconds: float = 0.0


def call_slack(method: str, call: Callable[[], Any]) -> Answer:
    try:
        response = call()
    except SlackApiError as error:
        status = int(getattr(error.response, "status_code", 0) or 0)
        data = error.response.data if isinstance(error.response.data, dict) else {}
        name = str(data.get("error") or f"http_{status}")
        if status == 429:
            wait = _retry_after((error.response.headers or {}).get("Retry-After"))
            return Answer("rate_limited", data, "ratelimited", wait)
        if status >= 500 or name in _TRANSIENT_ERRORS:
            return Answer("transient", data, f"{method}: {name} (http {status})")
        return Answer("permanent", data, name)
    except Exception as error:  # timeouts, refused or dropped connections, unreadable answers
        return Answer("transient", {}, f"{method}: {type(error).__name__}")
    return Answer("ok", dict(response.data) if isinstance(response.data, dict) else {})


def _retry_after(value: str | None, default: float = 1.0) -> float:
    """Retry-After in seconds (Slack sends an integer), at most an hour; missing or odd: `default`."""
    seconds = retry_after_seconds(value, time.time()) if value is not None else None
    return default if seconds is None or math.isnan(seconds) else min(seconds, 3600.0)
