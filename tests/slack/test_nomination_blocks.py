"""Nomination cards, the Decline modal and the answer to the maintainer who decided: who and where, the
buttons only while pending, who decided afterwards, forge text escaped, Slack's limits kept."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bot.services.progression_views import (
    ALREADY_DECIDED,
    APPROVED,
    DECLINED,
    NOT_A_MAINTAINER,
    UNKNOWN_NOMINATION,
    CardRef,
    Decision,
    LedgerItem,
    NominationCard,
)
from bot.slack.limits import MAX_BLOCKS_MESSAGE
from bot.slack.nomination_blocks import (
    ACTION_APPROVE,
    ACTION_DECLINE,
    DECLINE_CALLBACK,
    REASON_ACTION,
    REASON_BLOCK,
    decision_reply,
    decline_modal,
    nomination_message,
    parse_decline_metadata,
    parse_nomination_value,
    reason_of,
    replaces_card,
)

EVIL = "<!channel> & <@U123>"
AT = datetime(2026, 10, 20, tzinfo=UTC)


def _card(**changes: Any) -> NominationCard:
    card = NominationCard(
        nomination_id=4, project_full_name="acme/aurora-design-system",
        project_url="https://github.example/acme/aurora-design-system", forge="github", login="jasmine",
        slack_user_id="U0JASMINE", merged_window=11, reviews_window=10, window_days=180,
        latest=tuple(
            LedgerItem("merged_change" if n % 2 else "review", n, f"Change {n}",
                       f"https://github.example/acme/aurora-design-system/pull/{n}", AT)
            for n in range(1, 6)
        ),
        status="pending", decided_by=None, reason="", created_at=AT,
    )  # fmt: skip
    return replace(card, **changes)


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def _buttons(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]}


def test_a_pending_card_names_the_candidate_and_offers_approve_and_decline() -> None:
    message = nomination_message(_card())
    text = _text(message)
    assert "response_type" not in message and "<@U0JASMINE>" in message["text"]
    assert "<@U0JASMINE> (`jasmine`)" in text and "<https://github.example/acme/aurora-design-system|" in text
    assert "11 merged PRs and 10 reviews there in the last 180 days" in text
    assert text.count("/pull/") == 3  # the three latest
    buttons = _buttons(message)
    assert buttons[ACTION_APPROVE]["style"] == "primary" and buttons[ACTION_DECLINE]["style"] == "danger"
    assert parse_nomination_value(buttons[ACTION_APPROVE]["value"]) == 4
    assert parse_nomination_value("4; drop") is None and parse_nomination_value("0") is None


def test_a_gitlab_candidate_without_slack_is_shown_by_login() -> None:
    text = _text(nomination_message(_card(forge="gitlab", slack_user_id=None, merged_window=1)))
    assert "`jasmine`" in text and "<@" not in text and "1 merged MR" in text


def test_a_decided_card_says_who_and_why_and_has_no_buttons() -> None:
    approved = nomination_message(_card(status="approved", decided_by="U0ALICE"))
    assert "Approved by <@U0ALICE>" in _text(approved) and not _buttons(approved)
    declined = nomination_message(_card(status="declined", decided_by="U0ALICE", reason=EVIL))
    text = _text(declined)
    assert "Declined by <@U0ALICE>" in text and "Reason: &lt;!channel&gt; &amp; &lt;@U123&gt;" in text
    assert "<!channel>" not in text and not _buttons(declined)


def test_forge_text_is_escaped_and_limits_kept() -> None:
    latest = tuple(LedgerItem("merged_change", n, EVIL * 200, "https://x.example/1", AT) for n in range(3))
    message = nomination_message(
        _card(login=EVIL, slack_user_id="not an id", project_full_name=EVIL * 100, latest=latest)
    )
    text = _text(message)
    assert "<!channel>" not in text and "<@U123>" not in text and "&lt;!channel&gt;" in text
    assert message["text"] and len(message["blocks"]) <= MAX_BLOCKS_MESSAGE


def test_the_clicker_is_answered_by_outcome() -> None:
    card = _card(status="approved", decided_by="U0ALICE")
    approved = decision_reply(Decision(APPROVED, card))
    assert replaces_card(Decision(APPROVED, card)) and "response_type" not in approved
    assert "is now a trusted committer" in _text(approved) and "Approved by <@U0ALICE>" in _text(approved)
    declined = decision_reply(Decision(DECLINED, replace(card, status="declined")))
    assert "you declined" in _text(declined)
    late = Decision(ALREADY_DECIDED, card)
    assert replaces_card(late) and "<@U0ALICE> already decided" in _text(decision_reply(late))
    refused = Decision(NOT_A_MAINTAINER, _card())
    assert not replaces_card(refused)
    assert "only a maintainer" in _text(decision_reply(refused)) and not _buttons(decision_reply(refused))
    assert "nothing was changed" in _text(decision_reply(Decision(UNKNOWN_NOMINATION, None)))


def test_the_decline_modal_carries_the_nomination_and_the_card() -> None:
    view = decline_modal(4, _card(login=EVIL), CardRef("D0ALICE", "1767225600.000002"))
    assert view["type"] == "modal" and view["callback_id"] == DECLINE_CALLBACK
    assert len(view["title"]["text"]) <= 24  # Slack's limit for a modal title
    assert parse_decline_metadata(view["private_metadata"]) == (4, CardRef("D0ALICE", "1767225600.000002"))
    assert parse_decline_metadata(json.dumps({"nomination": 4})) == (4, None)
    assert parse_decline_metadata("nope") is None and parse_decline_metadata('{"nomination": "x"}') is None
    reason = next(b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK)
    assert reason["optional"] is True
    assert reason["element"] == {
        "type": "plain_text_input", "action_id": REASON_ACTION, "multiline": True, "max_length": 500,
    }  # fmt: skip
    assert "<!channel>" not in _text(view)
    typed = {"state": {"values": {REASON_BLOCK: {REASON_ACTION: {"value": "  not yet " + "x" * 600}}}}}
    assert reason_of(typed).startswith("not yet") and len(reason_of(typed)) == 500
    assert reason_of({"state": {"values": {REASON_BLOCK: {REASON_ACTION: {"value": None}}}}}) == ""
