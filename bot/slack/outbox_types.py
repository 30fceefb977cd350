"""What the outbox deliverer hands around: the message it posts, composers, a pass's report, notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session

from bot.db.operations import OutboxEntry
from bot.services.outbox import Drop
from bot.slack.block_kit import section
from bot.slack.limits import fit_message
from bot.slack.mrkdwn import escape

Message = dict[str, Any]  # chat.postMessage arguments: text (the fallback) and blocks
Composer = Callable[[Session, OutboxEntry], "Message | Drop"]
EVENT_TYPE = "innersource_outbox"  # the Slack message metadata type that carries an outbox key


def compose_notice(session: Session, entry: OutboxEntry) -> Message:
    """Kind `notice`: payload {"text": "..."}, shown as escaped plain words."""
    text = escape(str(entry.payload.get("text") or "")).strip() or "…"
    return fit_message({"text": text, "blocks": [section(text)]})


@dataclass(frozen=True)
class DeliveryReport:
    """One pass: rows claimed, and what became of them."""

    claimed: int = 0
    sent: int = 0
    dropped: int = 0
    failed: int = 0
    retried: int = 0  # 5xx/timeout/connection backed off, or a 429 waited
    recovered: int = 0  # found already posted (key in the conversation): marked sent, not re-sent
    deferred: int = 0  # pacing said later: rescheduled without a Slack call
    waiting: int = 0  # its channel refuses posts (not found, archived…): tried again within the hour

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def summary(self) -> str:
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))
