"""The one deliverer: sends outbox rows to Slack at most once per key, and exactly once in practice.

Each post carries the row's key in Slack message `metadata` (event_type `innersource_outbox`,
docs.slack.dev/messaging/message-metadata). A row whose post may or may not have reached Slack (the
deliverer died, the request timed out, Slack answered 5xx) stays `sending`; whoever picks it up next
reads the conversation (`conversations.history` with `include_all_metadata`) and marks it sent if the
key is there, and only otherwise posts. 429 sets a "not before" for that method alone (Retry-After)
and reschedules the row; 5xx, timeouts and dropped connections back off with jitter, up to
`max_attempts`, then the row is failed with the reason. Pacing: bot/slack/outbox_pacing.py.
With a `gate`, a DM goes only to a full member of the workspace (bot/slack/outbox_recipients.py): a
person who has since become a guest, left for another workspace, or been deactivated has the row
dropped with the reason; so has a row Slack refuses for its recipient (`user_disabled`,
`user_not_found`, `cannot_dm_bot`…).
A post to a channel (the announce channel) answered `not_in_channel` makes the bot join and post
again; a channel that is missing, archived, cannot be joined or lacks a scope makes its rows wait (an
hour at a time) instead of failing, reported once (bot/slack/outbox_channels.py).
Calls and their outcomes: bot/slack/outbox_calls.py; what becomes of a row not simply sent:
bot/slack/outbox_outcomes.py; rows: bot/slack/outbox_store.py; types, reports and the `notice`
composer: bot/slack/outbox_types.py.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.db.operations import DROPPED, FAILED, PENDING, SENDING, SENT, OutboxEntry
from bot.services.outbox import Drop
from bot.slack import outbox_store as store
from bot.slack.outbox_calls import Answer, call_slack, new_delivery_client
from bot.slack.outbox_channels import (
    CHANNEL_RETRY_SECONDS,
    LIST,
    ChannelCare,
    is_channel,
)
from bot.slack.outbox_outcomes import Outcomes
from bot.slack.outbox_pacing import POST_MESSAGE, WORKSPACE_MESSAGES_PER_MINUTE, Pacer
from bot.slack.outbox_recipients import RECIPIENT_CHECK_SECONDS, RecipientCheck
from bot.slack.outbox_types import EVENT_TYPE, Composer, DeliveryReport, Message, compose_notice
from bot.slack.users import UserGate

__all__ = [
    "EVENT_TYPE",
    "RECIPIENT_CHECK_SECONDS",
    "Composer",
    "Deliverer",
    "DeliveryReport",
    "Drop",
    "Message",
    "compose_notice",
    "new_delivery_client",
]

log = logging.getLogger("bot.slack.outbox")

_POST_ARGUMENTS = ("text", "blocks", "attachments", "unfurl_links", "unfurl_media", "thread_ts")
_HISTORY_PAGES = 3
USERS_INFO = "users.info"


class Deliverer(Outcomes):
    """Claims due outbox rows and sends them; safe to run in several threads or processes at once."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        composers: Mapping[str, Composer],
        clock: Clock,
        *,
        worker_id: str,
        max_attempts: int = 6,
        claim_seconds: float = 60.0,
        workspace_per_minute: float = WORKSPACE_MESSAGES_PER_MINUTE,
        backoff_seconds: float = 2.0,
        backoff_cap_seconds: float = 300.0,
        history_limit: int = 50,
        rng: random.Random | None = None,
        gate: UserGate | None = None,
        channel_retry_seconds: float = CHANNEL_RETRY_SECONDS,
    ) -> None:
        # `gate`: DMs go only to full members of the workspace (bot/slack/outbox_recipients.py).
        # claim_seconds must exceed the client's timeout: a claim outliving its post is what keeps a
        # second deliverer from "recovering" a message still in flight.
        self._sessions, self._client, self._composers, self._clock = sessions, client, composers, clock
        self.worker_id, self.max_attempts = worker_id, max_attempts
        self._claim = timedelta(seconds=claim_seconds)
        self._backoff, self._backoff_cap = backoff_seconds, backoff_cap_seconds
        self._history_limit = history_limit
        self._rng = rng or random.Random()
        self._recipients = RecipientCheck(sessions, gate, clock) if gate is not None else None
        self.pacer = Pacer(clock, workspace_per_minute)
        self._channels = ChannelCare(
            sessions, clock, client, partial(self._tiered, wait_here=True), channel_retry_seconds
        )
        self._stop = threading.Event()

    # -- passes ------------------------------------------------------------------------------------
    def deliver_due(self, limit: int = 100) -> DeliveryReport:
        """One pass over the rows due now; returns what became of them."""
        store.follow_bundles(self._sessions)
        now = self._clock()
        claimed = store.claim(self._sessions, self.worker_id, now, now + self._claim, limit)
        counts: Counter[str] = Counter()
        for index, row in enumerate(claimed):
            if self._stop.is_set():  # finish the message in flight (done), give the rest back
                store.release(self._sessions, [r.id for r in claimed[index:]], self.worker_id, self._clock())
                break
            counts[self._deliver(row)] += 1
        counts.pop("skipped", None)
        return DeliveryReport(claimed=len(claimed), **counts)

    def run(self, stop: threading.Event, idle_seconds: float = 2.0) -> None:
        """Deliver until `stop` is set; the message in flight is finished, then this returns."""
        self._stop = stop
        log.info("event=deliverer_started worker=%s", self.worker_id)
        while not stop.is_set():
            try:
                report = self.deliver_due()
            except Exception as error:  # a database hiccup must not end the loop; the next pass retries
                log.error(
                    "event=delivery_pass_error worker=%s error=%s", self.worker_id, type(error).__name__
                )
                report = DeliveryReport()
            if report.claimed == 0:
                stop.wait(idle_seconds)
        log.info("event=deliverer_stopped worker=%s", self.worker_id)

    # -- one row -----------------------------------------------------------------------------------
    def _deliver(self, row: store.Claimed) -> str:
        if is_channel(row.recipient):  # a channel being waited out: one post an interval probes it
            waiting = self._channels.waiting_until(row.recipient)
            if waiting is not None:
                self._reschedule(row, waiting[0], keep_sending=row.recovering, last_error=waiting[1])
                return "waiting"
        if row.recovering:
            outcome = self._recover(row)
            if outcome is not None:
                return outcome
        refused = self._screen(row)
        if refused is not None:
            return refused
        return self._send(row)

    def _screen(self, row: store.Claimed) -> str | None:
        """None when the recipient may be sent to (or is a channel, or there is no check); otherwise
        what became of the row: dropped (refused), or deferred/retried/failed (users.info did not answer)."""
        if self._recipients is None:
            return None
        verdict = self._recipients.verdict(row.recipient, self._users_info)
        if verdict.unanswered is not None:
            return self._failed_call(row, USERS_INFO, verdict.unanswered, row.attempts)
        if verdict.error is not None:
            return self._retry_or_fail(row, row.attempts + 1, verdict.error)
        if verdict.refusal is None:
            return None
        return self._drop_refused(row, verdict.refusal)

    def _users_info(self, user: str) -> Answer:
        """users.info within its tier: short waits are waited here, like the workspace budget's."""
        return self._tiered(USERS_INFO, lambda: self._client.users_info(user=user), wait_here=True)

    def _send(self, row: store.Claimed) -> str:
        wait = self.pacer.take_message()
        while wait > 0:  # the workspace budget: sub-second waits, and every row would wait alike
            if self._stop.wait(wait):
                self._reschedule(row, self._clock())
                return "deferred"
            wait = self.pacer.take_message()
        with self._sessions() as session:
            entry = session.get(OutboxEntry, row.id)
            if entry is None or entry.claimed_by != self.worker_id or entry.status not in (PENDING, SENDING):
                self.pacer.give_back_message()
                return "skipped"
            try:
                composed = self._compose(session, entry)
            except Exception as error:  # a composer's bug: retried, then failed with the reason, not lost
                attempts = entry.attempts
                session.rollback()
                self.pacer.give_back_message()
                log.exception("event=delivery_compose_error key=%s", row.key)
                return self._retry_or_fail(row, attempts + 1, f"compose: {type(error).__name__}")
            if isinstance(composed, Drop):
                self.pacer.give_back_message()
                if store.finish(session, row.id, self.worker_id, DROPPED, last_error=composed.reason):
                    session.commit()
                    log.info("event=delivery_dropped key=%s reason=%s", row.key, composed.reason)
                    return DROPPED
                session.rollback()
                return "skipped"
            blocked = self.pacer.blocked_until(POST_MESSAGE) or self.pacer.channel_free_at(entry.recipient)
            if blocked is not None:
                session.rollback()
                self.pacer.give_back_message()
                self._reschedule(row, blocked)
                return "deferred"
            recipient, attempts = entry.recipient, entry.attempts
            in_flight = store.change(
                session, row.id, self.worker_id, status=SENDING, claimed_until=self._clock() + self._claim
            )
            if not in_flight:
                session.rollback()
                self.pacer.give_back_message()
                return "skipped"
            session.commit()  # with the composer's own writes: from here on the post may happen
        arguments = {k: v for k, v in composed.items() if k in _POST_ARGUMENTS}
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": row.key}}

        def post(channel: str) -> Answer:
            answer = call_slack(
                POST_MESSAGE,
                lambda: self._client.chat_postMessage(channel=channel, metadata=metadata, **arguments),
            )
            self.pacer.posted(recipient)
            return answer

        answer = post(recipient)
        if answer.kind == "permanent" and answer.reason == "not_in_channel" and is_channel(recipient):
            joined = self._channels.join(recipient)
            answer = post(str(joined.data["id"])) if joined.kind == "ok" else joined
        if answer.kind == "ok":
            channel, ts = str(answer.data.get("channel") or ""), str(answer.data.get("ts") or "")
            if is_channel(recipient):
                self._channels.posted(recipient, channel)
            self._finish(row, SENT, sent_at=self._clock(), channel_id=channel or None, message_ts=ts or None)
            log.info("event=delivery_sent key=%s channel=%s attempts=%d", row.key, channel, attempts + 1)
            return SENT
        return self._failed_call(row, POST_MESSAGE, answer, attempts, posted_maybe=True)

    def _compose(self, session: Session, entry: OutboxEntry) -> Message | Drop:
        composer = self._composers.get(entry.kind)
        if composer is None:
            return Drop(f"no composer for kind {entry.kind}")
        return composer(session, entry)

    # -- recovery ----------------------------------------------------------------------------------
    def _recover(self, row: store.Claimed) -> str | None:
        """A `sending` row whose outcome is unknown: "recovered" when its key is in the conversation,
        None when it is not (post it), else what became of the row (deferred, retried, failed)."""
        with self._sessions() as session:
            entry = session.get(OutboxEntry, row.id)
            if entry is None or entry.claimed_by != self.worker_id:
                return "skipped"
            recipient, channel, attempts = entry.recipient, entry.channel_id, entry.attempts
            oldest = f"{entry.created_at.timestamp() - 60:.6f}"  # a minute's leeway for clock skew
        if channel is None and recipient[:1] in ("C", "G", "D"):
            channel = recipient
        if channel is None and recipient.startswith("#"):
            found = self._channels.channel_id(recipient)
            if isinstance(found, Answer):
                return self._failed_call(row, LIST, found, attempts)
            if found is None:  # no such channel now: posting again says what is wrong with it
                return None
            channel = found
        if channel is None:
            answer = self._tiered(
                "conversations.open", lambda: self._client.conversations_open(users=recipient)
            )
            if answer.kind != "ok":
                return self._failed_call(row, "conversations.open", answer, attempts)
            channel = str((answer.data.get("channel") or {}).get("id") or "")
        cursor: str | None = None
        rejoined = False
        for _ in range(_HISTORY_PAGES + 1):
            answer = self._tiered("conversations.history", partial(self._history, channel, oldest, cursor))
            if answer.kind == "permanent" and is_channel(recipient):
                if answer.reason == "not_in_channel" and not rejoined:
                    # Removed since it posted, perhaps: the post may be there. Join, then look.
                    joined = self._channels.join(recipient)
                    if joined.kind != "ok":
                        return self._failed_call(row, "conversations.join", joined, attempts)
                    rejoined = True
                    continue
                if answer.reason == "channel_not_found":
                    return None  # gone, or never visible to the bot: posting again says which
                if answer.reason == "missing_scope":  # it cannot look, so it must not post blindly
                    reason = "conversations.history: missing_scope (cannot check the channel)"
                    self._finish(row, FAILED, last_error=reason)
                    log.warning("event=delivery_failed key=%s reason=%s", row.key, reason)
                    return FAILED
            if answer.kind != "ok":
                return self._failed_call(row, "conversations.history", answer, attempts)
            for message in answer.data.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == row.key:
                    self._finish(
                        row, SENT, sent_at=self._clock(), channel_id=channel, message_ts=message.get("ts")
                    )
                    log.info("event=delivery_recovered key=%s channel=%s", row.key, channel)
                    return "recovered"
            cursor = (answer.data.get("response_metadata") or {}).get("next_cursor") or None
            if not answer.data.get("has_more") or cursor is None:
                break
        return None

    def _history(self, channel: str, oldest: str, cursor: str | None) -> Any:
        return self._client.conversations_history(
            channel=channel,
            oldest=oldest,
            limit=self._history_limit,
            include_all_metadata=True,
            cursor=cursor,
        )

    def _tiered(self, method: str, call: Callable[[], Any], wait_here: bool = False) -> Answer:
        """`call` within `method`'s tier; a wait for a token is answered "paced", or with `wait_here`
        waited out (until stopped)."""
        while True:
            blocked = self.pacer.blocked_until(method)
            if blocked is not None:
                return Answer("rate_limited", {}, "paced", (blocked - self._clock()).total_seconds())
            wait = self.pacer.take_call(method)
            if wait <= 0:
                return call_slack(method, call)
            if not wait_here:
                return Answer("paced", {}, "paced", wait)
            if self._stop.wait(wait):
                return Answer("paced", {}, "paced", 0.0)
