"""Block Kit and mrkdwn as terminal text: pure functions, no sockets."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.console.console_render import RULE, Button, mrkdwn_to_plain, render_blocks, render_message


@pytest.mark.parametrize(
    ("mrkdwn", "plain"),
    [
        (
            "<https://git.example/ui/design-system|design-system>",
            "design-system (https://git.example/ui/design-system)",
        ),
        ("see <https://git.example/x>", "see https://git.example/x"),
        ("<https://git.example/x|https://git.example/x>", "https://git.example/x"),
        ("maintained by <@U0JASMINE>", "maintained by @U0JASMINE"),
        ("maintained by <@U0JASMINE|jasmine>", "maintained by @jasmine"),
        ("ask in <#C0UI|design-system>", "ask in #design-system"),
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("<!subteam^S0UI|@ui-team> review", "@ui-team review"),
        ("<!date^1767225600^{date}|1 Jan 2026>", "1 Jan 2026"),
        ("*Design System* _ui_ `code`", "*Design System* _ui_ `code`"),  # markers kept, consistently
        (":white_check_mark: README  :x: CONTRIBUTING", "✓ README  ✗ CONTRIBUTING"),
        (":rocket: launch", ":rocket: launch"),  # unknown shortcodes stay as typed
    ],
)
def test_mrkdwn_reads_as_slack_shows_it(mrkdwn: str, plain: str) -> None:
    assert mrkdwn_to_plain(mrkdwn) == plain


def test_escaped_user_text_displays_as_typed_and_stays_inert() -> None:
    # A repo description `Ping <!channel> & <@U1> &lt;b&gt;` as our escape() puts it on the wire.
    wire = "Ping &lt;!channel&gt; &amp; &lt;@U1&gt; &amp;lt;b&amp;gt;"
    assert mrkdwn_to_plain(wire) == "Ping <!channel> & <@U1> &lt;b&gt;"


def test_entities_inside_a_link_label_are_decoded_after_the_link_is_read() -> None:
    assert (
        mrkdwn_to_plain("<https://x.example/?a=1&amp;b=2|A &amp; B>") == "A & B (https://x.example/?a=1&b=2)"
    )


def _find_answer() -> list[dict[str, Any]]:
    return [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Projects for “design system”", "emoji": True},
        },
        {
            "type": "section",
            "block_id": "p1",
            "text": {
                "type": "mrkdwn",
                "text": "*<https://git.example/ui/ds|ui/design-system>*\nOur components",
            },
            "fields": [{"type": "mrkdwn", "text": "*Languages*\nTypeScript"}],
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Activity: High"},
                {"type": "plain_text", "text": "3 good first issues"},
            ],
        },
        {
            "type": "actions",
            "block_id": "project:ui/design-system",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Details"},
                    "action_id": "details",
                    "value": "42",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Subscribe"},
                    "action_id": "subscribe",
                    "value": "topic:ui",
                },
            ],
        },
        {"type": "divider"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "More results"},
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "More"},
                "action_id": "more",
                "value": "page:2",
            },
        },
    ]


def test_a_find_answer_renders_readably_with_numbered_buttons() -> None:
    rendered = render_blocks(_find_answer())
    assert rendered.text.splitlines() == [
        "PROJECTS FOR “DESIGN SYSTEM”",
        "============================",
        "*ui/design-system (https://git.example/ui/ds)*",
        "Our components",
        "*Languages*: TypeScript",
        "Activity: High · 3 good first issues",
        "[Details] (1)  [Subscribe] (2)",
        RULE,
        "More results",
        "[More] (3)",
    ]
    assert rendered.buttons == (
        Button(1, "Details", "details", "42", "project:ui/design-system"),
        Button(2, "Subscribe", "subscribe", "topic:ui", "project:ui/design-system"),
        Button(3, "More", "more", "page:2", ""),
    )


def test_numbering_can_continue_from_an_earlier_part_of_the_answer() -> None:
    rendered = render_blocks(_find_answer(), first_button=4)
    assert [b.number for b in rendered.buttons] == [4, 5, 6]
    assert "[Details] (4)  [Subscribe] (5)" in rendered.text


def test_a_link_button_shows_where_it_goes() -> None:
    block = {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Contribute"},
                "url": "https://git.example/c",
                "action_id": "open",
            }
        ],
    }
    rendered = render_blocks([block])
    assert rendered.text == "[Contribute] (1) https://git.example/c"
    assert rendered.buttons[0].url == "https://git.example/c"


def test_text_is_printed_when_there_are_no_blocks() -> None:
    rendered = render_message({"text": "Nothing matches “kafak”. Did you mean *kafka*? &lt;3"})
    assert rendered.text == "Nothing matches “kafak”. Did you mean *kafka*? <3"
    assert rendered.buttons == ()


def test_blocks_win_over_the_notification_text() -> None:
    message = {
        "text": "fallback",
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "A &amp; B"}}],
    }
    assert render_message(message).text == "A & B"


def test_unknown_blocks_and_elements_are_named_not_dropped() -> None:
    blocks = [
        {"type": "rich_text", "elements": []},
        {
            "type": "actions",
            "elements": [{"type": "static_select", "placeholder": {"type": "plain_text", "text": "Cadence"}}],
        },
        {"type": "image", "image_url": "https://x.example/logo.png", "alt_text": "logo"},
    ]
    assert render_blocks(blocks).text.splitlines() == [
        "[rich_text block]",
        "[static_select: Cadence]",
        "[image: logo]",
    ]
