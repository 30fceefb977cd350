"""Block Kit for trusted-committer nominations: the card each maintainer gets (and what it says once
decided), the Decline modal, the answer to the maintainer who decided; and the `nomination` composer
the outbox deliverer calls at send time.

Views in (bot/services/progression_views.py), messages out; every forge- or user-supplied string is
escaped (bot/slack/mrkdwn.py) and every message fitted to Slack's limits (bot/slack/limits.py).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from bot.config import LevelSettings
from bot.db.operations import OutboxEntry
from bot.db.progression import NOMINATION_APPROVED, NOMINATION_PENDING
from bot.services.outbox import Drop
from bot.services.progression import nomination_card
from bot.services.progression_views import (
    ALREADY_DECIDED,
    APPROVED,
    DECLINED,
    NOT_A_MAINTAINER,
    CardRef,
    Decision,
    NominationCard,
)
from bot.slack import texts
from bot.slack.block_kit import Block, Message, button, context, dm, section, simple
from bot.slack.issue_blocks import day
from bot.slack.mrkdwn import code, escape, link, mention, one_line, truncate_plain

ACTION_APPROVE = "nomination_approve"
ACTION_DECLINE = "nomination_decline"
DECLINE_CALLBACK = "nomination_decline"  # the modal's callback_id (a view, not an action: no clash)
REASON_BLOCK, REASON_ACTION = "decline_reason", "reason"
REASON_MAX = 500
_TITLE = 150


# -- composer (bot/slack/outbox.py calls it at send time) ------------------------------------------
def compose_nomination(session: Session, entry: OutboxEntry) -> Message | Drop:
    """Kind `nomination`: payload {"nomination_id", "window_days"}; a card for a pending nomination only."""
    nomination_id = _number(entry.payload.get("nomination_id"))
    if nomination_id is None:
        return Drop("nomination: bad payload")
    window_days = _number(entry.payload.get("window_days")) or LevelSettings().window_days
    card = nomination_card(session, nomination_id, window_days)
    if card is None:
        return Drop("nomination gone")
    if card.status != NOMINATION_PENDING:
        return Drop(f"nomination already {card.status}")
    return nomination_message(card)


# -- messages --------------------------------------------------------------------------------
def nomination_message(card: NominationCard) -> Message:
    """The card a maintainer gets: who, where, the counts, the latest work, and *Approve*/*Decline*
    while pending; once decided, who decided (and why) instead of the buttons. A DM: no response_type."""
    return dm(_fallback(card), _card_blocks(card))


def _card_blocks(card: NominationCard) -> list[Block]:
    project = link(card.project_url, card.project_full_name)
    lines = [
        texts.nomination_heading(_candidate(card), project),
        texts.nomination_counts(card.merged_window, card.reviews_window, card.window_days, card.forge),
    ]
    blocks: list[Block] = [section("\n".join(lines))]
    if card.latest:
        items = [
            f"• {texts.ITEM_KINDS.get(i.kind, escape(i.kind))} {link(i.url, _item_title(i.number, i.title))}"
            f" · {day(i.occurred_at)}"
            for i in card.latest[:3]
        ]
        blocks.append(section(f"*{texts.NOMINATION_LATEST_LABEL}*\n" + "\n".join(items)))
    by = mention(card.decided_by) or texts.NONE_KNOWN
    if card.status == NOMINATION_PENDING:
        blocks.append(section(texts.nomination_ask(project)))
        approve = button(texts.NOMINATION_APPROVE_BUTTON, ACTION_APPROVE, str(card.nomination_id))
        decline = button(texts.NOMINATION_DECLINE_BUTTON, ACTION_DECLINE, str(card.nomination_id))
        elements = [{**approve, "style": "primary"}, {**decline, "style": "danger"}]
        blocks.append(
            {"type": "actions", "block_id": f"nomination:{card.nomination_id}", "elements": elements}
        )
        blocks.append(context(texts.NOMINATION_WHO_DECIDES))
    elif card.status == NOMINATION_APPROVED:
        blocks.append(section(texts.nomination_approved(by)))
    else:
        reason = escape(truncate_plain(one_line(card.reason), REASON_MAX))
        blocks.append(section(texts.nomination_declined(by, reason)))
    return blocks


def decision_reply(decision: Decision) -> Message:
    """What the maintainer who clicked sees: the decided card under one line saying what happened
    (it replaces their card), or a polite refusal beside it when nothing changed."""
    card = decision.card
    if card is None or not replaces_card(decision):
        refusal = decision.outcome == NOT_A_MAINTAINER
        return simple(texts.NOMINATION_NOT_A_MAINTAINER if refusal else texts.NOMINATION_UNKNOWN)
    who = _candidate(card)
    if decision.outcome == APPROVED:
        line = texts.decided_you_approved(who)
    elif decision.outcome == DECLINED:
        line = texts.decided_you_declined(who)
    else:
        line = texts.decided_already(mention(card.decided_by) or texts.NONE_KNOWN)
    return dm(f"{line} {_fallback(card)}", [section(line), *_card_blocks(card)])


def replaces_card(decision: Decision) -> bool:
    """Whether the answer replaces the clicked card (a decision, or news of one) or sits beside it."""
    return decision.card is not None and decision.outcome in (APPROVED, DECLINED, ALREADY_DECIDED)


def decline_modal(
    nomination_id: int, card: NominationCard | None, where: CardRef | None = None
) -> dict[str, Any]:
    """The `views.open` modal asking why (optional, at most 500 characters). `private_metadata` carries
    the nomination id and, when known, the clicked card so it can be updated after the submission."""
    metadata: dict[str, Any] = {"nomination": nomination_id}
    if where is not None:
        metadata |= {"channel": where.channel_id, "ts": where.message_ts}
    intro = (
        texts.nomination_heading(_candidate(card), link(card.project_url, card.project_full_name))
        if card is not None
        else texts.NOMINATION_MODAL_TITLE
    )
    reason_input = {
        "type": "input",
        "block_id": REASON_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": texts.NOMINATION_MODAL_REASON},
        "hint": {"type": "plain_text", "text": texts.NOMINATION_MODAL_HINT},
        "element": {
            "type": "plain_text_input",
            "action_id": REASON_ACTION,
            "multiline": True,
            "max_length": REASON_MAX,
        },
    }
    return {
        "type": "modal",
        "callback_id": DECLINE_CALLBACK,
        "title": {"type": "plain_text", "text": texts.NOMINATION_MODAL_TITLE},
        "submit": {"type": "plain_text", "text": texts.NOMINATION_MODAL_SUBMIT},
        "close": {"type": "plain_text", "text": texts.NOMINATION_MODAL_CLOSE},
        "private_metadata": json.dumps(metadata),
        "blocks": [section(intro), reason_input],
    }


def parse_decline_metadata(text: str) -> tuple[int, CardRef | None] | None:
    """(nomination id, the clicked card) from a Decline modal's private_metadata; None if not ours."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or (nomination_id := _number(data.get("nomination"))) is None:
        return None
    channel, ts = data.get("channel"), data.get("ts")
    where = CardRef(channel, ts) if isinstance(channel, str) and isinstance(ts, str) else None
    return nomination_id, where


def reason_of(view: dict[str, Any]) -> str:
    """The reason typed in a submitted Decline modal ("" when left empty), at most 500 characters."""
    values = ((view.get("state") or {}).get("values") or {}).get(REASON_BLOCK) or {}
    value = (values.get(REASON_ACTION) or {}).get("value") or ""
    return str(value).strip()[:REASON_MAX]


def parse_nomination_value(value: str) -> int | None:
    return _number(value)


# -- pieces ---------------------------------------------------------------------------------------
def _candidate(card: NominationCard) -> str:
    login = code(truncate_plain(card.login, 80))
    shown = mention(card.slack_user_id)
    return f"{shown} ({login})" if shown else login


def _fallback(card: NominationCard) -> str:
    return texts.nomination_fallback(_candidate(card), escape(one_line(card.project_full_name)))


def _item_title(number: int, title: str) -> str:
    """Raw `#12 Title` for a link label (link() escapes it)."""
    return truncate_plain(one_line(f"#{number} {title}"), _TITLE)


def _number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    text = str(value or "")
    number = int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 18 else 0
    return number or None
