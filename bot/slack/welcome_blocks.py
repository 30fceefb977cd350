"""Block Kit for the welcome DM to someone who joined the announce channel, and its composer.

The outbox deliverer calls `compose_welcome` at send time (registered in bot/app.py `build_deliverer`):
what the bot does, three commands to try, and a *Subscribe to …* button for each of the channel's most
common topics (answered by handlers/welcome_actions.py). Topics come from the forges: escaped.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from bot.db.operations import OutboxEntry
from bot.services.outbox import Drop
from bot.services.welcome import WelcomeNote, welcome_note
from bot.slack import texts
from bot.slack.block_kit import Block, Message, button, context, dm, section
from bot.slack.mrkdwn import code_body, escape, one_line, truncate_plain

ACTION_SUBSCRIBE_TOPIC = "welcome_subscribe_topic"  # value: the topic key

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_TOPIC = 60  # characters of a topic shown

SUBSCRIBE_TOPIC_BUTTON = "Subscribe"
SUBSCRIBE_LABEL = "Subscribe to …"
FOOTER = (
    "Your App Home tab (the *Home* tab of this app) shows your subscriptions, your progress and new "
    f"projects. I don't read replies here — talk to me with `{texts.COMMAND}`."
)


def welcome_intro(channel: str, ready: int) -> str:
    count = f"{ready} project{'' if ready == 1 else 's'} {'is' if ready == 1 else 'are'} ready today."
    return (
        f":wave: Welcome to {channel}! I'm {texts.BOT_NAME}: I know the InnerSource projects on our GitHub "
        "and GitLab — what they do, who maintains them, how active they are and which good first issues "
        "wait for a newcomer — and I post each one there the first time it is ready for contributions. "
        + count
    )


def three_commands(topic: str) -> str:
    """The three commands to try; `topic`: a topic word, escaped, for the first."""
    return "\n".join(
        [
            "*Three commands to try*",
            f"• `{texts.COMMAND} find {topic}` — projects about it, why they match, how active they are",
            f"• `{texts.COMMAND} issues` — open good first issues nobody has claimed yet",
            f"• `{texts.COMMAND} me` — your level, your contributions and what the next step needs",
        ]
    )


def topic_line(topic_escaped: str, projects: int) -> str:
    return f"*{topic_escaped}* — {projects} project{'' if projects == 1 else 's'}"


# -- composer (bot/slack/outbox.py calls it at send time) ------------------------------------------
def compose_welcome(session: Session, entry: OutboxEntry) -> Message | Drop:
    """Kind `welcome`: payload {"channel", "topics": [[topic, projects], …], "ready_projects"}."""
    return welcome_message(welcome_note(session, entry.recipient, dict(entry.payload)))


def welcome_message(note: WelcomeNote) -> Message:
    channel = f"<#{note.channel_id}>" if _CHANNEL_ID.match(note.channel_id) else "the InnerSource channel"
    first = note.topics[0].topic if note.topics else "design system"
    example = code_body(truncate_plain(first, _TOPIC))
    blocks: list[Block] = [
        section(welcome_intro(channel, note.ready_projects)),
        section(three_commands(example)),
    ]
    if note.topics:
        lead = (
            f"*{SUBSCRIBE_LABEL}* the channel's most common topics, and I'll DM you their good first issues:"
        )
        blocks.append(section(lead))
        for topic in note.topics:
            shown = escape(truncate_plain(one_line(topic.topic), _TOPIC))
            subscribe = button(SUBSCRIBE_TOPIC_BUTTON, ACTION_SUBSCRIBE_TOPIC, topic.topic)
            blocks.append(section(topic_line(shown, topic.projects), accessory=subscribe))
    blocks.append(context(FOOTER))
    fallback = f"Welcome! I'm {texts.BOT_NAME}. Try `{texts.COMMAND} find {example}`."
    return dm(fallback, blocks)
