"""Events: the App Home tab (`app_home_opened`), and the welcome to people who join the announce channel
(`member_joined_channel`).

Both acknowledge at once and work off the request thread. Slack redelivers an event it thinks we
missed (`X-Slack-Retry-Num`, the same `event_id`) and nothing in the app deduplicates events as such;
neither needs it: publishing a Home tab again shows the same tab, and the welcome's outbox key
(`welcome:<user>`) lets only the first delivery queue a DM — a retry finds the key and stops there,
after Slack answers that are cached (the user's verdict, the channel's name). The welcome is logged
with the event id and retry number.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.slack.channels import ConfiguredChannel
from handlers.background import run_later
from handlers.deps import HandlerDeps
from handlers.home_actions import publish_home

log = logging.getLogger("handlers.events")


def register(app: App, deps: HandlerDeps) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":  # the Messages tab needs nothing from us
            return
        user_id = str(event.get("user", ""))
        # Slack is answered first; the user check, the reads and views.publish may take a while.
        run_later(
            deps.executor,
            "app_home_opened",
            user_id,
            lambda: publish_home(deps, client, user_id, "opened"),
            None,
        )

    welcome = deps.welcome
    announce = ConfiguredChannel(app.client, welcome.channel) if welcome and welcome.channel else None

    @app.event("member_joined_channel")
    def member_joined(
        event: dict[str, Any], body: dict[str, Any], context: BoltContext, request: BoltRequest
    ) -> None:
        user_id, channel_id = str(event.get("user") or ""), str(event.get("channel") or "")
        if welcome is None or announce is None:
            return  # no announce channel configured: nobody is welcomed
        if not user_id or user_id == context.bot_user_id:
            return  # Bolt passes the bot's own joins on (IgnoringSelfEvents keeps this event type)
        event_id = str(body.get("event_id") or "-")
        retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]

        def work() -> None:
            if not announce.matches(channel_id):
                outcome = "other_channel"
            elif reason := deps.user_gate.refusal(user_id):
                outcome = f"refused_{reason}"  # never welcomed: guests, outsiders, bots, deactivated
            else:
                outcome = welcome.welcome(user_id, channel_id)
            log.info(
                "event=member_joined user=%s channel=%s event_id=%s retry=%s outcome=%s",
                user_id, channel_id, event_id, retry, outcome,
            )  # fmt: skip

        run_later(deps.executor, "member_joined_channel", user_id, work, None)
