"""Block Kit for every answer the bot gives: one builder per message type, the only place that makes blocks.

Each builder takes a result object from bot/services/results.py and returns a message dict
`{"response_type": "ephemeral", "text": fallback, "blocks": [...]}` that `ack()` and `respond()` accept as
is. Forge- and user-supplied strings go through bot/slack/mrkdwn.py; every message goes through
bot/slack/limits.py, so no input can exceed Slack's limits or ping anyone.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from bot.services.results import (
    FindResult,
    HelpTopic,
    Person,
    ProjectAnswer,
    ProjectCard,
    ProjectChoice,
    ProjectHit,
    ProjectNotFound,
    ProjectSummary,
)
from bot.slack import texts
from bot.slack.block_kit import (
    Block,
    Message,
    button,
    context,
    divider,
    header,
    message,
    mrkdwn,
    section,
    simple,
)
from bot.slack.limits import MAX_BUTTON_VALUE
from bot.slack.mrkdwn import code, code_body, escape, link, listing, mention, one_line, truncate_plain
from bot.slack.stats_blocks import project_metrics_section
from bot.slack.subscription_blocks import subscribe_actions

ACTION_DETAILS = "project_details"
ACTION_MORE = "find_more"


# Per-item caps that keep a full page of hits well inside the blocks' text budget, so a huge description
# shortens that description instead of pushing the *More* button out of the message.
_DESCRIPTION = 300
_MOTIVATION = 1500
_LIST_ITEMS = 8
_PEOPLE = 15
_CHOICES = 15
_ISSUES = 5


def help_message(topic: HelpTopic) -> Message:
    blocks: list[Block] = [header(texts.HELP_TITLE)]
    fallback = texts.HELP_FALLBACK
    if topic.unknown is not None:
        lines = [texts.unknown_subcommand(code_body(topic.unknown.word))]
        if topic.unknown.suggestion:
            lines.append(texts.did_you_mean_command(code_body(topic.unknown.suggestion)))
        blocks.append(section(" ".join(lines)))
        fallback = " ".join(lines) + " " + fallback
    blocks.append(section(texts.HELP_INTRO))
    usage = [
        f"`{texts.COMMAND} {sub.usage}` — {sub.summary}\n      e.g. `{texts.COMMAND} {sub.example}`"
        for sub in topic.commands
    ]
    blocks.append(section("\n".join(usage)))
    if topic.examples:
        tries = [code(e if e.startswith("/") else f"{texts.COMMAND} {e}") for e in topic.examples[:5]]
        blocks.append(context(f"{texts.HELP_EXAMPLES_LABEL}: " + "  ·  ".join(tries)))
    return message(fallback, blocks)


def find_message(result: FindResult, subscribed: Collection[int] | None = None) -> Message:
    """`subscribed`: the caller's subscribed project ids; given, each hit gets *Subscribe*/*Unsubscribe*."""
    if result.catalog_size == 0:
        return simple(texts.EMPTY_CATALOG)
    query = escape(one_line(result.query.text))
    blocks: list[Block] = []
    if result.query.problems:
        blocks.append(context(":warning: " + "; ".join(escape(p) for p in result.query.problems)))
    if not result.hits:
        return _find_nothing(result, query, blocks)
    first, last = result.offset + 1, result.offset + len(result.hits)
    heading = texts.find_heading(query, first, last, result.total)
    blocks.append(section(heading))
    for hit in result.hits:
        blocks += [divider(), *_hit_blocks(hit, subscribed)]
    if result.has_more:
        more = button(texts.MORE_BUTTON, ACTION_MORE, more_value(result.query.text, result.next_offset))
        blocks.append({"type": "actions", "elements": [more]})
    names = ", ".join(escape(hit.project.full_name) for hit in result.hits)
    return message(f"{heading}: {names}", blocks)


def _find_nothing(result: FindResult, query: str, blocks: list[Block]) -> Message:
    if not query:
        blocks.append(section(texts.FIND_EMPTY_QUERY))
        return message(texts.FIND_EMPTY_QUERY, blocks)
    text = texts.find_no_match(query)
    blocks.append(section(text))
    fallback = text
    if result.suggestions:
        listed = f"{texts.FIND_SUGGESTIONS_LABEL}: " + ", ".join(code(s) for s in result.suggestions[:10])
        blocks.append(section(listed))
        fallback += " " + listed
    blocks.append(context(texts.FIND_NO_MATCH_TIP))
    return message(fallback, blocks)


