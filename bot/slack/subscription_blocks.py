"""Block Kit for subscriptions, cadence and forge accounts, and the *Subscribe*/*Unsubscribe* buttons.

Same rules as bot/slack/blocks.py: results in (bot/services/subscriptions.py, bot/services/identity.py),
messages out, every user- or forge-supplied string escaped, every message fitted to Slack's limits.
"""

from __future__ import annotations

from typing import Any

from bot.services.identity import (
    ALREADY_LINKED,
    BAD_LOGIN,
    FORGE_NAMES,
    LINKED,
    NOT_LINKED,
    RELINKED,
    TAKEN,
    UNKNOWN_FORGE,
    UNLINKED,
    VERIFIED_ELSEWHERE,
    LinkedAccount,
    LinkResult,
)
from bot.services.results import ProjectSummary
from bot.services.subscription_terms import (
    EMPTY_VALUE,
    LANG,
    PROJECT,
    PROJECT_AMBIGUOUS,
    PROJECT_NOT_FOUND,
    TOO_MANY,
    TOPIC,
    UNKNOWN_LANGUAGE,
    Rejected,
    Term,
)
from bot.services.subscriptions import (
    CadenceChange,
    MaintainerDigestChange,
    SubscriptionChange,
    SubscriptionList,
)
from bot.slack import maintainer_digest_texts as digest_texts
from bot.slack import texts
from bot.slack.block_kit import Block, Message, button, context, header, message, section, simple
from bot.slack.mrkdwn import code, code_body, escape, link, one_line, truncate_plain

ACTION_SUBSCRIBE = "project_subscribe"
ACTION_UNSUBSCRIBE = "project_unsubscribe"

_PROJECT_BUTTONS = 15  # choices and guesses shown with a *Subscribe* button, over all terms
_LISTED = 100  # terms named in one line


def subscribe_button(project_id: int, subscribed: bool) -> dict[str, Any]:
    """*Subscribe*, or *Unsubscribe* when the person already is; the value is the project id."""
    if subscribed:
        return button(texts.UNSUBSCRIBE_BUTTON, ACTION_UNSUBSCRIBE, str(project_id))
    return button(texts.SUBSCRIBE_BUTTON, ACTION_SUBSCRIBE, str(project_id))


def subscribe_actions(project_id: int, subscribed: bool) -> Block:
    return {"type": "actions", "elements": [subscribe_button(project_id, subscribed)]}


