"""Trusted-committer nominations end to end over signed requests to the real server: the recompute opens
one for the sample's candidate (jasmine on acme/aurora-design-system), the real deliverer sends each
verified maintainer one card, a non-maintainer is refused, Approve and Decline (a modal with a reason)
decide once, every maintainer's card then says who decided, and nobody is nominated again."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.db.engine import session_scope
from bot.db.operations import SENT, OutboxEntry
from bot.db.progression import NOMINATION_APPROVED, NOMINATION_DECLINED, NOMINATION_PENDING
from bot.slack.nomination_blocks import (
    ACTION_APPROVE,
    ACTION_DECLINE,
    DECLINE_CALLBACK,
    REASON_ACTION,
    REASON_BLOCK,
)
from tests.handlers.conftest import text_of
from tests.handlers.progression_support import ALICE, BOB, JASMINE, PROJECT, SAM, Served
from tests.handlers.progression_support import served as served  # the fixture
from tests.handlers.slack_views import signed_submission


def _button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(
        e
        for b in message.get("blocks", [])
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def _has_buttons(message: dict[str, Any]) -> bool:
    return any(b["type"] == "actions" for b in message.get("blocks", []))


def _cards_sent(served: Served) -> list[OutboxEntry]:
    with session_scope(served.core.sessions) as session:
        return list(session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "nomination")))


def _delivered(served: Served) -> None:
    assert "1 nominations opened, 2 cards queued" in served.recompute()
    served.deliver()  # the cards, and milestone DMs (jasmine is a candidate, bob a regular)
    assert {e.recipient for e in _cards_sent(served)} == {ALICE.user_id, BOB.user_id}
    assert all(e.status == SENT for e in _cards_sent(served))


def test_each_maintainer_gets_one_card_and_a_non_maintainer_is_refused(served: Served) -> None:
    _delivered(served)
    card = served.card(ALICE)
    assert "Trusted-committer nomination" in text_of(card) and f"<@{JASMINE.user_id}>" in text_of(card)
    assert PROJECT in text_of(card) and "11 merged PRs and 10 reviews" in text_of(card)
    assert _button(card, ACTION_APPROVE)["style"] == "primary"
    assert _button(card, ACTION_DECLINE)["style"] == "danger"
    assert served.deliver() == 0 and "0 cards queued" in served.recompute()  # once, not again
    assert served.deliver() == 0
    assert len(served.slack.channel_messages("D" + ALICE.user_id[1:])) == 1

    refused = served.answer(served.click(ACTION_APPROVE, SAM, card_of=ALICE))
    assert refused["replace_original"] is False and "only a maintainer" in text_of(refused)
    assert served.nomination().status == NOMINATION_PENDING
    assert served.slack.calls_to("chat.update") == []


def test_approve_updates_every_card_and_tells_the_candidate(served: Served) -> None:
    _delivered(served)
    answer = served.answer(served.click(ACTION_APPROVE, ALICE))
    assert answer["replace_original"] is True and "response_type" not in answer
    assert f"Approved by <@{ALICE.user_id}>" in text_of(answer) and not _has_buttons(answer)
    nomination = served.nomination()
    assert nomination.status == NOMINATION_APPROVED
    # Bob's card says who decided, and has no buttons any more.
    (update,) = served.slack.wait_for_calls("chat.update", 1, timeout=10)
    assert update["channel"] == "D" + BOB.user_id[1:] and update["ts"] == served.card(BOB)["ts"]
    assert f"Approved by <@{ALICE.user_id}>" in text_of(served.card(BOB)) and not _has_buttons(
        served.card(BOB)
    )
    # A late click on Bob's stale card changes nothing.
    late = served.answer(served.click(ACTION_APPROVE, BOB))
    assert f"<@{ALICE.user_id}> already decided" in text_of(late)
    # Jasmine hears by DM; nobody is nominated again.
    served.deliver()
    dm = served.slack.channel_messages("D" + JASMINE.user_id[1:])
    assert dm and "trusted committer" in text_of(dm[-1]) and PROJECT in text_of(dm[-1])
    assert "0 nominations opened" in served.recompute()


def test_decline_asks_why_in_a_modal_and_updates_every_card(served: Served) -> None:
    _delivered(served)
    served.click(ACTION_DECLINE, ALICE)
    (opened,) = served.slack.wait_for_calls("views.open", 1, timeout=10)
    view = opened["view"]
    assert view["callback_id"] == DECLINE_CALLBACK and opened["trigger_id"]
    reason_input = next(b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK)
    assert reason_input["optional"] is True and reason_input["element"]["max_length"] == 500
    assert served.nomination().status == NOMINATION_PENDING  # opening the modal decides nothing

    # Someone else submitting that modal is refused in the modal itself; nothing changes.
    typed = {REASON_BLOCK: {REASON_ACTION: "<!channel> not yet & soon"}}
    status, body = served.bot.post(signed_submission(served.slack, view, SAM, typed))
    assert status == 200 and body["response_action"] == "errors"
    assert "only a maintainer" in body["errors"][REASON_BLOCK]
    assert served.nomination().status == NOMINATION_PENDING

    status, body = served.bot.post(signed_submission(served.slack, view, ALICE, typed))
    assert status == 200 and not body  # the modal closes
    nomination = served.nomination()
    assert (nomination.status, nomination.reason) == (NOMINATION_DECLINED, "<!channel> not yet & soon")
    updates = served.slack.wait_for_calls("chat.update", 2, timeout=10)
    assert {u["channel"] for u in updates} == {"D" + ALICE.user_id[1:], "D" + BOB.user_id[1:]}
    for user in (ALICE, BOB):
        card = text_of(served.card(user))
        assert f"Declined by <@{ALICE.user_id}>" in card and "&lt;!channel&gt; not yet &amp; soon" in card
        assert "<!channel>" not in card and not _has_buttons(served.card(user))
    assert "you declined" in text_of(served.card(ALICE))

    # Bob's Decline on a decided nomination opens no modal; nobody is nominated again.
    answer = served.answer(served.click(ACTION_DECLINE, BOB))
    assert f"<@{ALICE.user_id}> already decided" in text_of(answer)
    assert len(served.slack.calls_to("views.open")) == 1
    assert "0 nominations opened" in served.recompute()


def test_a_card_that_cannot_be_updated_is_logged_and_the_decision_stands(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    _delivered(served)
    with served.slack._cond:  # Bob deleted his card: chat.update answers message_not_found
        served.slack._api.channel_messages["D" + BOB.user_id[1:]].clear()
    answer = served.answer(served.click(ACTION_APPROVE, ALICE))
    assert f"Approved by <@{ALICE.user_id}>" in text_of(answer)
    assert served.slack.wait_until(lambda: "card_update_failed" in caplog.text, timeout=10)
    assert "error=message_not_found" in caplog.text
    assert served.nomination().status == NOMINATION_APPROVED
