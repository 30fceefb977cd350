"""What becomes of an outbox row the deliverer could not simply send: put back for later (429, pacing,
a channel that refuses posts), retried with backoff (5xx, timeouts), dropped (a refused recipient) or
failed with the reason. `Deliverer` (bot/slack/outbox.py) is an `Outcomes`."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db.operations import DROPPED, FAILED, PENDING, SENDING
from bot.slack import outbox_store as store
from bot.slack.outbox_calls import Answer
from bot.slack.outbox_channels import CHANNEL_WAIT_ERRORS, ChannelCare, is_channel
from bot.slack.outbox_pacing import POST_MESSAGE, Pacer
from bot.slack.outbox_recipients import RECIPIENT_REFUSED

log = logging.getLogger("bot.slack.outbox")  # the deliverer's log: one logger for all it does


class Outcomes:
    """The deliverer's bookkeeping after a Slack call; the attributes are the Deliverer's."""

    _sessions: sessionmaker[Session]
    _clock: Clock
    _channels: ChannelCare
    _rng: random.Random
    _backoff: float
    _backoff_cap: float
    pacer: Pacer
    worker_id: str
    max_attempts: int

    def _drop_refused(self, row: store.Claimed, refusal: str) -> str:
        reason = f"recipient refused: {refusal}"
        self._finish(row, DROPPED, last_error=reason)
        log.info("event=delivery_dropped key=%s reason=%s", row.key, reason)
        return DROPPED

    def _failed_call(
        self, row: store.Claimed, method: str, answer: Answer, attempts: int, posted_maybe: bool = False
    ) -> str:
        if answer.kind in ("rate_limited", "paced"):
            if answer.reason == "ratelimited":
                until = self.pacer.rate_limited(method, answer.wait_seconds)
                log.warning(
                    "event=delivery_rate_limited method=%s retry_after=%.0f", method, answer.wait_seconds
                )
            else:
                until = self._clock() + timedelta(seconds=answer.wait_seconds)
            # A 429 means the post was refused, so a post goes back to pending; a recovery stays sending.
            self._reschedule(row, until, keep_sending=not posted_maybe)
            return "retried" if answer.reason == "ratelimited" else "deferred"
        if answer.kind == "transient":
            return self._retry_or_fail(row, attempts + 1, answer.reason)
        if answer.kind == "permanent" and answer.reason in CHANNEL_WAIT_ERRORS and is_channel(row.recipient):
            until = self._channels.trouble(row.recipient, answer.reason)
            self._reschedule(row, until, keep_sending=not posted_maybe, last_error=answer.reason)
            return "waiting"
        reason = answer.reason if method == POST_MESSAGE else f"{method}: {answer.reason}"
        if answer.kind == "permanent" and answer.reason in RECIPIENT_REFUSED:
            return self._drop_refused(row, reason)
        self._finish(row, FAILED, last_error=reason)
        log.warning("event=delivery_failed key=%s reason=%s", row.key, reason)
        return FAILED

    def _retry_or_fail(self, row: store.Claimed, attempts: int, reason: str) -> str:
        if attempts >= self.max_attempts:
            self._finish(row, FAILED, attempts=attempts, last_error=f"{reason} after {attempts} attempts")
            log.warning("event=delivery_failed key=%s reason=%s attempts=%d", row.key, reason, attempts)
            return FAILED
        delay = min(self._backoff_cap, self._backoff * 2 ** (attempts - 1)) * self._rng.uniform(0.5, 1.0)
        # Stays `sending` with a claim that lapses after the backoff: whoever retries checks Slack first,
        # because a timed-out or 5xx post may have been posted after all.
        with self._sessions() as session:
            store.change(
                session,
                row.id,
                self.worker_id,
                status=SENDING,
                attempts=attempts,
                last_error=reason[:255],
                claimed_by=None,
                claimed_until=self._clock() + timedelta(seconds=delay),
            )
            session.commit()
        log.info(
            "event=delivery_retry key=%s reason=%s attempt=%d next_in_s=%.1f",
            row.key,
            reason,
            attempts,
            delay,
        )
        return "retried"

    def _reschedule(self, row: store.Claimed, when: Any, keep_sending: bool = False, **values: Any) -> None:
        with self._sessions() as session:
            if keep_sending:  # outcome still unknown: recover again once the claim lapses
                store.change(session, row.id, self.worker_id, claimed_by=None, claimed_until=when, **values)
            else:
                store.change(
                    session,
                    row.id,
                    self.worker_id,
                    status=PENDING,
                    due_at=when,
                    claimed_by=None,
                    claimed_until=None,
                    **values,
                )
            session.commit()

    def _finish(self, row: store.Claimed, status: str, **values: Any) -> None:
        with self._sessions() as session:
            if store.finish(session, row.id, self.worker_id, status, **values):
                session.commit()
