"""A trusted-committer nomination card's buttons: *Approve* decides at once; *Decline* opens a modal asking
why, and its submission decides. After a decision the clicked card and every other maintainer's card
say who decided; someone who is not a maintainer of the project is refused and nothing changes."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.services.identity import SlackProfile
from bot.services.progression import ProgressionService
from bot.services.progression_views import ALREADY_DECIDED, CardRef, Decision
from bot.slack import texts
from bot.slack.nomination_blocks import (
    ACTION_APPROVE,
    ACTION_DECLINE,
    DECLINE_CALLBACK,
    REASON_BLOCK,
    decision_reply,
    decline_modal,
    nomination_message,
    parse_decline_metadata,
    parse_nomination_value,
    reason_of,
    replaces_card,
)
from handlers.background import run_later, user_of
from handlers.buttons import SILENT, Click, Message, button, clicked
from handlers.deps import HandlerDeps

log = logging.getLogger("handlers.nomination_actions")


def register(app: App, deps: HandlerDeps) -> None:
    if deps.progression is None:
        return
    service, client = deps.progression, app.client

    def approve(profile: SlackProfile, value: str) -> tuple[Message, bool] | None:
        nomination_id = parse_nomination_value(value)
        if nomination_id is None:
            return None
        decision = _decide(service, nomination_id, profile, approve=True)
        # The clicker is answered first; the other maintainers' cards follow.
        others = partial(_update_others, client, decision, profile.user_id)
        run_later(deps.executor, ACTION_APPROVE, profile.user_id, others, None)
        return decision_reply(decision), replaces_card(decision)

    def decline(profile: SlackProfile, value: str, click: Click) -> tuple[Message, bool] | None:
        nomination_id = parse_nomination_value(value)
        if nomination_id is None:
            return None
        refused = service.may_decide(nomination_id, profile)  # before the modal: nothing to type in vain
        card = service.card(nomination_id)
        if refused is not None or card is None:
            decision = refused or Decision(ALREADY_DECIDED, card)
            return decision_reply(decision), replaces_card(decision)
        where = CardRef(click.channel_id, click.message_ts) if click.message_ts else None
        client.views_open(trigger_id=click.trigger_id, view=decline_modal(nomination_id, card, where))
        return SILENT

    button(app, deps, ACTION_APPROVE, approve)
    clicked(app, deps, ACTION_DECLINE, decline)

    @app.view(DECLINE_CALLBACK)
    def declined(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        # Decided before the acknowledgement, so a refusal can show in the modal; one short transaction.
        user_id = user_of(body)
        parsed = parse_decline_metadata(str(view.get("private_metadata") or ""))
        refusal, profile = deps.user_gate.check(user_id)  # cached since the click
        if parsed is None or refusal is not None:
            said = texts.REFUSALS.get(refusal or "", texts.NOMINATION_UNKNOWN)
            ack(response_action="errors", errors={REASON_BLOCK: said})
            return
        nomination_id, where = parsed
        decider = profile or SlackProfile(user_id)
        decision = _decide(service, nomination_id, decider, approve=False, reason=reason_of(view))
        if not replaces_card(decision):  # not a maintainer, or gone: the modal says so, nothing changed
            ack(response_action="errors", errors={REASON_BLOCK: _plain(decision_reply(decision))})
            return
        ack()

        def update_cards() -> None:
            if where is not None:
                _update(client, where, decision_reply(decision), user_id)
            _update_others(client, decision, user_id)

        run_later(deps.executor, DECLINE_CALLBACK, user_id, update_cards, None)


def _decide(
    service: ProgressionService, nomination_id: int, profile: SlackProfile, approve: bool, reason: str = ""
) -> Decision:
    decision = service.decide(nomination_id, profile, approve=approve, reason=reason)
    log.info(
        "event=nomination_decision nomination=%d user=%s outcome=%s",
        nomination_id, profile.user_id, decision.outcome,
    )  # fmt: skip
    return decision


def _update_others(client: WebClient, decision: Decision, user_id: str) -> None:
    """Every other maintainer's card now says who decided."""
    if decision.card is None or not replaces_card(decision):
        return
    card = nomination_message(decision.card)
    for ref in decision.others:
        _update(client, ref, card, user_id)


def _update(client: WebClient, ref: CardRef, message: Message, user_id: str) -> None:
    try:
        client.chat_update(
            channel=ref.channel_id, ts=ref.message_ts, text=message["text"], blocks=message["blocks"]
        )
    except (SlackClientError, OSError) as error:  # a card left as it was must not stop the others
        log.warning(
            "event=card_update_failed user=%s channel=%s error=%s",
            user_id, ref.channel_id, getattr(error, "response", {}).get("error") or type(error).__name__,
        )  # fmt: skip


def _plain(message: Message) -> str:
    return str(message.get("text") or "")
