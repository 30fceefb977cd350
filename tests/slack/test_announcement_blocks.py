"""The announce channel's posts and `/innersource new`: what a post shows, that no forge string can
ping or forge a link, the composers' drops, the first run's summary, and the `stats` line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from bot.app import Core
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.operations import OutboxEntry
from bot.services.announcements import ANNOUNCEMENT, SUMMARY, AnnounceHealth
from bot.services.outbox import Drop
from bot.services.results import IssueLink, Person, ProjectCard, ProjectSummary
from bot.slack.announcement_blocks import (
    NEW_SHOWN,
    announcement_message,
    compose_announcement,
    compose_announcement_summary,
    new_projects_message,
)
from bot.slack.blocks import ACTION_DETAILS
from bot.slack.limits import MAX_BLOCKS_MESSAGE
from bot.slack.stats_blocks import announce_line
from bot.slack.subscription_blocks import ACTION_SUBSCRIBE, ACTION_UNSUBSCRIBE
from tests.services.test_metrics import add_project

# Everything Slack would read as markup: a channel ping, a user mention, a forged link, an entity.
HOSTILE = "<!channel> <!here> <@U0BOSS> <http://evil.example|click me> &amp; <#C0SECRET>"
RAW_MARKUP = ("<!channel>", "<!here>", "<@U0BOSS>", "<http://evil.example", "<#C0SECRET>")


def summary(**changes: Any) -> ProjectSummary:
    values: dict[str, Any] = dict(
        id=7, forge="github", full_name="acme/aurora-design-system", name="aurora-design-system",
        web_url="https://github.example/acme/aurora-design-system",
        description="React components and tokens for every product", languages=("TypeScript", "CSS"),
        topics=("design-system", "react"), activity_score=900, activity_label="High", ready=True,
        open_good_first_issues=4,
    )  # fmt: skip
    return ProjectSummary(**(values | changes))


def card(**changes: Any) -> ProjectCard:
    values: dict[str, Any] = dict(
        summary=summary(), title="Aurora", motivation="One design system instead of twelve.",
        maintainers=(Person("@alice", "U0ALICE"), Person("@bob")), trusted_committers=(), skills=(),
        checklist=(), score_parts=(),
        good_first_issues=(
            IssueLink(12, "Add dark-mode tokens", "https://github.example/acme/aurora-design-system/issues/12"),
            IssueLink(15, "Document Button", "https://github.example/acme/aurora-design-system/issues/15"),
        ),
        contributing_url="https://github.example/acme/aurora-design-system/blob/main/CONTRIBUTING.md",
        docs_url=None, chat_channel="#aurora",
    )  # fmt: skip
    return ProjectCard(**(values | changes))


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def test_a_post_shows_the_project_and_how_to_join_in() -> None:
    message = announcement_message(card())
    shown = text_of(message["blocks"])

    assert "response_type" not in message  # a channel post, not an answer to a command
    assert message["text"] == (
        "New InnerSource project: acme/aurora-design-system — React components and tokens for every product"
    )
    assert "*<https://github.example/acme/aurora-design-system|acme/aurora-design-system>* · GitHub" in shown
    assert "*Aurora*\\nOne design system instead of twelve." in shown  # innersource.json first
    assert "*Languages*\\nTypeScript, CSS" in shown and "*Topics*\\ndesign-system, react" in shown
    assert "*Maintainers*\\n<@U0ALICE>, @bob" in shown  # linked: a mention; not linked: the login
    assert "|Contributing guide>" in shown and "Chat: #aurora" in shown
    assert "*Good first issues* (4 open)" in shown
    assert "<https://github.example/acme/aurora-design-system/issues/12|#12 Add dark-mode tokens>" in shown
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (ACTION_DETAILS, "7"),
        (ACTION_SUBSCRIBE, "7"),
    ]


def test_without_innersource_json_the_description_says_what_it_is() -> None:
    shown = text_of(
        announcement_message(card(title=None, motivation=None, contributing_url=None, chat_channel=None))[
            "blocks"
        ]
    )
    assert "React components and tokens for every product" in shown and "*Aurora*" not in shown
    assert "<https://github.example/acme/aurora-design-system|its README>" in shown


def test_no_open_good_first_issue_says_so() -> None:
    shown = text_of(
        announcement_message(card(summary=summary(open_good_first_issues=0), good_first_issues=()))["blocks"]
    )
    assert "*Good first issues*\\nNone open right now" in shown


def test_no_forge_string_can_ping_or_forge_a_link() -> None:
    hostile = card(
        summary=summary(
            full_name=f"acme/{HOSTILE}", name=HOSTILE, description=HOSTILE, languages=(HOSTILE,),
            topics=(HOSTILE,), web_url=f"https://github.example/{HOSTILE}",
        ),
        title=HOSTILE, motivation=HOSTILE, maintainers=(Person(HOSTILE), Person("@alice", "<!channel>")),
        good_first_issues=(IssueLink(1, HOSTILE, f"https://github.example/issues/1?{HOSTILE}"),),
        contributing_url=f"https://github.example/CONTRIBUTING.md|{HOSTILE}", docs_url="javascript:alert(1)",
        chat_channel=HOSTILE,
    )  # fmt: skip
    message = announcement_message(hostile)
    shown = text_of(message)
    for markup in RAW_MARKUP:
        assert markup not in shown, markup
    assert "&lt;!channel&gt;" in shown and "&amp;amp;" in shown  # shown as text, escaped once
    assert "javascript:" not in shown  # not a link Slack would make
    assert len(message["blocks"]) <= MAX_BLOCKS_MESSAGE


def test_the_first_runs_summary() -> None:
    entry = OutboxEntry(key="announce:summary", kind=SUMMARY, recipient="C0A", payload={"count": 21})
    message = compose_announcement_summary(None, entry)  # type: ignore[arg-type]  # needs no session
    assert not isinstance(message, Drop)
    assert message["text"] == "21 InnerSource projects are ready — try /innersource find or /innersource new"
    assert "*21 InnerSource projects are ready* — try `/innersource find` or `/innersource new`" in text_of(
        message["blocks"]
    )
    bad = OutboxEntry(key="announce:summary", kind=SUMMARY, recipient="C0A", payload={"count": "lots"})
    assert compose_announcement_summary(None, bad) == Drop("announcement summary: bad payload")  # type: ignore[arg-type]


def test_the_composer_reads_the_project_at_send_time_and_drops_one_that_left(core: Core) -> None:
    with session_scope(core.sessions) as session:
        project = add_project(session, "acme/aurora", ["alice"], ready=True)
        project.description = "Components <!channel>"
        project_id = project.id

    def compose(payload: dict[str, Any]) -> object:
        entry = OutboxEntry(key="announce:x", kind=ANNOUNCEMENT, recipient="C0A", payload=payload)
        with core.sessions() as session:
            return compose_announcement(session, entry)

    composed = compose({"project_id": project_id, "project_key": "github:api.github.com:1"})
    assert isinstance(composed, dict) and "Components &lt;!channel&gt;" in text_of(composed)
    with session_scope(core.sessions) as session:
        session.execute(update(Project).where(Project.id == project_id).values(listed=False))
    assert compose({"project_id": project_id}) == Drop("project no longer listed")
    assert compose({"project_id": project_id + 1000}) == Drop("project no longer listed")
    assert compose({"project_id": "7"}) == Drop("announcement: bad payload")


def test_new_lists_projects_as_find_does_and_says_when_there_are_none() -> None:
    projects = [summary(id=n, full_name=f"acme/p{n}", name=f"p{n}") for n in range(1, 13)]
    message = new_projects_message(projects, 30, 40, subscribed={2})
    shown = text_of(message)
    assert "*12 projects* became InnerSource-ready in the last 30 days — newest first" in shown
    assert shown.index("|acme/p1>") < shown.index("|acme/p2>") < shown.index("|acme/p10>")
    assert "|acme/p11>" not in shown and f"…and {12 - NEW_SHOWN} more" in shown
    subscribe = [
        e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"] if e["value"] == "2"
    ]
    assert [e["action_id"] for e in subscribe] == [ACTION_UNSUBSCRIBE]  # the caller follows p2 already
    assert len(message["blocks"]) <= MAX_BLOCKS_MESSAGE

    nothing = text_of(new_projects_message([], 30, 40))
    assert "No project has become InnerSource-ready in the last 30 days" in nothing
    assert "/innersource find WORDS" in nothing
    assert "no projects have been crawled yet" in text_of(new_projects_message([], 30, 0))


def test_the_stats_line_for_the_announce_channel() -> None:
    since = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert "not set" in announce_line(AnnounceHealth(None))
    assert announce_line(AnnounceHealth("C0ANNOUNCE", announced=4)) == (
        "*Announce channel* <#C0ANNOUNCE>: 4 projects announced"
    )
    assert announce_line(AnnounceHealth("#news", "channel_not_found", since, waiting=3)) == (
        "*Announce channel* #news: not found (check `announce_channel`) since 2026-11-01 09:30 UTC; "
        "3 posts waiting"
    )
    line = announce_line(AnnounceHealth("#<!channel>", "is_archived", since, waiting=1))
    assert "archived since" in line and "1 post waiting" in line and "<!channel>" not in line
