"""The welcome DM's blocks, without IO: topics escaped and offered one button each, what it says when
the channel has no topics yet, and a channel id that is not one shown as words."""

from __future__ import annotations

import json

from bot.services.welcome import TopicCount, WelcomeNote
from bot.slack.limits import MAX_BLOCKS_MESSAGE
from bot.slack.welcome_blocks import ACTION_SUBSCRIBE_TOPIC, welcome_message


def test_topics_are_offered_one_button_each_and_escaped() -> None:
    hostile = "<!channel>&<@U0BOSS>"
    note = WelcomeNote("C0ANNOUNCE", (TopicCount("kafka", 4), TopicCount(hostile, 1)), 12)
    message = welcome_message(note)
    text = json.dumps(message, ensure_ascii=False)
    assert "<#C0ANNOUNCE>" in text and "12 projects are ready today" in text
    assert "`/innersource find kafka`" in text and "*kafka* — 4 projects" in text
    assert "<!channel>" not in text.replace(f'"value": "{hostile}"', "") and "&lt;!channel&gt;&amp;" in text
    buttons = [b["accessory"] for b in message["blocks"] if "accessory" in b]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ACTION_SUBSCRIBE_TOPIC, "kafka"), (ACTION_SUBSCRIBE_TOPIC, hostile),
    ]  # fmt: skip
    assert message["text"].startswith("Welcome!") and "response_type" not in message  # a DM
    assert len(message["blocks"]) <= MAX_BLOCKS_MESSAGE


def test_without_topics_there_is_no_subscribe_section_and_a_plain_example() -> None:
    message = welcome_message(WelcomeNote("not-a-channel", (), 1))
    text = json.dumps(message, ensure_ascii=False)
    assert "Welcome to the InnerSource channel!" in text and "1 project is ready today" in text
    assert "`/innersource find design system`" in text and "Subscribe to" not in text
    assert not any("accessory" in b for b in message["blocks"])
