"""The App Home tab: publishing it (`publish_home`, also for `app_home_opened` in handlers/events.py) and
its controls — the cadence select, *Unsubscribe* on a subscription, *Subscribe*/*Unsubscribe* on a new
project. A control changes the subscription through SubscriptionService and publishes the tab again.

A Home tab's block_actions come without a response_url, so these are not `handlers.buttons.button`s:
the answer is the tab itself. Like every listener: acknowledge at once, then, off the request thread,
check the user, do the work, publish, one log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db.people import CADENCES
from bot.services.home import HomeView
from bot.services.identity import SlackProfile
from bot.services.subscription_terms import PROJECT
from bot.slack.home_blocks import (
    ACTION_CADENCE,
    ACTION_SUBSCRIBE,
    ACTION_UNSUBSCRIBE,
    home_tab,
    parse_unsubscribe_value,
    refused_tab,
)
from bot.slack.subscription_blocks import parse_project_value
from handlers.background import run_later, user_of
from handlers.deps import HandlerDeps

log = logging.getLogger("handlers.home")

# (the person, the control's value) → True when it was a value we made (the change is done).
Control = Callable[[SlackProfile, str], bool]


def publish_home(deps: HandlerDeps, client: WebClient, user_id: str, trigger: str) -> None:
    """Check the user, read their Home, render it and `views.publish` it (refused: the notice)."""
    started = time.perf_counter()
    reason, profile = deps.user_gate.check(user_id)
    if reason is not None:
        view = refused_tab(reason)
    elif deps.home is not None:
        view = home_tab(deps.home.home(profile or SlackProfile(user_id)))
    else:  # an app wired without the Home service still shows what the bot is
        view = home_tab(HomeView(deps.discovery.catalog_size()))
    client.views_publish(user_id=user_id, view=view)
    log.info(
        "event=home_published user=%s trigger=%s outcome=%s blocks=%d duration_ms=%.1f",
        user_id, trigger, f"refused_{reason}" if reason else "ok", len(view["blocks"]),
        (time.perf_counter() - started) * 1000,
    )  # fmt: skip


def register(app: App, deps: HandlerDeps) -> None:
    if deps.subscriptions is None:
        return
    service = deps.subscriptions

    def cadence(profile: SlackProfile, value: str) -> bool:
        if value not in CADENCES:
            return False
        service.set_cadence(profile, value)
        return True

    def unsubscribe(profile: SlackProfile, value: str) -> bool:
        parsed = parse_unsubscribe_value(value)
        if parsed is None:
            return False
        kind, term = parsed
        if kind == PROJECT:
            service.unsubscribe_project(profile, int(term))
        else:  # one word `kind:value`, which `unsubscribe` finds among their own subscriptions
            service.unsubscribe(profile, f"{kind}:{term}")
        return True

    def subscribe(profile: SlackProfile, value: str) -> bool:
        project_id = parse_project_value(value)
        if project_id is None:
            return False
        service.subscribe_project(profile, project_id)
        return True

    _control(app, deps, ACTION_CADENCE, cadence)
    _control(app, deps, ACTION_UNSUBSCRIBE, unsubscribe)
    _control(app, deps, ACTION_SUBSCRIBE, subscribe)


def _control(app: App, deps: HandlerDeps, action_id: str, work: Control) -> None:
    @app.action(action_id)
    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id, value = user_of(body), _value(action)

        def answer() -> None:
            reason, profile = deps.user_gate.check(user_id)
            outcome = f"refused_{reason}" if reason else "ok"
            if reason is None and not work(profile or SlackProfile(user_id), value):
                outcome = "bad_value"
            log.info("event=home_action action=%s user=%s outcome=%s", action_id, user_id, outcome)
            publish_home(deps, client, user_id, action_id)  # the tab as it is now, or the notice

        run_later(deps.executor, action_id, user_id, answer, None)


def _value(action: dict[str, Any]) -> str:
    """A button's value, or a select's chosen option's."""
    selected = action.get("selected_option") or {}
    return str(selected.get("value") if selected else action.get("value", ""))
