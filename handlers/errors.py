"""The one @app.error handler: log the failure, tell the person something went wrong."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse, Respond

from bot.slack.blocks import error_message

log = logging.getLogger("handlers.errors")


def register(app: App) -> None:
    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None, respond: Respond
    ) -> BoltResponse | None:
        user_id = str(body.get("user_id") or (body.get("user") or {}).get("id") or _event_user(body))
        what = (
            body.get("command")
            or _action_id(body)
            or (body.get("event") or {}).get("type")
            or body.get("type")
        )
        # Exception type and traceback only: never the request body, which holds the response_url.
        log.error(
            "event=listener_error user=%s command=%s error=%s",
            user_id,
            what,
            type(error).__name__,
            exc_info=error,
        )
        if response is not None and body.get("command"):
            # The slash command is not acknowledged yet: the error answer goes in the acknowledgement.
            return BoltResponse(status=200, body=error_message())
        if body.get("response_url"):
            try:
                respond(error_message())
            except Exception as exc:  # the error handler itself must never raise
                log.warning("event=error_reply_failed user=%s error=%s", user_id, type(exc).__name__)
        return None


def _action_id(body: dict[str, Any]) -> str | None:
    actions = body.get("actions") or []
    return str(actions[0].get("action_id")) if actions else None


def _event_user(body: dict[str, Any]) -> str:
    return str((body.get("event") or {}).get("user") or "-")
