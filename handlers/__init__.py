"""Slack listeners and webhook endpoints: parse, call a service, render, reply.

`register_all(app, deps)` is the one entry point; importing these modules registers nothing.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    actions,
    commands,
    errors,
    events,
    home_actions,
    issue_actions,
    nomination_actions,
    subscription_actions,
    welcome_actions,
)
from handlers.deps import ANSWER_DEADLINE_SECONDS, HandlerDeps


def register_all(app: App, deps: HandlerDeps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    subscription_actions.register(app, deps)
    issue_actions.register(app, deps)
    nomination_actions.register(app, deps)
    home_actions.register(app, deps)
    welcome_actions.register(app, deps)
    events.register(app, deps)
    errors.register(app)


__all__ = ["ANSWER_DEADLINE_SECONDS", "HandlerDeps", "register_all"]