def _hit_blocks(hit: ProjectHit, subscribed: Collection[int] | None = None) -> list[Block]:
    project = hit.project
    lines = [f"*{link(project.web_url, project.full_name)}*"]
    if project.description.strip():
        lines.append(escape(truncate_plain(one_line(project.description), _DESCRIPTION)))
    if hit.reasons:
        why = "; ".join(escape(one_line(r)) for r in hit.reasons[:_LIST_ITEMS])
        lines.append(f"_{texts.WHY_LABEL}:_ {why}")
    details = button(texts.DETAILS_BUTTON, ACTION_DETAILS, str(project.id))
    blocks = [section("\n".join(lines), accessory=details), context(*_facts(project))]
    if subscribed is not None:
        blocks.append(subscribe_actions(project.id, project.id in subscribed))
    return blocks


def _facts(project: ProjectSummary) -> list[str]:
    facts = [texts.READY_BADGE if project.ready else texts.NOT_READY_BADGE]
    if project.languages:
        facts.append(listing(project.languages))
    if project.topics:
        facts.append(f"{texts.PROJECT_TOPICS}: {listing(project.topics)}")
    facts.append(texts.activity(escape(project.activity_label), project.activity_score))
    facts.append(texts.good_first_issues(project.open_good_first_issues))
    return facts


def more_value(query_text: str, offset: int) -> str:
    """The *More* button's value: the query and where the next page starts, as compact JSON.

    A query too long for Slack's 2000-character value is shortened from the end; *More* then re-runs
    the shortened query, which beats a button Slack refuses to show.
    """
    query = one_line(query_text)
    while True:
        value = json.dumps({"q": query, "o": offset}, ensure_ascii=False, separators=(",", ":"))
        excess = len(value) - MAX_BUTTON_VALUE
        if excess <= 0:
            return value
        query = query[: -max(excess, 1)]


def parse_more_value(value: str) -> tuple[str, int] | None:
    """(query text, offset) from a *More* button value, or None when it is not one we made."""
    try:
        data = json.loads(value)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    query, offset = data.get("q"), data.get("o")
    if not isinstance(query, str) or type(offset) is not int or offset < 0:
        return None
    return query, offset


def project_message(answer: ProjectAnswer, subscribed: Collection[int] | None = None) -> Message:
    """`subscribed`: the caller's subscribed project ids; given, a card gets *Subscribe*/*Unsubscribe*."""
    if isinstance(answer, ProjectCard):
        return _card(answer, subscribed)
    if isinstance(answer, ProjectChoice):
        return _choice(answer)
    return _not_found(answer)


