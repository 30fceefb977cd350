"""Buttons on good-first-issues: *Claim*, *Not interested*, *Open issue* (a link) and `issues`' *More*."""

from __future__ import annotations

from slack_bolt import Ack, App

from bot.services.identity import SlackProfile
from bot.slack.blocks import parse_more_value
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
from handlers.buttons import Message, button
from handlers.deps import HandlerDeps


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

    button(app, deps, ACTION_CLAIM, claim)
    button(app, deps, ACTION_NOT_INTERESTED, not_interested)
    button(app, deps, ACTION_ISSUES_MORE, more)

    @app.action(ACTION_OPEN)
    def open_issue(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL itself and tells us; nothing to answer
