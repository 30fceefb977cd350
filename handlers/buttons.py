"""One way to answer a button: acknowledge at once, then, off the request thread, check the user, do
the work and answer through response_url, with one log line. Every button listener goes through it:
`button` for work that needs the person and the value, `clicked` for work that also needs where the
click came from (a modal to open with its trigger_id, the message to update)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services.identity import SlackProfile
from bot.slack.blocks import error_message, refusal_message
from handlers.background import run_later, user_of
from handlers.deps import HandlerDeps

log = logging.getLogger("handlers.buttons")

Message = dict[str, Any]
# (the person's profile, the button's value) → (the answer, whether it replaces the message clicked),
# or None when the value is not one we made.
Work = Callable[[SlackProfile, str], tuple[Message, bool] | None]
# A work's answer when it answered another way (it opened a modal): nothing goes to response_url.
SILENT: tuple[Message, bool] = ({}, False)


@dataclass(frozen=True)
class Click:
    """Where a click came from: the trigger for `views.open` (valid 3 s), and the message clicked
    (channel and ts; empty for an ephemeral message, which cannot be updated by ts)."""

    trigger_id: str
    channel_id: str
    message_ts: str


ClickWork = Callable[[SlackProfile, str, Click], tuple[Message, bool] | None]


def button(app: App, deps: HandlerDeps, action_id: str, work: Work) -> None:
    """Register `work` for the button `action_id`. A button must be acknowledged within 3 s and its
    acknowledgement shows nothing, so every answer goes through response_url, from the background."""
    clicked(app, deps, action_id, lambda profile, value, _click: work(profile, value))


def clicked(app: App, deps: HandlerDeps, action_id: str, work: ClickWork) -> None:
    """`button`, for work that also needs the `Click`."""

    @app.action(action_id)
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, value, click = user_of(body), str(action.get("value", "")), _click(body)

        def answer() -> None:
            started = time.perf_counter()
            reason, profile = deps.user_gate.check(user_id)
            outcome = f"refused_{reason}" if reason else "ok"
            if reason is not None:
                respond({**refusal_message(reason), "replace_original": False})
            else:
                done = work(profile or SlackProfile(user_id), value, click)
                if done is None:
                    outcome = "bad_value"
                    respond({**error_message(), "replace_original": False})
                elif done is not SILENT:
                    respond({**done[0], "replace_original": done[1]})
            log.info(
                "event=action action=%s user=%s outcome=%s duration_ms=%.1f",
                action_id, user_id, outcome, (time.perf_counter() - started) * 1000,
            )  # fmt: skip

        run_later(deps.executor, action_id, user_id, answer, respond)


def _click(body: dict[str, Any]) -> Click:
    container = body.get("container") or {}
    in_message = container.get("type") == "message" and not container.get("is_ephemeral")
    return Click(
        trigger_id=str(body.get("trigger_id") or ""),
        channel_id=str(container.get("channel_id") or "") if in_message else "",
        message_ts=str(container.get("message_ts") or "") if in_message else "",
    )
