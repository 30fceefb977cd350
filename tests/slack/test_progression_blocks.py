"""`me`, milestone and `admin` messages: plain words for what is next, unverified accounts marked,
forge text escaped, Slack's limits kept, a text fallback always."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.services.progression_views import (
    AMBIGUOUS_PROJECT,
    NO_SUCH_PROJECT,
    NOT_ADMIN,
    PROMOTED,
    USAGE,
    Account,
    AdminResult,
    MeView,
    MilestoneNote,
    Need,
    ProjectProgress,
)
from bot.services.routing_issues import IssueView
from bot.slack.issue_blocks import ACTION_CLAIM
from bot.slack.limits import MAX_BLOCKS_MESSAGE, MAX_SECTION_TEXT
from bot.slack.progression_blocks import (
    admin_help_message,
    admin_message,
    crawl_done_message,
    me_message,
    milestone_message,
    needs_shown,
)

EVIL = "<!channel> & <@U123>"


def _issue(n: int = 1, title: str = "Expose consumer lag") -> IssueView:
    return IssueView(
        id=100 + n, number=n, title=title, url=f"https://github.example/acme/kafka-client/issues/{n}",
        labels=("good first issue",), created_at=datetime(2026, 10, 25, tzinfo=UTC), project_id=7,
        project_name="acme/kafka-client", project_url="https://github.example/acme/kafka-client",
    )  # fmt: skip


def _project(
    name: str = "acme/kafka-client", forge: str = "github", role: str = "contributor"
) -> ProjectProgress:
    return ProjectProgress(
        project_id=7, full_name=name, web_url=f"https://{forge}.example/{name}", forge=forge, role=role,
        merged_window=7, merged_all=9, reviews_window=3, reviews_all=4,
    )  # fmt: skip


def _me(**changes: Any) -> MeView:
    view = {
        "user_id": "U0SAM", "accounts": (Account("github", "api.github.com", "sam", True),),
        "level": "regular", "maintains": (), "trusted_on": (), "projects": (_project(),),
        "next_level": "candidate",
        "needs": (Need(3, "merged", "acme/kafka-client", "github"), Need(2, "reviews", "acme/kafka-client")),
        "window_days": 180, "subscriptions": ("kafka", "Go"), "cadence": "daily", "recommended": (),
    }  # fmt: skip
    return MeView(**(view | changes))


def _text(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def _within_limits(message: dict[str, Any]) -> None:
    assert message["text"] and len(message["blocks"]) <= MAX_BLOCKS_MESSAGE
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT


def test_me_says_level_work_and_next_step_in_plain_words() -> None:
    message = me_message(_me())
    text = _text(message)
    assert message["response_type"] == "ephemeral"
    assert "Your level: *Regular*" in text and "GitHub `sam`" in text and "unverified" not in text
    assert "7 merged PRs and 3 reviews in the last 180 days (9 and 4 all time)" in text
    assert (
        "*Next: Trusted-committer candidate* — 3 more merged PRs in acme/kafka-client and 2 more reviews"
        in text
    )
    assert "`kafka`, `Go`" in text and "a daily digest" in text
    _within_limits(message)


def test_needs_say_mrs_on_gitlab_anywhere_and_or_between_projects() -> None:
    assert needs_shown([Need(1, "merged", None, "gitlab")]) == "1 more merged MR anywhere you don't maintain"
    both = needs_shown(
        [Need(2, "merged", "a/x", "github"), Need(1, "reviews", "a/x"), Need(4, "merged", "g/y", "gitlab")]
    )
    assert both == "2 more merged PRs in a/x and 1 more review or 4 more merged MRs in g/y"
    assert needs_shown([Need(0, "approval", "a/x")]) == ""


def test_me_for_the_unlinked_the_unverified_and_the_top_level() -> None:
    unlinked = _text(me_message(_me(accounts=(), projects=())))
    assert "/innersource link github LOGIN" in unlinked and "/innersource link gitlab LOGIN" in unlinked
    assert "e-mail" in unlinked
    unverified = _me(accounts=(Account("gitlab", "gitlab.com", "sam", False),))
    assert "GitLab `sam` (unverified — self-declared with `link`)" in _text(me_message(unverified))
    trusted = _me(level="trusted", next_level=None, needs=(), trusted_on=("acme/kafka-client",))
    text = _text(me_message(trusted))
    assert "*Trusted committer*" in text and "Trusted committer of acme/kafka-client" in text
    assert "top of the ladder" in text
    waiting = _text(
        me_message(_me(level="candidate", next_level="trusted", needs=(Need(0, "approval", "a/x"),)))
    )
    assert "a maintainer of a/x approving your nomination" in waiting


def test_me_escapes_forge_text_and_stays_within_limits() -> None:
    projects = tuple(_project(f"acme/{EVIL}-{n}" * 5, role="maintainer") for n in range(40))
    view = _me(
        accounts=(Account("github", "h", EVIL, False),), maintains=tuple(p.full_name for p in projects),
        projects=projects, needs=(Need(1, "merged", EVIL),), subscriptions=(EVIL,) * 30,
        recommended=(_issue(1, EVIL), _issue(2), _issue(3), _issue(4)),
    )  # fmt: skip
    message = me_message(view)
    text = _text(message)
    assert "<!channel>" not in text and "<@U123>" not in text and "&lt;!channel&gt;" in text
    claims = [b for b in message["blocks"] if b.get("accessory", {}).get("action_id") == ACTION_CLAIM]
    assert len(claims) == 3  # at most three recommendations
    assert "more projects" in text  # projects past what fits are counted, not cut off
    assert "and 3 more projects" in _text(
        me_message(_me(projects=tuple(_project(f"a/{n}") for n in range(13))))
    )
    _within_limits(message)


def test_milestones_are_short_and_say_where_to_go_next() -> None:
    first = milestone_message(
        MilestoneNote(("first-merged",), "contributor", (), (_issue(1, EVIL), _issue(2)))
    )
    text = _text(first)
    assert "response_type" not in first and "first merged contribution" in text and "thank you" in text
    assert "Where to go next" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text
    _within_limits(first)
    levels = _text(
        milestone_message(MilestoneNote(("level:contributor", "level:regular"), "regular", (), ()))
    )
    assert "*Contributor*" in levels and "*Regular*" in levels
    trusted = milestone_message(MilestoneNote(("trusted:7", "level:trusted"), "trusted", (EVIL,), ()))
    assert "trusted committer* of &lt;!channel&gt;" in _text(trusted)
    assert _text(trusted).count("trusted committer* of") == 1
    assert "Trusted-committer candidate" in _text(
        milestone_message(MilestoneNote(("level:candidate",), "candidate", (), ()))
    )


def test_admin_answers() -> None:
    assert "Made a trusted committer: sam on acme/x" in _text(
        admin_message(AdminResult(PROMOTED, "sam on acme/x"))
    )
    assert "admins only" in _text(admin_message(AdminResult(NOT_ADMIN)))
    missing = _text(admin_message(AdminResult(NO_SUCH_PROJECT, EVIL)))
    assert "&lt;!channel&gt;" in missing and "<!channel>" not in missing
    choices = _text(admin_message(AdminResult(AMBIGUOUS_PROJECT, "x", ("a/x", "b/x"))))
    assert "`a/x`, `b/x`" in choices
    usage = _text(admin_message(AdminResult(USAGE)))
    assert "admin promote @user PROJECT" in usage and "admin crawl" in usage
    assert "admin crawl" in _text(admin_help_message())
    assert "&lt;!channel&gt;" in _text(crawl_done_message(f"crawl ok {EVIL}"))
