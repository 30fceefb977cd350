"""The App Home renderer, without IO: the newcomer tab, a person with 300 subscriptions, a maintainer,
the worst case of long and hostile strings, and the refusal — each checked against the limits the
fake Slack enforces for views.publish (bot/sandbox/slack/slack_view_limits.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sandbox.slack.slack_view_limits import VIEW_BLOCKS, VIEW_BYTES, view_refusal
from bot.services.home import (
    FROM_ACTIVE,
    FROM_SUBSCRIPTIONS,
    WAITING_CHANGES_SHOWN,
    HomeView,
    WaitingProject,
)
from bot.services.progression_views import Account, MeView, Need
from bot.services.results import ProjectSummary
from bot.services.routing_issues import IssueView
from bot.services.subscription_terms import Term
from bot.services.waiting import WaitingChange
from bot.slack import texts
from bot.slack.home_blocks import (
    ACTION_CADENCE,
    ACTION_SUBSCRIBE,
    ACTION_UNSUBSCRIBE,
    home_tab,
    parse_unsubscribe_value,
    refused_tab,
    unsubscribe_value,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
EVIL = "<!channel> & <@U0BOSS> <https://evil.example|click>"


def issue(n: int, title: str = "Fix the thing", project: str = "acme/x") -> IssueView:
    return IssueView(
        id=n, number=n, title=title, url=f"https://git.example/{project}/issues/{n}",
        labels=("good first issue",), created_at=NOW, project_id=n, project_name=project,
        project_url=f"https://git.example/{project}",
    )  # fmt: skip


def project(n: int, name: str = "acme/new", description: str = "A new thing") -> ProjectSummary:
    return ProjectSummary(
        id=n, forge="github", full_name=name, name=name.rpartition("/")[2], web_url=f"https://git.example/{name}",
        description=description, languages=("Go", "Python"), topics=("kafka", "go"), activity_score=500,
        activity_label="High", ready=True, open_good_first_issues=3,
    )  # fmt: skip


def waiting(n: int, name: str = "acme/mine", changes: int = 2, title: str = "A feature") -> WaitingProject:
    found = tuple(
        WaitingChange(n, name, f"https://git.example/{name}", k, title, f"https://git.example/{name}/pull/{k}",
                      f"author{k}", NOW - timedelta(days=9 - k), timedelta(days=9 - k))
        for k in range(1, changes + 1)
    )  # fmt: skip
    return WaitingProject(n, name, f"https://git.example/{name}", found[:WAITING_CHANGES_SHOWN], changes)


def me(level: str = "contributor", maintains: tuple[str, ...] = ()) -> MeView:
    return MeView(
        user_id="U1", accounts=(Account("github", "api.github.com", "ana", True),), level=level,
        maintains=maintains, trusted_on=(), projects=(), next_level="regular",
        needs=(Need(4, "merged", None, "github"),), window_days=180, subscriptions=(), cadence="daily",
        recommended=(),
    )  # fmt: skip


def blocks_text(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def elements(view: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        candidates = [block.get("accessory"), *(block.get("elements") or [])]
        found += [e for e in candidates if isinstance(e, dict) and e.get("action_id") == action_id]
    return found


def within_slack_limits(view: dict[str, Any]) -> None:
    assert view["type"] == "home"
    assert len(view["blocks"]) <= VIEW_BLOCKS
    assert len(json.dumps(view, separators=(",", ":")).encode()) <= VIEW_BYTES
    assert view_refusal(view) is None
    assert texts.TRUNCATED not in blocks_text(view)  # nothing had to be cut to fit


def test_the_newcomer_tab_says_how_to_start_and_shows_new_projects() -> None:
    view = home_tab(HomeView(36, issues=(issue(1),), new_projects=(project(7), project(8, "acme/other"))))
    within_slack_limits(view)
    text = blocks_text(view)
    for command in ("/innersource find design system", "/innersource subscribe TOPIC", "/innersource issues"):
        assert command in text
    assert "*36* projects" in text and "acme/new" in text and "Fix the thing" in text
    assert [e["value"] for e in elements(view, ACTION_SUBSCRIBE)] == ["7", "8"]
    assert elements(view, ACTION_CADENCE) == [] and elements(view, ACTION_UNSUBSCRIBE) == []


def test_300_subscriptions_fit_within_100_blocks_and_250_kb() -> None:
    terms = tuple(Term("topic", f"topic-{n:03d}", f"topic-{n:03d}") for n in range(20))
    subscribed = HomeView(
        36, known=True, cadence="weekly", subscriptions=terms, subscription_count=300,
        subscribed_projects=frozenset({7}), me=me(), issues=tuple(issue(n) for n in range(5)),
        issues_from=FROM_SUBSCRIPTIONS, new_projects=tuple(project(n) for n in range(5, 10)),
    )  # fmt: skip
    view = home_tab(subscribed)
    within_slack_limits(view)
    text = blocks_text(view)
    assert "…and 280 more — `/innersource subscriptions` lists them all." in text
    unsubscribe = [e["value"] for e in elements(view, ACTION_UNSUBSCRIBE)]
    assert unsubscribe[:20] == [f"topic:topic-{n:03d}" for n in range(20)]
    assert unsubscribe[20:] == ["project:7"]  # a new project they follow: *Unsubscribe* there too
    (select,) = elements(view, ACTION_CADENCE)
    assert select["type"] == "static_select" and select["initial_option"]["value"] == "weekly"
    assert [o["value"] for o in select["options"]] == ["instant", "daily", "weekly", "off"]
    assert "Your level: *Contributor*" in text and "4 more merged PRs anywhere you don't maintain" in text
    assert texts.ME_RECOMMENDED_LABEL in text


def test_a_maintainer_sees_what_waits_with_its_age_and_what_is_left_out() -> None:
    five = tuple(waiting(n, f"acme/p{n}", changes=4) for n in range(5))
    mine = HomeView(36, known=True, me=me(maintains=("acme/p0",)), waiting=five, waiting_projects=7)
    view = home_tab(replace(mine, waiting_changes=25))
    within_slack_limits(view)
    text = blocks_text(view)
    assert "25 outside contributions on 7 of your projects" in text
    assert "<https://git.example/acme/p0/pull/1|#1 A feature> by `author1`, waiting 8 days" in text
    assert "…and 2 more" in text  # the third and fourth changes of a project
    assert "…and 2 more projects" in text
    assert "Maintainer of acme/p0" in text


def full_tab(name: str, text: str, subscriptions: int = 300, changes: int = 40) -> HomeView:
    """Every list as long as the tab shows it, every name `name` and every title or label `text`."""
    terms = tuple(Term("topic", f"t{n}-{'y' * 60}", text) for n in range(20))
    return HomeView(
        36, known=True, subscriptions=terms, subscription_count=subscriptions, me=me(maintains=(text,) * 12),
        issues=tuple(issue(n, text, name) for n in range(5)), issues_from=FROM_ACTIVE,
        new_projects=tuple(project(n, name, text) for n in range(5)),
        waiting=tuple(waiting(n, name, changes, text) for n in range(5)),
        waiting_projects=40, waiting_changes=1600,
    )  # fmt: skip


def test_a_full_tab_of_long_hostile_strings_is_escaped_and_fits_without_cutting() -> None:
    hostile = f"{EVIL} {'x' * 300}"
    view = home_tab(full_tab("platform/security/" + "n" * 40, hostile))
    within_slack_limits(view)
    text = blocks_text(view)
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &amp; &lt;@U0BOSS&gt;" in text
    assert len(elements(view, ACTION_UNSUBSCRIBE)) == 20 and len(elements(view, ACTION_SUBSCRIBE)) == 5


def test_absurd_sizes_are_cut_with_a_notice_and_slack_still_takes_the_tab() -> None:
    view = home_tab(full_tab("acme/" + "n" * 400, "x" * 3000))
    assert len(view["blocks"]) <= VIEW_BLOCKS and view_refusal(view) is None
    assert view["blocks"][-1]["elements"][0]["text"] == texts.TRUNCATED
    # what waits for the maintainer comes before anything that gives way
    assert "outside contributions on 40 of your projects" in blocks_text(view)


def test_a_refused_user_sees_the_polite_notice_and_nothing_else() -> None:
    view = refused_tab("guest")
    within_slack_limits(view)
    assert [b["type"] for b in view["blocks"]] == ["header", "section"]
    assert texts.REFUSALS["guest"] in blocks_text(view)


@pytest.mark.parametrize(
    ("term", "value"),
    [
        (Term("topic", "kafka", "kafka"), "topic:kafka"),
        (Term("lang", "c#", "C#"), "lang:c#"),
        (Term("project", "42", "acme/x"), "project:42"),
        (Term("lang", "jupyter notebook", "Jupyter Notebook"), None),  # not one word: no button
    ],
)
def test_unsubscribe_values_round_trip(term: Term, value: str | None) -> None:
    assert unsubscribe_value(term) == value
    if value is not None:
        assert parse_unsubscribe_value(value) == (term.kind, term.value)


@pytest.mark.parametrize("value", ["", "forge:github", "topic:", "project:abc", "project:1 2", "topic:a b"])
def test_unsubscribe_values_we_did_not_make_are_refused(value: str) -> None:
    assert parse_unsubscribe_value(value) is None
