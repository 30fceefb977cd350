"""Buttons on good-first-issues: *Claim*, *Not interested*, *Open issue* (a link) and `issues`' *More*."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.services.identity import SlackProfile
from bot.slack.blocks import error_message, parse_more_value, refusal_message
from bot.slack.issue_blocks import (
    ACTION_CLAIM,
    ACTION_ISSUES_MORE,
    ACTION_NOT_INTERESTED,
    ACTION_OPEN,
    IN_DM,
    claim_message,
    issues_message,
    not_interested_message,
    parse_claim_value,
    parse_issue_value,
)
from handlers.background import run_later, user_of
from handlers.deps import HandlerDeps

log = logging.getLogger("handlers.issue_actions")

Message = dict[str, Any]
# (the person's profile, the button's value) → (the answer, whether it replaces the message clicked)
Work = Callable[[SlackProfile, str], tuple[Message, bool] | None]


def register(app: App, deps: HandlerDeps) -> None:
    def claim(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        parsed = parse_claim_value(value)
        if parsed is None or deps.claims is None:
            return None
        issue_id, where = parsed
        # A DM offers one issue: the answer replaces it. A digest or list stays; the answer is new.
        return claim_message(deps.claims.claim(profile, issue_id)), where == IN_DM

    def not_interested(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        issue_id = parse_issue_value(value)
        if issue_id is None or deps.claims is None:
            return None
        return not_interested_message(deps.claims.not_interested(profile, issue_id)), True

    def more(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        parsed = parse_more_value(value)
        if parsed is None or deps.issues is None:
            return None
        text, offset = parsed
        return issues_message(deps.issues.find(profile.user_id, text, offset)), True

    _listen(app, deps, ACTION_CLAIM, claim)
    _listen(app, deps, ACTION_NOT_INTERESTED, not_interested)
    _listen(app, deps, ACTION_ISSUES_MORE, more)

    @app.action(ACTION_OPEN)
    def open_issue(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL itself and tells us; nothing to answer


def _listen(app: App, deps: HandlerDeps, action_id: str, work: Work) -> None:
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
