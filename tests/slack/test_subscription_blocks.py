"""Rendering subscriptions, cadence and forge accounts: wording, buttons, escaping and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.services.identity import (
    BAD_LOGIN,
    LINKED,
    RELINKED,
    TAKEN,
    USAGE,
    VERIFIED_ELSEWHERE,
    LinkedAccount,
    LinkResult,
)
from bot.services.results import FindQuery, FindResult, ProjectHit, ProjectSummary
from bot.services.subscription_terms import (
    EMPTY_VALUE,
    PROJECT_AMBIGUOUS,
    PROJECT_NOT_FOUND,
    TOO_MANY,
    UNKNOWN_FILTER,
    UNKNOWN_LANGUAGE,
    Rejected,
    Term,
)
from bot.services.subscriptions import CadenceChange, SubscriptionChange, SubscriptionList
from bot.slack import texts
from bot.slack.blocks import ACTION_DETAILS, find_message
from bot.slack.subscription_blocks import (
    ACTION_SUBSCRIBE,
    ACTION_UNSUBSCRIBE,
    cadence_message,
    link_message,
    parse_project_value,
    subscription_change_message,
    subscriptions_message,
)
from tests.slack.test_blocks import all_text, assert_within_limits, buttons

EVIL = "<!channel> <@U123> & <https://evil.example|click>"


def summary(project_id: int, name: str = "acme/aurora", description: str = "") -> ProjectSummary:
    return ProjectSummary(
        project_id, "github", name, name.rsplit("/", 1)[-1], f"https://github.example/{name}", description,
        ("Go",), ("kafka",), 10, "Low", False, 0,
    )  # fmt: skip


def raw(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_a_change_says_what_was_added_kept_and_not_understood() -> None:
    change = SubscriptionChange(
        True,
        changed=(Term("topic", "kafka", "kafka"), Term("lang", "go", "Go")),
        unchanged=(Term("project", "7", "acme/aurora"),),
        rejected=(
            Rejected("lang:pyhton", UNKNOWN_LANGUAGE, ("lang:python",)),
            Rejected("lang:", EMPTY_VALUE),
            Rejected("forge:github", UNKNOWN_FILTER),
            Rejected(
                "project:aurora", PROJECT_AMBIGUOUS, projects=(summary(1), summary(2, "acme/aurora-icons"))
            ),
            Rejected("project:kafak", PROJECT_NOT_FOUND, projects=(summary(3, "acme/kafka"),)),
            Rejected("project:nothing", PROJECT_NOT_FOUND),
            Rejected("x", TOO_MANY),
        ),
        unmuted=(Term("project", "7", "acme/aurora"),),
        new_topics=(("kafak", ("topic:kafka",)),),
        cadence="weekly",
    )
    message = subscription_change_message(change)
    assert_within_limits(message)
    text = all_text(message)
    expected = (
        "Subscribed to: topic *kafka*, language *Go*",
        "Already subscribed to: project *acme/aurora*",
        "`pyhton`", "`lang:python`", "`lang:`", "`forge:github`", "2 projects fit “aurora”",
        "“kafak”", "Did you mean", "“nothing”", texts.TOO_MANY_TERMS, "Not interested",
        "`topic:kafka`", "a weekly digest",
    )  # fmt: skip
    for wanted in expected:
        assert wanted in text, wanted
    assert [(b["action_id"], b["value"]) for b in buttons(message)] == [
        (ACTION_SUBSCRIBE, "1"),
        (ACTION_SUBSCRIBE, "2"),
        (ACTION_SUBSCRIBE, "3"),
    ]


def test_nothing_given_gives_usage() -> None:
    assert "subscribe kafka" in all_text(
        subscription_change_message(SubscriptionChange(True, nothing_given=True))
    )
    assert "unsubscribe all" in all_text(
        subscription_change_message(SubscriptionChange(False, nothing_given=True))
    )


def test_user_and_forge_text_is_escaped_everywhere() -> None:
    evil_term = Term("topic", EVIL, EVIL)
    messages = [
        subscription_change_message(
            SubscriptionChange(
                True,
                (evil_term,),
                (evil_term,),
                (
                    Rejected(EVIL, UNKNOWN_FILTER),
                    Rejected("lang:" + EVIL, UNKNOWN_LANGUAGE),
                    Rejected("project:" + EVIL, PROJECT_AMBIGUOUS, projects=(summary(1, EVIL, EVIL),)),
                ),
                (evil_term,),
                ((EVIL, (EVIL,)),),
            )
        ),
        subscriptions_message(SubscriptionList((evil_term, Term("project", "1", EVIL)), "daily")),
        cadence_message(CadenceChange("daily", "daily", invalid=EVIL, valid=False)),
        link_message(
            LinkResult(LINKED, "github", EVIL, EVIL, (LinkedAccount("github", "h", EVIL, False, "link"),))
        ),
        link_message(LinkResult(TAKEN, "gitlab", EVIL)),
        link_message(LinkResult("unknown_forge", EVIL)),
    ]
    for message in messages:
        assert_within_limits(message)
        assert "<!channel>" not in raw(message) and "<@U123>" not in raw(message)
        assert "evil.example|click>" not in raw(message)


def test_many_choices_stay_within_limits() -> None:
    choices = tuple(summary(i, f"acme/p{i}", "x" * 3000) for i in range(40))
    rejected = tuple(Rejected(f"project:p{i}", PROJECT_AMBIGUOUS, projects=choices) for i in range(20))
    message = subscription_change_message(SubscriptionChange(True, rejected=rejected))
    assert_within_limits(message)
    assert len(buttons(message)) <= 15
    listing = SubscriptionList(tuple(Term("topic", f"t{i}", "t" * 200 + str(i)) for i in range(500)), "daily")
    assert_within_limits(subscriptions_message(listing))


def test_subscriptions_list_and_cadence() -> None:
    terms = (Term("lang", "go", "Go"), Term("project", "1", "acme/aurora"), Term("topic", "kafka", "kafka"))
    text = all_text(subscriptions_message(SubscriptionList(terms, "instant")))
    assert "*Topics:* `kafka`" in text and "*Languages:* `Go`" in text and "*Projects:* `acme/aurora`" in text
    assert (
        "one message per good first issue" in text and "/innersource digest instant|daily|weekly|off" in text
    )
    empty = all_text(subscriptions_message(SubscriptionList((), "daily")))
    assert texts.SUBSCRIPTIONS_NONE in empty and "a daily digest" in empty
    assert "`hourly` is not a cadence" in all_text(
        cadence_message(CadenceChange("daily", "daily", "hourly", False))
    )
    off = all_text(cadence_message(CadenceChange("off", "daily")))
    assert "not at all" in off and texts.CADENCE_OFF_MAINTAINER in off


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (LinkResult(LINKED, "github", "octocat"), "Linked your GitHub account `octocat` (unverified)"),
        (LinkResult(RELINKED, "gitlab", "new", "old"), "`new` instead of `old`"),
        (LinkResult(TAKEN, "github", "octocat"), "already linked to another Slack user"),
        (LinkResult(VERIFIED_ELSEWHERE, "github", "x", "real"), "verified as `real`"),
        (LinkResult(BAD_LOGIN, "gitlab", "a/b"), "not a valid GitLab name"),
        (LinkResult(USAGE), "/innersource link github LOGIN"),
    ],
)
def test_link_outcomes(result: LinkResult, expected: str) -> None:
    assert expected in all_text(link_message(result))


def test_accounts_are_shown_verified_or_not() -> None:
    accounts = (
        LinkedAccount("github", "h", "octo", True, "email"),
        LinkedAccount("gitlab", "h", "oc", False, "link"),
    )
    text = all_text(link_message(LinkResult(USAGE, accounts=accounts)))
    assert "GitHub `octo` (verified" in text and "GitLab `oc` (unverified" in text
    assert texts.LINK_NONE in all_text(link_message(LinkResult(USAGE)))


def test_find_hits_get_subscribe_or_unsubscribe_only_when_asked() -> None:
    hits = tuple(ProjectHit(summary(i, f"acme/p{i}"), ("name",)) for i in range(1, 6))
    result = FindResult(FindQuery("p", ("p",)), hits, 0, 12, 40)
    assert [b["action_id"] for b in buttons(find_message(result))].count(ACTION_SUBSCRIBE) == 0
    message = find_message(result, frozenset({2}))
    assert_within_limits(message)
    pairs = [(b["action_id"], b["value"]) for b in buttons(message) if b["action_id"] != ACTION_DETAILS]
    assert pairs[:5] == [(ACTION_SUBSCRIBE, "1"), (ACTION_UNSUBSCRIBE, "2"), (ACTION_SUBSCRIBE, "3"),
                         (ACTION_SUBSCRIBE, "4"), (ACTION_SUBSCRIBE, "5")]  # fmt: skip


def test_button_values() -> None:
    assert parse_project_value("42") == 42
    assert parse_project_value("-1") is None and parse_project_value("4x") is None
    assert parse_project_value("9" * 19) is None and parse_project_value("") is None
