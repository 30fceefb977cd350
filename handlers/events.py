"""Events: the App Home tab, and channel joins (acknowledged; the welcome DM is a later issue)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.blocks import home_view
from handlers.background import run_later
from handlers.deps import HandlerDeps
from handlers.subcommands import HELP_LINES

log = logging.getLogger("handlers.events")


def register(app: App, deps: HandlerDeps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":  # the Messages tab needs nothing from us
            return
        user_id = str(event.get("user", ""))

        def publish() -> None:  # Slack is answered first; the lookup and views.publish may be slow
            reason = deps.user_gate.refusal(user_id)
            view = home_view(deps.discovery.catalog_size(), HELP_LINES, refusal=reason)
            client.views_publish(user_id=user_id, view=view)
            log.info(
                "event=home_published user=%s outcome=%s", user_id, f"refused_{reason}" if reason else "ok"
            )

        run_later(deps.executor, "app_home_opened", user_id, publish, None)

    @app.event("member_joined_channel")
    def member_joined(event: dict[str, Any]) -> None:
        # Registered so Slack gets its 200 and does not retry the delivery. The welcome DM to people who
        # join the announce channel is a later issue.
        return None
