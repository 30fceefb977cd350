"""Block Kit for the App Home tab (`views.publish`): the tab of a person the bot knows, the newcomer tab,
and the polite notice a refused user sees instead.

A `HomeView` (bot/services/home.py) in, a `home` view out. Every forge- or user-supplied string is
escaped (bot/slack/mrkdwn.py) and the blocks are fitted to a view's limits (bot/slack/limits.py: 100
blocks, and the same per-block and total text budget as a message, so the view stays far below
Slack's 250 kB). The service already cut every list to what is shown and each item is capped here, so
a full tab — twenty subscriptions, five issues, five projects, five waiting projects, with long names
and titles — fits without anything being cut off; only absurd sizes (URLs of hundreds of characters)
reach the text budget, and then the tail gives way to a notice rather than Slack refusing the tab.
Waiting contributions come right after the person's progress, before anything that could be cut.
The tab's controls are answered by handlers/home_actions.py, which publishes the tab again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.services.home import FROM_SUBSCRIPTIONS, HomeView, WaitingProject
from bot.services.identity import FORGE_NAMES
from bot.services.progression_views import MeView
from bot.services.results import ProjectSummary
from bot.services.routing_issues import IssueView
from bot.services.subscription_terms import PROJECT, Term
from bot.slack import texts
from bot.slack.block_kit import Block, button, context, divider, header, section
from bot.slack.limits import MAX_BLOCKS_VIEW, fit_blocks
from bot.slack.mrkdwn import code, code_body, escape, link, listing, one_line, truncate_plain
from bot.slack.progression_blocks import next_level_line

ACTION_CADENCE = "home_cadence"  # a static select; the selected option's value is the cadence
ACTION_UNSUBSCRIBE = "home_unsubscribe"  # value: "topic:kafka", "lang:go" or "project:<id>"
ACTION_SUBSCRIBE = "home_subscribe"  # value: the project id

CADENCE_CHOICES = {
    "instant": "Each issue as it comes",
    "daily": "Daily digest",
    "weekly": "Weekly digest",
    "off": "Off",
}
PROGRESS_LABEL = "Your progress"
CADENCE_PLACEHOLDER = "How often"
ISSUES_LABEL = texts.ME_RECOMMENDED_LABEL
ISSUES_ACTIVE_LABEL = "Good first issues in the most active InnerSource projects"
ISSUES_NONE_MATCH = (
    "Nothing open matches your subscriptions right now; here are some from the busiest projects."
)
ISSUES_NONE = "No open good first issues right now — check back after the next crawl."
NEW_LABEL = "New InnerSource projects"
NEW_NONE = f"No project became InnerSource-ready in the last 30 days; `{texts.COMMAND} find` shows them all."
WAITING_LABEL = "Waiting for a first response on your projects"
START_LABEL = "How to start"
FOOTER = f"Everything else: `{texts.COMMAND} help`. Answers to commands are only visible to you."
# The newcomer's three commands: after the slash command, and what each does.
FIRST_COMMANDS = (
    ("find design system", "projects by topic, language or name, with why they match"),
    ("subscribe TOPIC", "good first issues on a topic, by DM or in a digest (or `lang:X`, `project:NAME`)"),
    ("issues", "open good first issues nobody has claimed yet"),
)

# Characters shown of each item: with these a full tab of long names stays inside the text budget.
_TERM = 60  # a subscription's label
_DESCRIPTION = 100
_TITLE = 70  # an issue's or a change's `#12 Title`
_PROJECT_NAME = 60
_MAINTAINS = 5  # project names in "Maintainer of …"


def more_subscriptions(count: int) -> str:
    return f"…and {count} more — `{texts.COMMAND} subscriptions` lists them all."


def waiting_summary(changes: int, projects: int) -> str:
    noun = "contribution" if changes == 1 else "contributions"
    where = "one of your projects" if projects == 1 else f"{projects} of your projects"
    return f"{changes} outside {noun} on {where} still wait for anyone's first review or comment."


def waiting_more_projects(count: int) -> str:
    projects = f"{count} more project{'' if count == 1 else 's'}"
    return f"…and {projects} — your weekly maintainer digest lists them all."


def waiting_more_changes(count: int) -> str:
    return f"…and {count} more"


def age(waited: timedelta) -> str:
    days = waited.days
    if days >= 1:
        return f"{days} day{'' if days == 1 else 's'}"
    hours = waited.seconds // 3600
    return f"{hours} hour{'' if hours == 1 else 's'}" if hours else "under an hour"


# -- the views --------------------------------------------------------------------------------------
def home_tab(view: HomeView) -> dict[str, Any]:
    """The Home tab: for a person the bot knows, or the newcomer tab for one it does not."""
    blocks = _known(view) if view.known else _newcomer(view)
    return {"type": "home", "blocks": fit_blocks(blocks, MAX_BLOCKS_VIEW)}


def refused_tab(reason: str) -> dict[str, Any]:
    """A guest, an outsider, a bot or a deactivated account: the polite notice, and nothing else."""
    blocks = [header(texts.HOME_TITLE), section(texts.REFUSALS.get(reason, texts.REFUSAL_DEFAULT))]
    return {"type": "home", "blocks": fit_blocks(blocks, MAX_BLOCKS_VIEW)}


def _newcomer(view: HomeView) -> list[Block]:
    steps = "\n".join(f"• `{texts.COMMAND} {command}` — {what}" for command, what in FIRST_COMMANDS)
    blocks = [
        header(texts.HOME_TITLE),
        section(texts.HOME_INTRO),
        section(f"*{START_LABEL}*\n{steps}"),
        context(texts.home_catalog_size(view.catalog_size)),
        divider(),
        *_new_projects(view),
        divider(),
        *_issues(view),
    ]
    return [*blocks, context(FOOTER)]


def _known(view: HomeView) -> list[Block]:
    blocks = [header(texts.HOME_TITLE), context(texts.home_catalog_size(view.catalog_size))]
    if view.me is not None:
        blocks += _progress(view.me)
    if view.waiting:  # what needs them comes first (and would be the last thing cut to fit)
        blocks += [divider(), *_waiting(view)]
    blocks += [divider(), *_subscriptions(view), divider(), *_issues(view)]
    blocks += [divider(), *_new_projects(view)]
    return [*blocks, context(FOOTER)]


# -- sections ---------------------------------------------------------------------------------------
def _progress(me: MeView) -> list[Block]:
    lines = [f"*{PROGRESS_LABEL}*", texts.me_level(texts.level_shown(me.level))]
    if me.maintains:
        lines.append(texts.me_maintainer_of(_names(me.maintains)))
    if me.trusted_on:
        lines.append(texts.me_trusted_on(_names(me.trusted_on)))
    lines.append(next_level_line(me))
    if not me.accounts:
        return [section("\n".join(lines)), context(texts.ME_NOT_LINKED)]
    accounts = " · ".join(
        f"{FORGE_NAMES.get(a.forge, escape(a.forge))} {code(a.login)}"
        + ("" if a.verified else f" {texts.ME_UNVERIFIED}")
        for a in me.accounts[:5]
    )
    return [section("\n".join(lines)), context(f"*{texts.ME_ACCOUNTS_LABEL}:* {accounts}")]


def _subscriptions(view: HomeView) -> list[Block]:
    heading = f"*{texts.SUBSCRIPTIONS_TITLE}*\n{texts.cadence_now(view.cadence)}"
    blocks = [section(heading, accessory=_cadence_select(view.cadence))]
    if not view.subscriptions:
        return [*blocks, section(texts.SUBSCRIPTIONS_NONE)]
    for term in view.subscriptions:
        shown = texts.term_shown(term.kind, escape(truncate_plain(one_line(term.label), _TERM)))
        value = unsubscribe_value(term)
        accessory = button(texts.UNSUBSCRIBE_BUTTON, ACTION_UNSUBSCRIBE, value) if value else None
        blocks.append(section(shown, accessory=accessory))
    extra = view.subscription_count - len(view.subscriptions)
    if extra > 0:
        blocks.append(context(more_subscriptions(extra)))
    return blocks


def _cadence_select(cadence: str) -> dict[str, Any]:
    options = [_option(label, value) for value, label in CADENCE_CHOICES.items()]
    select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ACTION_CADENCE,
        "placeholder": {"type": "plain_text", "text": CADENCE_PLACEHOLDER},
        "options": options,
    }
    if cadence in CADENCE_CHOICES:
        select["initial_option"] = _option(CADENCE_CHOICES[cadence], cadence)
    return select


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label}, "value": value}


def unsubscribe_value(term: Term) -> str | None:
    """`kind:value` for *Unsubscribe*; None for a value `unsubscribe` could not take back as one word
    (no such subscription can be made by command, but a row is a row)."""
    if not term.value or any(ch.isspace() for ch in term.value) or len(term.value) > 255:
        return None
    return f"{term.kind}:{term.value}"


def parse_unsubscribe_value(value: str) -> tuple[str, str] | None:
    """(kind, value) from an *Unsubscribe* value, or None when it is not one we made."""
    kind, _, rest = value.partition(":")
    if kind not in ("topic", "lang", PROJECT) or not rest or any(ch.isspace() for ch in rest):
        return None
    if kind == PROJECT and not (rest.isascii() and rest.isdigit() and len(rest) <= 18):
        return None
    return kind, rest


def _issues(view: HomeView) -> list[Block]:
    mine = view.issues_from == FROM_SUBSCRIPTIONS
    heading = f"*{ISSUES_LABEL if mine else ISSUES_ACTIVE_LABEL}*"
    if not mine and view.subscription_count:
        heading += f"\n{ISSUES_NONE_MATCH}"
    lines = [_issue(issue) for issue in view.issues] or [ISSUES_NONE]
    return [section("\n".join([heading, *lines]))]


def _issue(issue: IssueView) -> str:
    title = truncate_plain(one_line(f"#{issue.number} {issue.title}"), _TITLE)
    where = link(issue.project_url, truncate_plain(issue.project_name, _PROJECT_NAME))
    return f"• *{link(issue.url, title)}* — {where}"


def _new_projects(view: HomeView) -> list[Block]:
    if not view.new_projects:
        return [section(f"*{NEW_LABEL}*\n{NEW_NONE}")]
    blocks = [section(f"*{NEW_LABEL}*")]
    blocks += [_new_project(p, p.id in view.subscribed_projects) for p in view.new_projects]
    return blocks


def _new_project(project: ProjectSummary, subscribed: bool) -> Block:
    lines = [f"*{link(project.web_url, truncate_plain(project.full_name, _PROJECT_NAME))}*"]
    if project.description.strip():
        lines.append(escape(truncate_plain(one_line(project.description), _DESCRIPTION)))
    facts = [listing(project.languages, 3), listing(project.topics, 4)]
    facts.append(texts.good_first_issues(project.open_good_first_issues))
    lines.append(" · ".join(f for f in facts if f))
    if subscribed:
        toggle = button(texts.UNSUBSCRIBE_BUTTON, ACTION_UNSUBSCRIBE, f"{PROJECT}:{project.id}")
    else:
        toggle = button(texts.SUBSCRIBE_BUTTON, ACTION_SUBSCRIBE, str(project.id))
    return section("\n".join(lines), accessory=toggle)


def _names(full_names: tuple[str, ...]) -> str:
    return listing([truncate_plain(name, _PROJECT_NAME) for name in full_names], _MAINTAINS)


def _waiting(view: HomeView) -> list[Block]:
    blocks = [section(f"*{WAITING_LABEL}*\n{waiting_summary(view.waiting_changes, view.waiting_projects)}")]
    blocks += [section(_waiting_project(project)) for project in view.waiting]
    extra = view.waiting_projects - len(view.waiting)
    if extra > 0:
        blocks.append(context(waiting_more_projects(extra)))
    return blocks


def _waiting_project(project: WaitingProject) -> str:
    lines = [
        f"*{link(project.url, truncate_plain(project.full_name, _PROJECT_NAME))}* — {project.total} waiting"
    ]
    for change in project.changes:
        title = truncate_plain(one_line(f"#{change.number} {change.title}"), _TITLE)
        author = code_body(truncate_plain(change.author, 40))
        lines.append(f"• {link(change.url, title)} by `{author}`, waiting {age(change.age)}")
    if project.total > len(project.changes):
        lines.append(waiting_more_changes(project.total - len(project.changes)))
    return "\n".join(lines)
