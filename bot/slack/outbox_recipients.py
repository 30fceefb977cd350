"""Who the deliverer may DM: full members of the workspace only, checked without a users.info per DM.

A person who subscribed and since became a guest, left for another organisation, or was deactivated
must not get DMs. The check trusts, in order: this process's user gate cache (bot/slack/users.py,
an hour), then the verdict stored on the person's row (`people.slack_checked_at`, refreshed whenever
they use the bot; a week), and only then asks Slack `users.info` (Tier 4, ~100 a minute) and stores
the answer for every deliverer. Deactivated accounts are also caught by Slack's answer to the post.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.slack import outbox_store as store
from bot.slack.outbox_calls import Answer
from bot.slack.users import UserGate

# How long a process trusts its gate's users.info verdict (in memory).
RECIPIENT_CHECK_SECONDS = 3600.0
# How long a verdict stored on the person's row is trusted.
RECIPIENT_TRUST_SECONDS = 7 * 24 * 3600.0
# Slack's answers that say the recipient cannot (or must not) get a DM: dropped, not failed or retried.
RECIPIENT_REFUSED = frozenset({"user_disabled", "user_not_found", "user_not_visible", "cannot_dm_bot"})


@dataclass(frozen=True)
class Verdict:
    refusal: str | None = None  # guest | external | bot | deleted; None: may be DM'd
    unanswered: Answer | None = None  # users.info did not answer (rate-limited, 5xx…): try later
    error: str | None = None  # judging the answer failed (e.g. auth.test for the home workspace)


class RecipientCheck:
    def __init__(self, sessions: sessionmaker[Session], gate: UserGate, clock: Clock) -> None:
        self._sessions, self._gate, self._clock = sessions, gate, clock

    def verdict(self, user: str, users_info: Callable[[str], Answer]) -> Verdict:
        """May `user` (a recipient id) be DM'd? Channels always may; `users_info` is the paced call."""
        if user[:1] not in ("U", "W"):
            return Verdict()
        known = self._gate.cached(user)
        if known is not None:
            return Verdict(known[0])
        since = self._clock() - timedelta(seconds=RECIPIENT_TRUST_SECONDS)
        stored, refusal = store.stored_verdict(self._sessions, user, since)
        if stored:
            return Verdict(refusal)
        answer = users_info(user)
        if answer.kind == "permanent" and answer.reason == "user_not_found":
            refusal = self._gate.judge(user, None)
        elif answer.kind != "ok":
            return Verdict(unanswered=answer)
        else:
            try:  # the first verdict asks auth.test for the home workspace
                refusal = self._gate.judge(user, answer.data.get("user") or {})
            except Exception as error:
                return Verdict(error=f"users.info: {type(error).__name__}")
        store.store_verdict(self._sessions, user, refusal, self._clock())
        return Verdict(refusal)
