"""Buttons: *Details* (a project's card) and *More* (the next page of a `find`)."""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.slack.blocks import (
    ACTION_DETAILS,
    ACTION_MORE,
    error_message,
    find_message,
    parse_more_value,
    project_message,
    refusal_message,
)
from handlers.background import run_later, user_of
from handlers.deps import HandlerDeps

log = logging.getLogger("handlers.actions")


def register(app: App, deps: HandlerDeps) -> None:
    # Both acknowledge first: a button must be acknowledged within 3 s and its acknowledgement shows
    # nothing, so every answer goes through response_url, from the background.
    @app.action(ACTION_DETAILS)
    def details(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, value = user_of(body), str(action.get("value", ""))

        def work() -> None:
            started = time.perf_counter()
            reason = deps.user_gate.refusal(user_id)
            if reason is not None:
                respond({**refusal_message(reason), "replace_original": False})
            elif not (value.isascii() and value.isdigit() and len(value) <= 18):  # not a value we made
                respond({**error_message(), "replace_original": False})
            else:
                # A new message: the list the button sits in stays, so another project can be opened.
                answer = deps.discovery.project_by_id(int(value))
                respond({**project_message(answer, _subscribed(deps, user_id)), "replace_original": False})
            _log(ACTION_DETAILS, user_id, reason, started)

        run_later(deps.executor, ACTION_DETAILS, user_id, work, respond)

    @app.action(ACTION_MORE)
    def more(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id, parsed = user_of(body), parse_more_value(str(action.get("value", "")))

        def work() -> None:
            started = time.perf_counter()
            reason = deps.user_gate.refusal(user_id)
            if reason is not None:
                respond({**refusal_message(reason), "replace_original": False})
            elif parsed is None:
                respond({**error_message(), "replace_original": False})
            else:
                text, offset = parsed
                # Paging replaces the page: one list that moves on, not a trail of stale *More* buttons.
                found = deps.discovery.find(text, offset)
                respond({**find_message(found, _subscribed(deps, user_id)), "replace_original": True})
            _log(ACTION_MORE, user_id, reason, started)

        run_later(deps.executor, ACTION_MORE, user_id, work, respond)


def _subscribed(deps: HandlerDeps, user_id: str) -> frozenset[int] | None:
    """The caller's subscribed projects, for *Subscribe*/*Unsubscribe* buttons (None: no buttons)."""
    return deps.subscriptions.subscribed_projects(user_id) if deps.subscriptions else None


def _log(action_id: str, user_id: str, refusal: str | None, started: float) -> None:
    log.info(
        "event=action action=%s user=%s outcome=%s duration_ms=%.1f",
        action_id,
        user_id,
        f"refused_{refusal}" if refusal else "ok",
        (time.perf_counter() - started) * 1000,
    )
