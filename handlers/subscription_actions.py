"""Buttons: *Subscribe* and *Unsubscribe* on `find` hits, project cards and "did you mean" answers."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from bot.services.identity import SlackProfile
from bot.services.subscriptions import SubscriptionChange
from bot.slack.subscription_blocks import (
    ACTION_SUBSCRIBE,
    ACTION_UNSUBSCRIBE,
    parse_project_value,
    subscription_change_message,
)
from handlers.buttons import Message, Work, button
from handlers.deps import HandlerDeps

Change = Callable[[SlackProfile, int], SubscriptionChange]


def register(app: App, deps: HandlerDeps) -> None:
    if deps.subscriptions is None:
        return
    service = deps.subscriptions
    button(app, deps, ACTION_SUBSCRIBE, _change(service.subscribe_project))
    button(app, deps, ACTION_UNSUBSCRIBE, _change(service.unsubscribe_project))


def _change(change: Change) -> Work:
    # A short note beside the message the button sits in, so the list stays usable.
    def work(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        project_id = parse_project_value(value)
        if project_id is None:
            return None
        return subscription_change_message(change(profile, project_id)), False

    return work
