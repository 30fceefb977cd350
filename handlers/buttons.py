"""One way to answer a button: acknowledge at once, then, off the request thread, check the user, do
the work and answer through response_url, with one log line. Every button listener goes through it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
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


def button(app: App, deps: HandlerDeps, action_id: str, work: Work) -> None:
    """Register `work` for the button `action_id`. A button must be acknowledged within 3 s and its
    acknowledgement shows nothing, so every answer goes through response_url, from the background."""

    @app.action(action_id)
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, value = user_of(body), str(action.get("value", ""))

        def answer() -> None:
            started = time.perf_counter()
            reason, profile = deps.user_gate.check(user_id)
            outcome = f"refused_{reason}" if reason else "ok"
            if reason is not None:
                respond({**refusal_message(reason), "replace_original": False})
            else:
                done = work(profile or SlackProfile(user_id), value)
                if done is None:
                    outcome = "bad_value"
                    respond({**error_message(), "replace_original": False})
                else:
                    respond({**done[0], "replace_original": done[1]})
            log.info(
                "event=action action=%s user=%s outcome=%s duration_ms=%.1f",
                action_id, user_id, outcome, (time.perf_counter() - started) * 1000,
            )  # fmt: skip

        run_later(deps.executor, action_id, user_id, answer, respond)
