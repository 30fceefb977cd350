"""Block Kit builders: Slack's limits hold for any input; nothing a forge or user wrote can ping or link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.services.results import (
    ChecklistItem,
    FindQuery,
    FindResult,
    HelpTopic,
    IssueLink,
    Person,
    ProjectCard,
    ProjectChoice,
    ProjectHit,
    ProjectNotFound,
    ProjectSummary,
    ScorePart,
    UnknownCommand,
)
from bot.slack import texts
from bot.slack.blocks import (
    ACTION_DETAILS,
    ACTION_MORE,
    error_message,
    find_message,
    help_message,
    more_value,
    parse_more_value,
    project_message,
    refusal_message,
)
from bot.slack.limits import fit_blocks
from bot.slack.mrkdwn import escape, link, truncate_mrkdwn
from handlers.subcommands import HELP_LINES

EVIL = "<!channel> & <@U123> <https://evil.example|click me> <!subteam^S1>"
HUGE = "x" * 100_000

# -- helpers: walk a message the way Slack would read it ---------------------------------------------


def texts_of(message: dict[str, Any]) -> Iterator[str]:
    """Every string Slack parses as mrkdwn: the fallback and each mrkdwn text object.

    plain_text objects (header, button labels) are shown verbatim: Slack applies no markup to them
    (docs.slack.dev/reference/block-kit/composition-objects/text-object), so they need no escaping.
    """
    yield message["text"]
    stack: list[Any] = list(message.get("blocks", []))
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "mrkdwn":
                yield item["text"]
            stack.extend(v for k, v in item.items() if k != "text" or not isinstance(v, str))
        elif isinstance(item, list):
            stack.extend(item)


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in message["blocks"]:
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def assert_within_limits(message: dict[str, Any], max_blocks: int = 50) -> None:
    assert message["text"].strip() and len(message["text"]) <= 40_000
    blocks = message["blocks"]
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(0 < len(f["text"]) <= 2000 for f in block.get("fields", []))
        elif block["type"] == "header":
            assert block["text"]["type"] == "plain_text" and 0 < len(block["text"]["text"]) <= 150
        elif block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
        elif block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25
    for button in buttons(message):
        assert button["text"]["type"] == "plain_text" and 0 < len(button["text"]["text"]) <= 75
        assert len(button.get("value", "")) <= 2000


def assert_inert(message: dict[str, Any]) -> None:
    """No raw Slack control sequence from EVIL survives anywhere in the message."""
    for text in texts_of(message):
        for raw in ("<!channel>", "<@U123>", "<https://evil.example", "<!subteam"):
            assert raw not in text


def summary(i: int = 1, **changes: Any) -> ProjectSummary:
    fields: dict[str, Any] = dict(
        id=i,
        forge="github",
        full_name=f"acme/project-{i}",
        name=f"project-{i}",
        web_url=f"https://github.example/acme/project-{i}",
        description="A design system for web apps",
        languages=("TypeScript", "CSS"),
        topics=("design-system", "ui"),
        activity_score=1234,
        activity_label="Very high",
        ready=True,
        open_good_first_issues=3,
    )
    fields.update(changes)
    return ProjectSummary(**fields)


def find_result(hits: int = 2, total: int | None = None, offset: int = 0, **query: Any) -> FindResult:
    q = FindQuery(text=query.pop("text", "design system"), words=("design", "system"), **query)
    found = tuple(
        ProjectHit(summary(offset + i + 1), ("name “design”", "topic design-system")) for i in range(hits)
    )
    return FindResult(q, found, offset, total if total is not None else offset + hits, catalog_size=40)


def card(**changes: Any) -> ProjectCard:
    fields: dict[str, Any] = dict(
        summary=summary(7),
        title="Acme Design System",
        motivation="One look and feel for every internal app.",
        maintainers=(Person("@jasmine", "U0JASMINE"), Person("@acme/design-team")),
        trusted_committers=(Person("@omar"),),
        skills=("React", "Accessibility"),
        checklist=(
            ChecklistItem("readme", "README", True),
            ChecklistItem("contributing", "CONTRIBUTING", False),
        ),
        score_parts=(ScorePart("Forks", "12"), ScorePart("Stars", "40")),
        good_first_issues=(
            IssueLink(12, "Fix button focus ring", "https://github.example/acme/project-7/issues/12"),
        ),
        contributing_url="https://github.example/acme/project-7/blob/main/CONTRIBUTING.md",
        docs_url=None,
        chat_channel="#design-system",
        stars=40,
        forks=12,
    )
    fields.update(changes)
    return ProjectCard(**fields)


def all_text(message: dict[str, Any]) -> str:
    return "\n".join(texts_of(message))


# -- limits ---------------------------------------------------------------------------------------


def test_every_builder_stays_within_limits_for_ordinary_input() -> None:
    for message in (
        help_message(HelpTopic(commands=HELP_LINES)),
        help_message(HelpTopic(UnknownCommand("fnd", "find"), ("find kafka",))),
        find_message(find_result(5, total=12)),
        find_message(find_result(0)),
        project_message(card()),
        project_message(ProjectChoice("design", (summary(1), summary(2)))),
        project_message(ProjectNotFound("desgn", summary(3), catalog_size=40)),
        refusal_message("guest"),
        error_message(),
    ):
        assert_within_limits(message)
        assert message["response_type"] == "ephemeral"


def test_huge_find_results_stay_within_limits() -> None:
    project = summary(description=HUGE, topics=tuple(f"t{i}" for i in range(500)), full_name="a/" + HUGE)
    hits = tuple(ProjectHit(project, tuple(HUGE for _ in range(200))) for _ in range(5))
    query = FindQuery(text=HUGE, words=(HUGE,), problems=tuple(HUGE for _ in range(50)))
    message = find_message(FindResult(query, hits, 0, 1000, catalog_size=5000, suggestions=(HUGE,) * 50))
    assert_within_limits(message)
    more = [b for b in buttons(message) if b["action_id"] == ACTION_MORE]
    assert len(more) == 1 and parse_more_value(more[0]["value"]) is not None


def test_huge_project_card_stays_within_limits() -> None:
    many_people = tuple(Person("@" + HUGE[:500]) for _ in range(1000))
    message = project_message(
        card(
            title=HUGE,
            motivation=HUGE,
            maintainers=many_people,
            trusted_committers=many_people,
            skills=(HUGE,) * 100,
            checklist=tuple(ChecklistItem(str(i), HUGE[:200], i % 2 == 0) for i in range(1000)),
            score_parts=tuple(ScorePart(HUGE[:100], HUGE[:100]) for _ in range(100)),
            good_first_issues=tuple(IssueLink(i, HUGE, "https://x.example/" + HUGE) for i in range(1000)),
            chat_channel=HUGE,
        )
    )
    assert_within_limits(message)
    assert message["blocks"][0]["text"]["text"].endswith("…")


def test_a_long_choice_list_stays_within_limits() -> None:
    message = project_message(ProjectChoice(HUGE, tuple(summary(i, description=HUGE) for i in range(500))))
    assert_within_limits(message)


def test_more_blocks_than_slack_allows_are_cut_with_a_notice() -> None:
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": f"item {i}"}} for i in range(80)]
    fitted = fit_blocks(sections)
    assert len(fitted) == 50
    assert fitted[-1]["elements"][0]["text"] == texts.TRUNCATED
    assert fit_blocks(sections[:50]) == sections[:50]  # exactly 50 fit as they are


def test_total_block_text_is_kept_under_slacks_cumulative_limit() -> None:
    sections = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 2900}} for i in range(10)]
    fitted = fit_blocks(sections)
    assert (
        sum(len(b["elements"][0]["text"] if b["type"] == "context" else b["text"]["text"]) for b in fitted)
        < 12_000
    )
    assert fitted[-1]["elements"][0]["text"] == texts.TRUNCATED


def test_truncation_never_leaves_half_a_link_or_entity() -> None:
    text = "see " + link("https://example.com/a", "a label") + " and &amp; more"
    for limit in range(5, len(text)):
        cut = truncate_mrkdwn(text, limit)
        assert len(cut) <= limit
        assert cut.count("<") == cut.count(">")
        if "&" in cut:
            assert "&amp;" in cut


# -- escaping -------------------------------------------------------------------------------------


def test_escape_follows_slacks_rule() -> None:
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape("&lt;") == "&amp;lt;"  # text that looks escaped is escaped again, not trusted


def test_forge_text_cannot_ping_or_link_anywhere() -> None:
    evil_project = summary(
        description=EVIL, full_name=EVIL, name=EVIL, languages=(EVIL,), topics=(EVIL,), activity_label=EVIL
    )
    evil_query = FindQuery(text=EVIL, words=(EVIL,), problems=(EVIL,))
    messages = [
        find_message(FindResult(evil_query, (ProjectHit(evil_project, (EVIL,)),), 0, 9, 40)),
        find_message(FindResult(evil_query, (), 0, 0, 40, suggestions=(EVIL,))),
        project_message(
            card(
                summary=evil_project,
                title=EVIL,
                motivation=EVIL,
                maintainers=(Person(EVIL),),
                trusted_committers=(Person(EVIL, slack_user_id="U1> <!channel"),),
                skills=(EVIL,),
                checklist=(ChecklistItem("x", EVIL, False),),
                score_parts=(ScorePart(EVIL, EVIL),),
                good_first_issues=(IssueLink(1, EVIL, "https://x.example/1"),),
                chat_channel=EVIL,
            )
        ),
        project_message(ProjectChoice(EVIL, (evil_project,))),
        project_message(ProjectNotFound(EVIL, evil_project, 40)),
        help_message(HelpTopic(UnknownCommand(EVIL, EVIL), (EVIL,))),
    ]
    for message in messages:
        assert_inert(message)
        assert "&lt;!channel&gt;" in all_text(message)


def test_link_labels_and_urls_cannot_break_out() -> None:
    made = link("https://x.example/a|b<c>d e?q=1&r=&gt;", "a|b>c")
    assert made == "<https://x.example/a%7Cb%3Cc%3Ed%20e?q=1&amp;r=&amp;gt;|a¦b&gt;c>"
    assert made.count("<") == 1 and made.count(">") == 1 and made.count("|") == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x.example/f", "//x.example", "mailto:a@b", ""])
def test_only_http_urls_become_links(url: str) -> None:
    message = find_message(
        FindResult(FindQuery("x", ("x",)), (ProjectHit(summary(web_url=url), ()),), 0, 1, 1)
    )
    text = all_text(message)
    assert "acme/project-1" in text and "<" not in text.replace("<@", "")


def test_linked_people_are_mentioned_and_others_escaped() -> None:
    text = all_text(project_message(card()))
    assert "<@U0JASMINE>" in text and "@acme/design-team" in text


# -- content and values ---------------------------------------------------------------------------


def test_find_hit_shows_what_the_spec_asks() -> None:
    message = find_message(find_result(1))
    text = all_text(message)
    assert "<https://github.example/acme/project-1|acme/project-1>" in text
    for expected in (
        "A design system",
        "TypeScript",
        "design-system",
        "Very high",
        "1234",
        "3 open good first",
    ):
        assert expected in text
    assert texts.READY_BADGE in text and "name “design”" in text
    (details,) = buttons(message)
    assert details["action_id"] == ACTION_DETAILS and details["value"] == "1"


def test_more_button_only_when_there_is_more() -> None:
    assert ACTION_MORE not in json.dumps(find_message(find_result(5, total=5)))
    more = [b for b in buttons(find_message(find_result(5, total=12))) if b["action_id"] == ACTION_MORE]
    assert parse_more_value(more[0]["value"]) == ("design system", 5)


def test_more_value_round_trips_and_long_queries_are_shortened() -> None:
    assert parse_more_value(more_value("kafka  client lang:java", 10)) == ("kafka client lang:java", 10)
    for query in ("ü" * 5000, "\x01" * 5000, '"' * 5000, "🦄" * 3000):
        value = more_value(query, 1_000_000)
        assert len(value) <= 2000
        parsed = parse_more_value(value)
        assert parsed is not None and query.startswith(parsed[0]) and parsed[1] == 1_000_000


@pytest.mark.parametrize(
    "value", ["", "5", "[1]", '{"q": 1, "o": 0}', '{"q": "x", "o": -1}', '{"q": "x", "o": true}']
)
def test_foreign_more_values_are_rejected(value: str) -> None:
    assert parse_more_value(value) is None


def test_no_match_says_so_with_suggestions() -> None:
    result = FindResult(
        FindQuery("desgn", ("desgn",)), (), 0, 0, 40, suggestions=("design-system", "topic:design")
    )
    text = all_text(find_message(result))
    assert "No projects match “desgn”" in text and "`design-system`" in text and "`topic:design`" in text


def test_empty_catalog_is_explained() -> None:
    assert texts.EMPTY_CATALOG in all_text(find_message(FindResult(FindQuery("x", ("x",)), (), 0, 0, 0)))
    assert texts.EMPTY_CATALOG in all_text(project_message(ProjectNotFound("x")))


def test_query_problems_are_shown() -> None:
    text = all_text(find_message(find_result(1, problems=('unknown forge "bitbucket" (github or gitlab)',))))
    assert "unknown forge &quot;" not in text and 'unknown forge "bitbucket"' in text


def test_project_card_content() -> None:
    message = project_message(card())
    text = all_text(message)
    assert message["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Acme Design System", "emoji": True},
    }
    assert ":white_check_mark: README" in text and ":x: CONTRIBUTING" in text
    assert "<https://github.example/acme/project-7/issues/12|#12 Fix button focus ring>" in text
    assert "<https://github.example/acme/project-7/blob/main/CONTRIBUTING.md|Contributing guide>" in text
    assert "#design-system" in text and "One look and feel" in text and "Forks: 12" in text
    assert "React" in text and "Very high (1234)" in text


def test_choice_and_not_found_offer_details_buttons() -> None:
    choice = project_message(ProjectChoice("design", (summary(1), summary(2))))
    assert [b["value"] for b in buttons(choice)] == ["1", "2"]
    not_found = project_message(ProjectNotFound("desgn", summary(3), 40))
    assert [b["value"] for b in buttons(not_found)] == ["3"]
    assert "Did you mean" in all_text(not_found)


def test_help_lists_every_subcommand_of_the_table_with_its_example() -> None:
    text = all_text(help_message(HelpTopic(commands=HELP_LINES)))
    for line in HELP_LINES:
        assert f"/innersource {line.example}" in text and line.summary in text


def test_help_for_an_unknown_word_suggests_the_closest() -> None:
    text = all_text(help_message(HelpTopic(UnknownCommand("fnd", "find"))))
    assert "`fnd`" in text and "Did you mean `/innersource find`?" in text


def test_guest_refusal_wording() -> None:
    expected = "Sorry — InnerSource Bot is available to full members of this workspace only."
    assert all_text(refusal_message("guest")).count(expected) == 2  # fallback and block
