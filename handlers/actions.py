"""Buttons: *Details* (a project's card) and *More* (the next page of a `find`)."""

from __future__ import annotations

from slack_bolt import App

from bot.services.identity import SlackProfile
from bot.slack.blocks import ACTION_DETAILS, ACTION_MORE, find_message, parse_more_value, project_message
from handlers.buttons import Message, button
from handlers.deps import HandlerDeps


def register(app: App, deps: HandlerDeps) -> None:
    def details(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        if not (value.isascii() and value.isdigit() and len(value) <= 18):  # not a value we made
            return None
        # A new message: the list the button sits in stays, so another project can be opened.
        answer = deps.discovery.project_by_id(int(value))
        return project_message(answer, deps.subscribed_projects(profile.user_id)), False

    def more(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        parsed = parse_more_value(value)
        if parsed is None:
            return None
        text, offset = parsed
        # Paging replaces the page: one list that moves on, not a trail of stale *More* buttons.
        found = deps.discovery.find(text, offset)
        return find_message(found, deps.subscribed_projects(profile.user_id)), True

    button(app, deps, ACTION_DETAILS, details)
    button(app, deps, ACTION_MORE, more)
