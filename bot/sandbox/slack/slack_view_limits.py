"""What the fake Slack refuses in a published view, as Slack refuses it: too many blocks, too much text
in a block or element, too large a view.

Limits from Slack's reference (docs.slack.dev): a Home tab view holds at most 100 blocks
(reference/views/home-tab-views) and `views.publish` answers `view_too_large` for a view "greater than
250kb" (methods/views.publish, errors) — counted here strictly, as 250,000 bytes of compact JSON; section
text 3000 characters and at most 10 fields of 2000, header text 150, context 10 elements, actions 25
elements, button text 75 / value 2000 / url 3000, action_id and block_id 255, a select's options 100,
an option's text 75 and value 150 (reference/block-kit/blocks, .../block-elements,
.../composition-objects). An `action_id` must be unique within its block. Slack words a schema
violation as `invalid_arguments` with one message per problem, `[ERROR] <what> [json-pointer:<where>]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

JsonDict = dict[str, Any]
VIEW_BLOCKS = 100
VIEW_BYTES = 250_000


def view_refusal(view: JsonDict) -> JsonDict | None:
    """Slack's answer to publishing `view`, when Slack would refuse it; None when it would not."""
    if len(json.dumps(view, separators=(",", ":"), ensure_ascii=False).encode()) > VIEW_BYTES:
        return {"ok": False, "error": "view_too_large"}
    problems = list(_blocks(view.get("blocks"), "/view/blocks"))
    if not problems:
        return None
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": problems}}


def _error(what: str, pointer: str) -> str:
    return f"[ERROR] {what} [json-pointer:{pointer}]"


def _at_most(items: Any, limit: int, pointer: str) -> Iterator[str]:
    if isinstance(items, list) and len(items) > limit:
        yield _error(f"no more than {limit} items allowed", pointer)


def _length(value: Any, limit: int, pointer: str) -> Iterator[str]:
    if not isinstance(value, str) or not value:
        yield _error("must be more than 0 characters", pointer)
    elif len(value) > limit:
        yield _error(f"must be less than {limit + 1} characters", pointer)


def _text(obj: Any, limit: int, pointer: str) -> Iterator[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("mrkdwn", "plain_text"):
        yield _error("must be a text object", pointer)
        return
    yield from _length(obj.get("text"), limit, f"{pointer}/text")


def _blocks(blocks: Any, pointer: str) -> Iterator[str]:
    if not isinstance(blocks, list):
        yield _error("must be an array", pointer)
        return
    yield from _at_most(blocks, VIEW_BLOCKS, pointer)
    for index, block in enumerate(blocks):
        yield from _block(block, f"{pointer}/{index}")


def _block(block: Any, pointer: str) -> Iterator[str]:
    if not isinstance(block, dict):
        yield _error("must be an object", pointer)
        return
    if "block_id" in block:
        yield from _length(block["block_id"], 255, f"{pointer}/block_id")
    kind = block.get("type")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            yield _error("must provide either text or fields", pointer)
        if "text" in block:
            yield from _text(block["text"], 3000, f"{pointer}/text")
        fields = block.get("fields") or []
        yield from _at_most(fields, 10, f"{pointer}/fields")
        for index, field in enumerate(fields):
            yield from _text(field, 2000, f"{pointer}/fields/{index}")
        if "accessory" in block:
            yield from _element(block["accessory"], f"{pointer}/accessory")
    elif kind == "header":
        yield from _text(block.get("text"), 150, f"{pointer}/text")
    elif kind == "context":
        elements = block.get("elements") or []
        yield from _at_most(elements, 10, f"{pointer}/elements")
        for index, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text"):
                yield from _text(element, 3000, f"{pointer}/elements/{index}")
    elif kind == "actions":
        elements = block.get("elements") or []
        yield from _at_most(elements, 25, f"{pointer}/elements")
        seen: set[str] = set()
        for index, element in enumerate(elements):
            where = f"{pointer}/elements/{index}"
            yield from _element(element, where)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id in seen:
                yield _error("action_id must be unique within the block", f"{where}/action_id")
            if isinstance(action_id, str):
                seen.add(action_id)


def _element(element: Any, pointer: str) -> Iterator[str]:
    if not isinstance(element, dict):
        yield _error("must be an object", pointer)
        return
    if "action_id" in element:
        yield from _length(element["action_id"], 255, f"{pointer}/action_id")
    kind = element.get("type")
    if kind == "button":
        yield from _text(element.get("text"), 75, f"{pointer}/text")
        if "value" in element:
            yield from _length(element["value"], 2000, f"{pointer}/value")
        if "url" in element:
            yield from _length(element["url"], 3000, f"{pointer}/url")
    elif kind == "static_select":
        options = element.get("options")
        if not isinstance(options, list) or not options:
            yield _error("must provide options or option_groups", pointer)
            return
        yield from _at_most(options, 100, f"{pointer}/options")
        for index, option in enumerate(options):
            yield from _option(option, f"{pointer}/options/{index}")
        if "initial_option" in element:
            yield from _option(element["initial_option"], f"{pointer}/initial_option")
        if "placeholder" in element:
            yield from _text(element["placeholder"], 150, f"{pointer}/placeholder")


def _option(option: Any, pointer: str) -> Iterator[str]:
    if not isinstance(option, dict):
        yield _error("must be an object", pointer)
        return
    yield from _text(option.get("text"), 75, f"{pointer}/text")
    yield from _length(option.get("value"), 150, f"{pointer}/value")
