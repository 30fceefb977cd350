"""Slack messages (text + Block Kit) as readable terminal text, with their buttons numbered to press.

Pure functions, no IO. mrkdwn is turned into what a person would see in Slack: links show their
label and address, mentions show as @name, and the entities `&lt; &gt; &amp;` are decoded last, so
text a user or forge wrote (escaped, hence inert, on the wire) reads exactly as it was typed.
Bold and italic markers (`*`, `_`) are kept as they are: they read well in a terminal, and stripping
them would eat the underscores of names like `snake_case_lib`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

RULE = "-" * 40

# The shortcodes the bot uses; any other stays as typed (a terminal has no emoji picker to match).
EMOJI = {
    ":white_check_mark:": "✓",
    ":heavy_check_mark:": "✓",
    ":x:": "✗",
    ":warning:": "⚠",
    ":construction:": "🚧",
    ":hourglass_flowing_sand:": "⏳",
    ":tada:": "🎉",
}
_EMOJI = re.compile(r":[a-z0-9_+-]+:")
_SPECIAL = re.compile(r"<([^<>]*)>")
_BROADCASTS = ("channel", "here", "everyone", "group")


@dataclass(frozen=True)
class Button:
    """A button a person can press in the console: `press <number>`."""

    number: int
    label: str
    action_id: str
    value: str
    block_id: str
    url: str | None = None


@dataclass(frozen=True)
class Rendered:
    text: str
    buttons: tuple[Button, ...]


def emoji(text: str) -> str:
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(0), m.group(0)), text)


def unescape(text: str) -> str:
    """Slack's three entities; `&amp;` last, so `&amp;lt;` shows as the `&lt;` someone typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _special(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # <@U123> or <@U123|name>
        return "@" + (label or target[1:])
    if target.startswith("#"):  # <#C123|name>
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!channel>, <!subteam^S1|@team>, <!date^...|fallback>
        word = target[1:]
        if word in _BROADCASTS:
            return "@" + word
        return label or "@" + word.split("^")[0]
    if not label or label == target:
        return target
    return f"{label} ({target})"


def mrkdwn_to_plain(text: str) -> str:
    return unescape(emoji(_SPECIAL.sub(_special, text)))


def text_object(obj: Mapping[str, Any] | None) -> str:
    """A Block Kit text object. plain_text is not parsed for links or mentions, but Slack stores
    its `&`, `<`, `>` as entities too (slackapi/bolt-python#513), so those are decoded."""
    if not obj:
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_plain(text)
    return unescape(emoji(text))


class _Renderer:
    def __init__(self, first_button: int) -> None:
        self.lines: list[str] = []
        self.buttons: list[Button] = []
        self._next = first_button

    def button(self, element: Mapping[str, Any], block_id: str) -> str:
        label = text_object(element.get("text"))
        url = element.get("url")
        self.buttons.append(
            Button(
                number=self._next,
                label=label,
                action_id=str(element.get("action_id", "")),
                value=str(element.get("value", "")),
                block_id=block_id,
                url=str(url) if url else None,
            )
        )
        self._next += 1
        shown = f"[{label}] ({self._next - 1})"
        return f"{shown} {url}" if url else shown

    def element(self, element: Mapping[str, Any], block_id: str) -> str:
        kind = element.get("type")
        if kind == "button":
            return self.button(element, block_id)
        if kind in ("mrkdwn", "plain_text"):
            return text_object(element)
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        placeholder = text_object(element.get("placeholder"))
        return f"[{kind}: {placeholder}]" if placeholder else f"[{kind}]"

    def block(self, block: Mapping[str, Any]) -> None:
        kind = block.get("type")
        block_id = str(block.get("block_id", ""))
        if kind == "header":
            title = text_object(block.get("text")).upper()
            self.lines += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                self.lines.append(text_object(block.get("text")))
            for field in block.get("fields", []):
                self.lines.append(text_object(field).replace("\n", ": "))
            if block.get("accessory"):
                self.lines.append(self.element(block["accessory"], block_id))
        elif kind == "context":
            self.lines.append(" · ".join(self.element(e, block_id) for e in block.get("elements", [])))
        elif kind == "divider":
            self.lines.append(RULE)
        elif kind == "actions":
            self.lines.append("  ".join(self.element(e, block_id) for e in block.get("elements", [])))
        elif kind == "image":
            self.lines.append(f"[image: {block.get('alt_text', '')}]")
        else:
            self.lines.append(f"[{kind} block]")


def render_blocks(blocks: Sequence[Mapping[str, Any]], first_button: int = 1) -> Rendered:
    renderer = _Renderer(first_button)
    for block in blocks:
        renderer.block(block)
    return Rendered("\n".join(renderer.lines), tuple(renderer.buttons))


def render_message(message: Mapping[str, Any], first_button: int = 1) -> Rendered:
    """A message body (`text` + `blocks`) or a view (`blocks`); `text` is shown when there are no blocks."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, first_button)
    return Rendered(mrkdwn_to_plain(str(message.get("text") or "")), ())
