"""Work a listener hands off after acknowledging, so the acknowledgement never waits for it.

Bolt runs listeners on the request's thread and answers Slack when they return (see
bot/slack/bolt_app.py), so anything that may be slow (a Slack API call, a search) runs here. The
@app.error handler never sees these errors; they are logged and answered here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Respond

from bot.slack.blocks import error_message

log = logging.getLogger("handlers.background")


def run_later(
    executor: Executor, what: str, user_id: str, work: Callable[[], None], respond: Respond | None
) -> None:
    executor.submit(guarded, what, user_id, work, respond)


def guarded(what: str, user_id: str, work: Callable[[], None], respond: Respond | None) -> None:
    """Run `work`; if it fails, log it and tell the person (when there is a response_url)."""
    try:
        work()
    except Exception as error:
        log.error("event=listener_error user=%s command=%s error=%s", user_id, what, type(error).__name__,
                  exc_info=error)  # fmt: skip
        if respond is not None:
            try:
                respond({**error_message(), "replace_original": False})
            except Exception as reply_error:  # nothing left to tell the person with
                log.warning("event=error_reply_failed user=%s error=%s", user_id, type(reply_error).__name__)


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))