def _card(card: ProjectCard, subscribed: Collection[int] | None = None) -> Message:
    summary = card.summary
    title = one_line(card.title or summary.name) or summary.full_name
    intro = [f"*{link(summary.web_url, summary.full_name)}* · {escape(summary.forge)}"]
    if summary.description.strip():
        intro.append(escape(truncate_plain(one_line(summary.description), _MOTIVATION)))
    if card.motivation and one_line(card.motivation) != one_line(summary.description):
        motivation = escape(truncate_plain(card.motivation.strip(), _MOTIVATION))
        intro.append(f"*{texts.PROJECT_MOTIVATION}:* {motivation}")
    fields = [
        (texts.PROJECT_MAINTAINERS, _people(card.maintainers)),
        (texts.PROJECT_TRUSTED_COMMITTERS, _people(card.trusted_committers)),
        (texts.PROJECT_LANGUAGES, listing(summary.languages)),
        (texts.PROJECT_TOPICS, listing(summary.topics)),
        (texts.PROJECT_SKILLS, listing(card.skills)),
        (texts.PROJECT_ACTIVITY, f"{escape(summary.activity_label)} ({summary.activity_score})"),
        (texts.PROJECT_POPULARITY, f"{card.stars} / {card.forks}"),
    ]
    badge = texts.READY_BADGE if summary.ready else texts.NOT_READY_BADGE
    checklist = [
        f"{texts.CHECK_OK if item.ok else texts.CHECK_MISSING} {escape(item.label)}"
        for item in card.checklist
    ]
    blocks: list[Block] = [
        header(title),
        section("\n".join(intro)),
        {
            "type": "section",
            "fields": [mrkdwn(f"*{label}*\n{value or texts.NONE_KNOWN}") for label, value in fields],
        },
        section("\n".join([f"*{texts.PROJECT_CHECKLIST}* — {badge}", *checklist])),
    ]
    if card.metrics is not None:
        blocks.append(project_metrics_section(card.metrics))
    if card.score_parts:
        parts = "  ·  ".join(f"{escape(p.label)}: {escape(p.value)}" for p in card.score_parts)
        blocks.append(context(f"{texts.PROJECT_SCORE_PARTS}: {parts}"))
    issues = [
        f"• {link(i.url, f'#{i.number} {one_line(i.title)}')}" for i in card.good_first_issues[:_ISSUES]
    ]
    issues = issues or [texts.PROJECT_NO_GOOD_FIRST_ISSUES]
    blocks.append(section("\n".join([f"*{texts.PROJECT_GOOD_FIRST_ISSUES}*", *issues])))
    where = _where_to_go(card)
    if where:
        blocks.append(context(*where))
    if subscribed is not None:
        blocks.append(subscribe_actions(summary.id, summary.id in subscribed))
    return message(f"{escape(summary.full_name)}: {escape(one_line(summary.description))}", blocks)


def _where_to_go(card: ProjectCard) -> list[str]:
    where = []
    if card.contributing_url:
        where.append(link(card.contributing_url, texts.PROJECT_CONTRIBUTING))
    if card.docs_url:
        where.append(link(card.docs_url, texts.PROJECT_DOCS))
    if card.chat_channel:
        where.append(f"{texts.PROJECT_CHAT}: {link(card.chat_channel, one_line(card.chat_channel))}")
    return where


def _choice(choice: ProjectChoice) -> Message:
    text = texts.project_choice(escape(one_line(choice.query)), len(choice.candidates))
    blocks: list[Block] = [section(text)]
    for project in choice.candidates[:_CHOICES]:
        line = f"*{link(project.web_url, project.full_name)}*"
        if project.description.strip():
            line += " — " + escape(truncate_plain(one_line(project.description), 150))
        blocks.append(section(line, accessory=button(texts.DETAILS_BUTTON, ACTION_DETAILS, str(project.id))))
    names = ", ".join(escape(p.full_name) for p in choice.candidates[:_CHOICES])
    return message(f"{text} {names}", blocks)


def _not_found(answer: ProjectNotFound) -> Message:
    query = escape(one_line(answer.query))
    if not query:
        return simple(texts.PROJECT_EMPTY_REFERENCE)
    if answer.catalog_size == 0 and answer.suggestion is None:
        return simple(texts.EMPTY_CATALOG)
    text = texts.project_not_found(query)
    blocks: list[Block] = [section(text)]
    suggestion = answer.suggestion
    if suggestion is not None:
        details = button(texts.DETAILS_BUTTON, ACTION_DETAILS, str(suggestion.id))
        line = f"{texts.PROJECT_DID_YOU_MEAN} *{link(suggestion.web_url, suggestion.full_name)}*?"
        blocks.append(section(line, accessory=details))
        text += f" {texts.PROJECT_DID_YOU_MEAN} {escape(suggestion.full_name)}?"
    blocks.append(context(texts.PROJECT_NOT_FOUND_TIP))
    return message(text, blocks)


def refusal_message(reason: str) -> Message:
    return simple(texts.REFUSALS.get(reason, texts.REFUSAL_DEFAULT))


def error_message() -> Message:
    return simple(texts.ERROR)


def working_message() -> Message:
    return simple(texts.WORKING)


def _people(people: tuple[Person, ...]) -> str:
    names = [mention(p.slack_user_id) or escape(one_line(p.forge_login)) for p in people[:_PEOPLE]]
    extra = len(people) - _PEOPLE
    return ", ".join(names) + (f" +{extra}" if extra > 0 else "")