def parse_project_value(value: str) -> int | None:
    """The project id in a *Subscribe*/*Unsubscribe* value, or None when it is not one we made."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _terms(terms: tuple[Term, ...]) -> str:
    shown = [texts.term_shown(t.kind, escape(one_line(t.label))) for t in terms[:_LISTED]]
    extra = len(terms) - _LISTED
    return ", ".join(shown) + (f" +{extra}" if extra > 0 else "")


def subscription_change_message(change: SubscriptionChange) -> Message:
    if change.nothing_given:
        return simple(texts.SUBSCRIBE_USAGE if change.subscribing else texts.UNSUBSCRIBE_USAGE)
    lines: list[str] = []
    if change.changed:
        label = texts.SUBSCRIBED_LABEL if change.subscribing else texts.UNSUBSCRIBED_LABEL
        lines.append(f":white_check_mark: {label}: {_terms(change.changed)}.")
    if change.unchanged:
        label = texts.ALREADY_SUBSCRIBED_LABEL if change.subscribing else texts.NOT_SUBSCRIBED_LABEL
        lines.append(f"{label}: {_terms(change.unchanged)}.")
    lines += [texts.unmuted(escape(one_line(t.label))) for t in change.unmuted]
    for topic, closest in change.new_topics:
        lines.append(texts.topic_unused(escape(one_line(topic)), [code(c) for c in closest]))
    blocks: list[Block] = [section("\n".join(lines))] if lines else []
    fallback = lines[:]
    buttons_left = _PROJECT_BUTTONS
    for rejected in change.rejected:
        text, projects = _rejected(rejected)
        blocks.append(section(text))
        fallback.append(text)
        for project in projects[:buttons_left]:
            blocks.append(_project_line(project))
        buttons_left -= min(len(projects), buttons_left)
    if change.subscribing and change.changed:
        blocks.append(context(texts.cadence_how_to_change(change.cadence)))
    return message(" ".join(fallback) or texts.SUBSCRIBE_USAGE, blocks or [section(texts.SUBSCRIBE_USAGE)])


def _rejected(rejected: Rejected) -> tuple[str, tuple[ProjectSummary, ...]]:
    typed = code_body(truncate_plain(rejected.typed, 80))
    suggestions = [code(s) for s in rejected.suggestions]
    if rejected.problem == EMPTY_VALUE:
        return texts.term_empty(typed), ()
    if rejected.problem == UNKNOWN_LANGUAGE:
        language = code_body(truncate_plain(rejected.typed.partition(":")[2], 80))
        return texts.language_unknown(language, suggestions), ()
    if rejected.problem == TOO_MANY:
        return texts.TOO_MANY_TERMS, ()
    shown = escape(truncate_plain(one_line(rejected.typed.partition(":")[2] or rejected.typed), 80))
    if rejected.problem == PROJECT_AMBIGUOUS:
        return texts.subscribe_choice(shown, len(rejected.projects)), rejected.projects
    if rejected.problem == PROJECT_NOT_FOUND:
        text = texts.subscribe_not_found(shown)
        if rejected.projects:
            text += f" {texts.PROJECT_DID_YOU_MEAN}…"
        return text, rejected.projects
    return texts.filter_unknown(typed), ()


def _project_line(project: ProjectSummary) -> Block:
    line = f"*{link(project.web_url, project.full_name)}*"
    if project.description.strip():
        line += " — " + escape(truncate_plain(one_line(project.description), 150))
    return section(line, accessory=subscribe_button(project.id, False))


def subscriptions_message(listing: SubscriptionList) -> Message:
    blocks: list[Block] = [header(texts.SUBSCRIPTIONS_TITLE)]
    if not listing.terms:
        blocks.append(section(texts.SUBSCRIPTIONS_NONE))
        fallback = texts.SUBSCRIPTIONS_NONE
    else:
        lines = []
        for kind, label in ((TOPIC, texts.SUBSCRIPTIONS_TOPICS), (LANG, texts.SUBSCRIPTIONS_LANGUAGES),
                            (PROJECT, texts.SUBSCRIPTIONS_PROJECTS)):  # fmt: skip
            shown = [code(t.label) for t in listing.terms if t.kind == kind]
            if shown:
                lines.append(f"*{label}:* " + ", ".join(shown[:_LISTED]))
        blocks.append(section("\n".join(lines)))
        blocks.append(context(texts.SUBSCRIPTIONS_HOW_TO_CHANGE))
        fallback = f"{texts.SUBSCRIPTIONS_TITLE}: " + ", ".join(escape(t.label) for t in listing.terms)
    blocks.append(context(texts.cadence_how_to_change(listing.cadence)))
    return message(fallback, blocks)


def cadence_message(change: CadenceChange) -> Message:
    if not change.valid:
        return simple(texts.cadence_invalid(code_body(change.invalid or ""), change.cadence))
    text = texts.cadence_changed(change.cadence)
    if change.cadence == "off":
        text += " " + texts.CADENCE_OFF_MAINTAINER
    elif not change.maintainer_digest:
        text += " " + digest_texts.STAYS_OFF
    return simple(text)


def maintainer_digest_message(change: MaintainerDigestChange) -> Message:
    if not change.valid:
        return simple(digest_texts.invalid(code_body(change.invalid or ""), change.on))
    return simple(digest_texts.changed(change.on, texts.cadence_now(change.cadence)))


def link_message(result: LinkResult) -> Message:
    name = FORGE_NAMES.get(result.forge, "")
    login = code_body(truncate_plain(result.login, 80))
    previous = code_body(result.previous or "")
    outcomes = {
        LINKED: lambda: texts.linked(name, login),
        RELINKED: lambda: texts.relinked(name, login, previous),
        ALREADY_LINKED: lambda: texts.already_linked(name, login),
        TAKEN: lambda: texts.login_taken(name, login),
        VERIFIED_ELSEWHERE: lambda: texts.verified_elsewhere(name, previous),
        BAD_LOGIN: lambda: texts.bad_login(name, login, texts.LOGIN_RULES.get(result.forge, "")),
        UNKNOWN_FORGE: lambda: texts.unknown_forge(code_body(result.forge)),
        UNLINKED: lambda: texts.unlinked(name, login),
        NOT_LINKED: lambda: texts.not_linked(name),
    }
    text = outcomes[result.outcome]() if result.outcome in outcomes else texts.LINK_USAGE
    blocks: list[Block] = [section(text)]
    blocks.append(context(f"*{texts.LINK_ACCOUNTS_LABEL}:* {_accounts(result.accounts)}"))
    if result.outcome in (LINKED, RELINKED):
        blocks.append(context(texts.LINK_UNVERIFIED_NOTE))
    return message(text, blocks)


def _accounts(accounts: tuple[LinkedAccount, ...]) -> str:
    if not accounts:
        return texts.LINK_NONE
    return " · ".join(
        texts.account_shown(FORGE_NAMES.get(a.forge, a.forge), code_body(a.login), a.verified)
        for a in accounts
    )
