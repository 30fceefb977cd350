"""Buttons: *Subscribe* and *Unsubscribe* on `find` hits, project cards and "did you mean" answers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services.identity import SlackProfile
from bot.services.subscriptions import SubscriptionChange
from bot.slack.blocks import error_message, refusal_message
from bot.slack.subscription_blocks import (
    ACTION_SUBSCRIBE,
    ACTION_UNSUBSCRIBE,
    parse_project_value,
    subscription_change_message,
)
from handlers.background import run_later, user_of
from handlers.deps import HandlerDeps

log = logging.getLogger("handlers.subscription_actions")

Change = Callable[[SlackProfile, int], SubscriptionChange]


def register(app: App, deps: HandlerDeps) -> None:
    if deps.subscriptions is None:
        return
    service = deps.subscriptions
    _button(app, deps, ACTION_SUBSCRIBE, service.subscribe_project)
    _button(app, deps, ACTION_UNSUBSCRIBE, service.unsubscribe_project)


def _button(app: App, deps: HandlerDeps, action_id: str, change: Change) -> None:
    # Acknowledge first (nothing to show in it), then answer through response_url with a short note
    # beside the message the button sits in, so the list stays usable.
    @app.action(action_id)
    def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, project_id = user_of(body), parse_project_value(str(action.get("value", "")))

        def work() -> None:
            started = time.perf_counter()
            reason, profile = deps.user_gate.check(user_id)
            if reason is not None:
                respond({**refusal_message(reason), "replace_original": False})
            elif project_id is None:
                respond({**error_message(), "replace_original": False})
            else:
                answer = change(profile or SlackProfile(user_id), project_id)
                respond({**subscription_change_message(answer), "replace_original": False})
            log.info(
                "event=action action=%s user=%s outcome=%s duration_ms=%.1f",
                action_id, user_id, f"refused_{reason}" if reason else "ok",
                (time.perf_counter() - started) * 1000,
            )  # fmt: skip

        run_later(deps.executor, action_id, user_id, work, respond)
