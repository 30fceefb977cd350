"""Block Kit for announcements: a newly InnerSource-ready project's post in the announce channel, the
first run's summary, and `/innersource new`; and the two composers the outbox deliverer calls.

A post is built at send time from the project's row as it is then (bot/services/announcements.py):
a project that left the catalog meanwhile is a `Drop`. Its *Details* and *Subscribe* buttons are the
`find` card's, so the existing handlers answer them (privately, to whoever clicked). Every forge
string is escaped (bot/slack/mrkdwn.py), none goes into a header, and every message is fitted to
Slack's limits (bot/slack/limits.py).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from bot.db.operations import OutboxEntry
from bot.services.announcements import announced_card
from bot.services.identity import FORGE_NAMES
from bot.services.outbox import Drop
from bot.services.results import ProjectCard, ProjectHit, ProjectSummary
from bot.slack import texts
from bot.slack.block_kit import (
    Block,
    Message,
    button,
    context,
    divider,
    dm,
    header,
    message,
    mrkdwn,
    section,
    simple,
)
from bot.slack.blocks import ACTION_DETAILS, _hit_blocks, _people
from bot.slack.mrkdwn import escape, link, listing, one_line, truncate_plain
from bot.slack.subscription_blocks import subscribe_button

HEADER = ":sparkles: New InnerSource project"
SUMMARY_HEADER = ":sparkles: InnerSource projects to discover"
WHAT_LABEL, CONTRIBUTE_LABEL = "What it is", "How to contribute"
NO_ISSUES = "None open right now: ask the maintainers what would help."
TRY_LINE = f"Find more with `{texts.COMMAND} find WORDS`; new ones with `{texts.COMMAND} new`."
NEW_SHOWN = 10  # `new` lists this many; more would not fit one message
_WHAT = 600
_ISSUES = 3


# -- composers (bot/slack/outbox.py calls these at send time) -------------------------------------
def compose_announcement(session: Session, entry: OutboxEntry) -> Message | Drop:
    """Kind `announcement`: payload {"project_id", "project_key"}."""
    card = announced_card(session, dict(entry.payload))
    return Drop(card) if isinstance(card, str) else announcement_message(card)


def compose_announcement_summary(session: Session, entry: OutboxEntry) -> Message | Drop:
    """Kind `announcement_summary`: payload {"count"}, the projects the first run recorded as known."""
    count = entry.payload.get("count")
    if type(count) is not int or count < 1:
        return Drop("announcement summary: bad payload")
    return summary_message(count)


# -- messages ---------------------------------------------------------------------------------------
def announcement_message(card: ProjectCard) -> Message:
    """The channel post: name as link, what it is, languages, topics, maintainers, how to contribute,
    open good-first-issues, and *Details* / *Subscribe*. No response_type: a channel post."""
    summary = card.summary
    forge = FORGE_NAMES.get(summary.forge, escape(summary.forge))
    lines = [f"*{link(summary.web_url, summary.full_name)}* · {forge}", *_what_it_is(card)]
    fields = [
        (texts.PROJECT_LANGUAGES, listing(summary.languages)),
        (texts.PROJECT_TOPICS, listing(summary.topics)),
        (texts.PROJECT_MAINTAINERS, _people(card.maintainers)),
        (CONTRIBUTE_LABEL, _how_to_contribute(card)),
    ]
    blocks: list[Block] = [
        header(HEADER),
        section("\n".join(lines)),
        {
            "type": "section",
            "fields": [mrkdwn(f"*{label}*\n{value or texts.NONE_KNOWN}") for label, value in fields],
        },
        section(_issues(card)),
        {
            "type": "actions",
            "elements": [
                button(texts.DETAILS_BUTTON, ACTION_DETAILS, str(summary.id)),
                subscribe_button(summary.id, False),
            ],
        },
        context(TRY_LINE),
    ]
    what = one_line(summary.description)
    fallback = f"New InnerSource project: {escape(summary.full_name)}" + (
        f" — {escape(what)}" if what else ""
    )
    return dm(fallback, blocks)


def _what_it_is(card: ProjectCard) -> list[str]:
    """innersource.json's title and motivation, else the description (escaped, shortened)."""
    title = one_line(card.title or "")
    what = (card.motivation or "").strip() or card.summary.description
    lines = []
    if title and title.casefold() != card.summary.name.casefold():
        lines.append(f"*{escape(truncate_plain(title, 150))}*")
    if what.strip() and one_line(what) != title:
        lines.append(escape(truncate_plain(what.strip(), _WHAT)))
    return lines


def _how_to_contribute(card: ProjectCard) -> str:
    where = [link(card.contributing_url, texts.PROJECT_CONTRIBUTING)] if card.contributing_url else []
    if card.docs_url:
        where.append(link(card.docs_url, texts.PROJECT_DOCS))
    if card.chat_channel:
        where.append(f"{texts.PROJECT_CHAT}: {escape(one_line(card.chat_channel))}")
    return " · ".join(where) or link(card.summary.web_url, "its README")


def _issues(card: ProjectCard) -> str:
    count = card.summary.open_good_first_issues
    items = [f"• {link(i.url, f'#{i.number} {one_line(i.title)}')}" for i in card.good_first_issues[:_ISSUES]]
    if not count or not items:
        return f"*{texts.PROJECT_GOOD_FIRST_ISSUES}*\n{NO_ISSUES}"
    return "\n".join([f"*{texts.PROJECT_GOOD_FIRST_ISSUES}* ({count} open)", *items])


def summary_message(count: int) -> Message:
    """The first run's one post instead of a flood: how many projects are ready, and how to find them."""
    noun = "InnerSource project is" if count == 1 else "InnerSource projects are"
    text = f"*{count} {noun} ready* — try `{texts.COMMAND} find` or `{texts.COMMAND} new`"
    blocks = [header(SUMMARY_HEADER), section(text), context(TRY_LINE)]
    return dm(f"{count} {noun} ready — try {texts.COMMAND} find or {texts.COMMAND} new", blocks)


def new_projects_message(
    projects: Sequence[ProjectSummary],
    days: int,
    catalog_size: int,
    subscribed: Collection[int] | None = None,
) -> Message:
    """`/innersource new`: the projects announced (or ready) in the last `days`, newest first, each as
    a `find` hit; nothing new says so and where to look instead."""
    if catalog_size == 0:
        return simple(texts.EMPTY_CATALOG)
    if not projects:
        return simple(
            f"No project has become InnerSource-ready in the last {days} days. "
            f"Browse the catalog with `{texts.COMMAND} find WORDS`, or see good first issues with "
            f"`{texts.COMMAND} issues`."
        )
    noun = "project" if len(projects) == 1 else "projects"
    heading = f"*{len(projects)} {noun}* became InnerSource-ready in the last {days} days — newest first"
    blocks: list[Block] = [section(heading)]
    for project in projects[:NEW_SHOWN]:
        blocks += [divider(), *_hit_blocks(ProjectHit(project, ()), subscribed)]
    if len(projects) > NEW_SHOWN:
        blocks.append(
            context(f"…and {len(projects) - NEW_SHOWN} more: `{texts.COMMAND} find WORDS` narrows it down.")
        )
    names = ", ".join(escape(p.full_name) for p in projects[:NEW_SHOWN])
    return message(f"{heading}: {names}", blocks)
