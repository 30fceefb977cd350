"""Block Kit's small pieces, shared by every message builder (bot/slack/blocks.py and its siblings).

`message()` is the one way a builder finishes a message: it applies bot/slack/limits.py, so no input can
exceed Slack's limits. Text given to these pieces must already be escaped (bot/slack/mrkdwn.py).
"""

from __future__ import annotations

from typing import Any

from bot.slack.limits import fit_message

Message = dict[str, Any]
Block = dict[str, Any]


def message(fallback: str, blocks: list[Block]) -> Message:
    return fit_message({"response_type": "ephemeral", "text": fallback, "blocks": blocks})


def dm(fallback: str, blocks: list[Block]) -> Message:
    """A DM, or a message to update in place (chat.postMessage, chat.update, replace_original): no
    response_type, which is for answers to a command and would try to make it ephemeral."""
    return fit_message({"text": fallback, "blocks": blocks})


def simple(text: str) -> Message:
    return message(text, [section(text)])


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str, accessory: dict[str, Any] | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def header(text: str) -> Block:
    # plain_text: Slack shows it verbatim, nothing to escape
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def context(*elements: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(e) for e in elements]}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
