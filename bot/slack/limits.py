"""Slack's message limits, enforced on every message bot/slack/blocks.py builds, whatever the input size.

Limits, from Slack's Block Kit reference (docs.slack.dev/reference/block-kit/...):
- blocks: "up to 50 blocks in each message, and 100 blocks in modals or Home tabs";
- section block: `text` 1 to 3000 characters; at most 10 `fields`, each at most 2000 characters;
- header block: plain_text at most 150 characters;
- actions block: at most 25 elements; context block: at most 10 elements;
- button element: `text` at most 75 characters, `value` at most 2000, `url` at most 3000.
The top-level `text` is truncated by Slack beyond 40,000 characters (api.slack.com changelog
"Truncating really long messages", 2018) and long ones may be split into several messages, so the fallback
is kept far shorter. Slack also rejects messages whose blocks hold too much text in total
(`msg_blocks_too_long`, about 12,000 characters; undocumented, see slackapi/bolt-js#2509 and #2867), so
the blocks' text is held to a budget below that.
"""

from __future__ import annotations

from typing import Any

from bot.slack import texts
from bot.slack.mrkdwn import truncate_mrkdwn, truncate_plain

MAX_BLOCKS_MESSAGE = 50
MAX_BLOCKS_VIEW = 100
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_URL = 3000
MAX_FALLBACK_TEXT = 3000  # Slack's hard limit is 40,000; a notification needs far less
MAX_BLOCKS_TEXT_TOTAL = 10_000  # below the ~12,000 at which Slack answers msg_blocks_too_long

Block = dict[str, Any]


def fit_message(message: dict[str, Any], max_blocks: int = MAX_BLOCKS_MESSAGE) -> dict[str, Any]:
    """The message with every text, list and value cut to Slack's limits; never raises, never grows."""
    fitted = dict(message)
    fallback = " ".join(str(message.get("text") or "").split()) or texts.BOT_NAME
    fitted["text"] = truncate_mrkdwn(fallback, MAX_FALLBACK_TEXT)
    if "blocks" in message:
        fitted["blocks"] = fit_blocks(message["blocks"], max_blocks)
    return fitted


def fit_blocks(blocks: list[Block], max_blocks: int = MAX_BLOCKS_MESSAGE) -> list[Block]:
    fitted: list[Block] = []
    budget = MAX_BLOCKS_TEXT_TOTAL
    for index, block in enumerate(blocks):
        block = _fit_block(block)
        size = _text_size(block)
        more_than_fit = len(fitted) == max_blocks - 1 and index < len(blocks) - 1
        if more_than_fit or size > budget:
            fitted.append(_notice())  # the last slot says something is missing rather than hiding it
            break
        budget -= size
        fitted.append(block)
    return fitted


def _notice() -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": texts.TRUNCATED}]}


def _fit_block(block: Block) -> Block:
    kind = block.get("type")
    block = dict(block)
    if kind == "section":
        if "text" in block:
            block["text"] = _fit_text(block["text"], MAX_SECTION_TEXT)
        if "fields" in block:
            block["fields"] = [_fit_text(f, MAX_FIELD_TEXT) for f in block["fields"][:MAX_FIELDS]]
        if isinstance(block.get("accessory"), dict) and block["accessory"].get("type") == "button":
            block["accessory"] = _fit_button(block["accessory"])
    elif kind == "header":
        block["text"] = _fit_text(block["text"], MAX_HEADER_TEXT)
    elif kind == "context":
        block["elements"] = [_fit_text(e, MAX_SECTION_TEXT) for e in block["elements"][:MAX_CONTEXT_ELEMENTS]]
    elif kind == "actions":
        block["elements"] = [
            _fit_button(e) if e.get("type") == "button" else e
            for e in block["elements"][:MAX_ACTIONS_ELEMENTS]
        ]
    return block


def _fit_text(obj: dict[str, Any], limit: int) -> dict[str, Any]:
    if obj.get("type") not in ("mrkdwn", "plain_text"):
        return obj
    text = str(obj.get("text") or "") or " "  # Slack rejects empty text objects
    cut = truncate_mrkdwn(text, limit) if obj["type"] == "mrkdwn" else truncate_plain(text, limit)
    return {**obj, "text": cut}


def _fit_button(button: dict[str, Any]) -> dict[str, Any]:
    fitted = {**button, "text": _fit_text(button["text"], MAX_BUTTON_TEXT)}
    if "value" in fitted:
        # Builders keep values short (bot/slack/blocks.py `more_value`); this is the last line of defence.
        fitted["value"] = str(fitted["value"])[:MAX_BUTTON_VALUE]
    if "url" in fitted and len(str(fitted["url"])) > MAX_BUTTON_URL:
        del fitted["url"]
    return fitted


def _text_size(block: Block) -> int:
    """Characters of text a block carries, as Slack counts them towards msg_blocks_too_long."""
    total = 0
    stack: list[Any] = [block]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    total += len(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return total
