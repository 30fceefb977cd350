"""Good-first-issue messages: escaping, Slack's limits, the three buttons, and button values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.services.claims import CLAIMED, COMMENT_FAILED, TAKEN, ClaimOutcome, MuteOutcome
from bot.services.issue_list import FILTERS, NO_SUBSCRIPTIONS, IssueList
from bot.services.routing_delivery import DigestView
from bot.services.routing_issues import IssueView
from bot.slack.blocks import more_value, parse_more_value
from bot.slack.issue_blocks import (
    ACTION_CLAIM,
    ACTION_NOT_INTERESTED,
    ACTION_OPEN,
    IN_DIGEST,
    IN_DM,
    claim_message,
    claim_value,
    digest_message,
    gfi_message,
    issues_message,
    not_interested_message,
    parse_claim_value,
)
from bot.slack.limits import MAX_BLOCKS_MESSAGE, MAX_BLOCKS_TEXT_TOTAL


def _issue(n: int = 1, title: str = "Add a tooltip story", project: int = 7) -> IssueView:
    return IssueView(
        id=100 + n, number=n, title=title, url=f"https://github.example/acme/ui/issues/{n}",
        labels=("good first issue",), created_at=datetime(2026, 10, 25, tzinfo=UTC), project_id=project,
        project_name=f"acme/ui-{project}", project_url=f"https://github.example/acme/ui-{project}",
        why="topic:react",
    )  # fmt: skip


def test_the_dm_has_claim_not_interested_and_a_link() -> None:
    message = gfi_message(_issue())
    assert "response_type" not in message and message["text"]
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    elements = {e["action_id"]: e for e in actions["elements"]}
    assert elements[ACTION_CLAIM]["value"] == f"101:{IN_DM}"
    assert elements[ACTION_NOT_INTERESTED]["value"] == "101"
    assert elements[ACTION_OPEN]["url"] == "https://github.example/acme/ui/issues/1"
    text = json.dumps(message)
    assert "acme/ui-7" in text and "25 Oct 2026" in text and "you follow the topic *react*" in text


def test_forge_text_is_escaped() -> None:
    message = gfi_message(_issue(title="<!channel> <@U123> & friends"))
    text = json.dumps(message)
    assert "<!channel>" not in text and "<@U123>" not in text and "&lt;!channel&gt;" in text


def test_a_digest_part_stays_within_limits_with_huge_titles() -> None:
    items = tuple(
        sorted((_issue(n, "Long title " * 300, project=n % 4) for n in range(12)), key=lambda i: i.project_id)
    )
    message = digest_message(DigestView("2026-11-02", 1, 2, items))
    assert len(message["blocks"]) <= MAX_BLOCKS_MESSAGE
    assert sum(len(json.dumps(b)) for b in message["blocks"]) < 3 * MAX_BLOCKS_TEXT_TOTAL
    assert "part 1 of 2" in message["blocks"][0]["text"]["text"]
    projects = [b for b in message["blocks"] if b["type"] == "section" and "accessory" not in b]
    assert len(projects) == 4  # grouped by project (items come sorted by project)


def test_issue_list_has_more_and_says_when_there_are_no_subscriptions() -> None:
    page = IssueList("lang:go", FILTERS, tuple(_issue(n) for n in range(5)), 0, 12)
    message = issues_message(page)
    more = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert parse_more_value(more[0]["value"]) == ("lang:go", 5)
    assert "You have no subscriptions yet" in json.dumps(
        issues_message(IssueList("", NO_SUBSCRIPTIONS, (), 0, 0))
    )


def test_claim_answers() -> None:
    claimed = claim_message(ClaimOutcome(CLAIMED, _issue(), comment=COMMENT_FAILED))
    assert "You claimed" in claimed["text"] and "leave a note there yourself" in claimed["text"]
    taken = claim_message(ClaimOutcome(TAKEN, _issue(), holder_name="Sam", holder_slack_id="U0SAM1"))
    assert "claimed by <@U0SAM1> first" in taken["text"]
    anonymous = claim_message(ClaimOutcome(TAKEN, _issue(), holder_name="<!here>", holder_slack_id="bad id"))
    assert "<!here>" not in json.dumps(anonymous)
    assert (
        "No more good first issues from"
        in not_interested_message(MuteOutcome("acme/ui", "https://x.example"))["text"]
    )


def test_button_values_round_trip_and_reject_strangers() -> None:
    assert parse_claim_value(claim_value(42, IN_DIGEST)) == (42, IN_DIGEST)
    for bad in ("", "42", "x:dm", "42:elsewhere", "9" * 30 + ":dm"):
        assert parse_claim_value(bad) is None
    assert parse_more_value(more_value("x" * 5000, 10)) is not None
    assert parse_more_value("not json") is None
