"""The welcome DM's *Subscribe* buttons: one topic each, subscribed as `subscribe topic:X` would."""

from __future__ import annotations

from slack_bolt import App

from bot.services.identity import SlackProfile
from bot.slack.subscription_blocks import subscription_change_message
from bot.slack.welcome_blocks import ACTION_SUBSCRIBE_TOPIC
from handlers.buttons import Message, button
from handlers.deps import HandlerDeps


def register(app: App, deps: HandlerDeps) -> None:
    if deps.subscriptions is None:
        return
    service = deps.subscriptions

    def subscribe_topic(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        # A topic key is one word (bot/catalog/search_text.py topic_key); anything else is not ours.
        if not value or len(value) > 255 or any(ch.isspace() for ch in value):
            return None
        # A note beside the welcome, which stays as it is: its other topics can still be chosen.
        return subscription_change_message(service.subscribe(profile, f"topic:{value}")), False

    button(app, deps, ACTION_SUBSCRIBE_TOPIC, subscribe_topic)
