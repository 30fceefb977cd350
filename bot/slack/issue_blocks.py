"""Block Kit for good-first-issues: the DM, the digest, the `issues` list and the Claim/Not interested
answers; and the two composers the outbox deliverer calls at send time.

Composers re-check through bot/services/routing_delivery.py: an entry whose issue went stale becomes a
`Drop`. Every forge string is escaped (bot/slack/mrkdwn.py) and every message fitted to Slack's limits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.db.operations import OutboxEntry
from bot.services.claims import (
    CLAIMED,
    COMMENT_FAILED,
    COMMENT_POSTED,
    GONE,
    YOURS,
    ClaimOutcome,
    MuteOutcome,
)
from bot.services.issue_list import FILTERS, NO_SUBSCRIPTIONS, IssueList
from bot.services.outbox import Drop
from bot.services.routing_delivery import DigestView, digest_delivery, gfi_delivery
from bot.services.routing_issues import IssueView
from bot.slack import texts
from bot.slack.block_kit import Block, Message, button, context, divider, dm, header, message, section, simple
from bot.slack.blocks import more_value
from bot.slack.mrkdwn import escape, link, listing, mention, one_line, truncate_plain

ACTION_CLAIM = "gfi_claim"
ACTION_NOT_INTERESTED = "gfi_not_interested"
ACTION_OPEN = "gfi_open"
ACTION_ISSUES_MORE = "issues_more"
# Where a Claim button sits: its answer replaces a DM, but must not replace a whole digest or list.
IN_DM, IN_DIGEST, IN_LIST = "dm", "digest", "list"
_TITLE = 200


# -- composers (bot/slack/outbox.py calls these at send time) -------------------------------------
def compose_gfi(session: Session, entry: OutboxEntry) -> Message | Drop:
    found = gfi_delivery(session, entry)
    return Drop(found) if isinstance(found, str) else gfi_message(found)


def compose_digest(session: Session, entry: OutboxEntry) -> Message | Drop:
    found = digest_delivery(session, entry)
    return Drop(found) if isinstance(found, str) else digest_message(found)


# -- messages ---------------------------------------------------------------------------------------
def gfi_message(issue: IssueView) -> Message:
    """The DM offering one issue: title as link, project, labels, age, why, and the three buttons."""
    blocks: list[Block] = [
        section(f"{texts.GFI_DM_INTRO}\n{issue_line(issue)}"),
        context(*_facts(issue)),
        {
            "type": "actions",
            "block_id": f"gfi:{issue.id}",
            "elements": [
                {
                    **button(texts.CLAIM_BUTTON, ACTION_CLAIM, claim_value(issue.id, IN_DM)),
                    "style": "primary",
                },
                button(texts.NOT_INTERESTED_BUTTON, ACTION_NOT_INTERESTED, str(issue.id)),
                _open_button(issue),
            ],
        },
    ]
    return dm(f"{texts.GFI_DM_INTRO}: {_plain_title(issue)} ({escape(issue.project_name)})", blocks)


def digest_message(digest: DigestView) -> Message:
    """One digest part, grouped by project, a Claim button on each issue."""
    heading = texts.digest_heading(len(digest.items), digest.date, digest.part, digest.parts)
    blocks: list[Block] = [header(heading)]
    project = None
    for issue in digest.items:
        if issue.project_id != project:
            project = issue.project_id
            blocks += [divider(), section(f"*{link(issue.project_url, issue.project_name)}*")]
        claim = button(texts.CLAIM_BUTTON, ACTION_CLAIM, claim_value(issue.id, IN_DIGEST))
        blocks.append(section(f"{_issue_link(issue)}\n{' · '.join(_facts(issue))}", claim))
    blocks.append(context(texts.DIGEST_FOOTER))
    titles = "; ".join(_plain_title(i) for i in digest.items[:10])
    return dm(f"{heading}: {titles}", blocks)


def issues_message(result: IssueList) -> Message:
    """The `issues` answer: a page of issues best first, a *More* button when there are more."""
    if result.source == NO_SUBSCRIPTIONS:
        return simple(texts.ISSUES_NO_SUBSCRIPTIONS)
    blocks: list[Block] = []
    if result.problems:
        blocks.append(context(":warning: " + "; ".join(escape(p) for p in result.problems)))
    subscriptions = result.source != FILTERS
    if not result.issues:
        text = texts.issues_none(subscriptions, escape(one_line(result.text)))
        return message(text, [*blocks, section(text), context(texts.ISSUES_TIP)])
    first, last = result.offset + 1, result.offset + len(result.issues)
    heading = texts.issues_heading(result.total, first, last, subscriptions)
    blocks.append(section(heading))
    for issue in result.issues:
        claim = button(texts.CLAIM_BUTTON, ACTION_CLAIM, claim_value(issue.id, IN_LIST))
        blocks += [divider(), section(issue_line(issue), claim), context(*_facts(issue))]
    if result.has_more:
        more = button(
            texts.ISSUES_MORE_BUTTON, ACTION_ISSUES_MORE, more_value(result.text, result.next_offset)
        )
        blocks.append({"type": "actions", "elements": [more]})
    blocks.append(context(texts.ISSUES_TIP))
    return message(f"{heading}: " + "; ".join(_plain_title(i) for i in result.issues), blocks)


def claim_message(outcome: ClaimOutcome) -> Message:
    shown = _issue_link(outcome.issue) if outcome.issue is not None else ""
    if outcome.status == CLAIMED:
        text = texts.claimed_by_you(shown)
        if outcome.comment == COMMENT_POSTED:
            text += " " + texts.CLAIM_COMMENT_POSTED
        elif outcome.comment == COMMENT_FAILED:
            text += " " + texts.CLAIM_COMMENT_FAILED
    elif outcome.status == YOURS:
        text = texts.claimed_already_yours(shown)
    elif outcome.status == GONE:
        text = texts.claim_gone(shown or texts.NONE_KNOWN, escape(outcome.reason))
    else:
        holder = mention(outcome.holder_slack_id) or escape(one_line(outcome.holder_name)) or texts.NONE_KNOWN
        text = texts.claimed_by_other(shown, holder)
    blocks: list[Block] = [section(text)]
    if outcome.issue is not None and outcome.status != GONE:
        blocks.append({"type": "actions", "elements": [_open_button(outcome.issue)]})
    return message(text, blocks)


def not_interested_message(outcome: MuteOutcome) -> Message:
    if outcome.project_name is None:
        return simple(texts.NOT_INTERESTED_UNKNOWN)
    return simple(texts.not_interested(link(outcome.project_url, outcome.project_name)))


# -- button values ----------------------------------------------------------------------------------
def claim_value(issue_id: int, where: str) -> str:
    return f"{issue_id}:{where}"


def parse_claim_value(value: str) -> tuple[int, str] | None:
    """(issue id, where) from a Claim button, or None when it is not one we made."""
    number, _, where = value.partition(":")
    issue_id = parse_issue_value(number)
    if issue_id is None or where not in (IN_DM, IN_DIGEST, IN_LIST):
        return None
    return issue_id, where


def parse_issue_value(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


# -- pieces -----------------------------------------------------------------------------------------
def _title(issue: IssueView) -> str:
    """`#12 Title` on one line, cut to length (raw: escape it or put it in a link)."""
    return truncate_plain(one_line(f"#{issue.number} {issue.title}"), _TITLE)


def _plain_title(issue: IssueView) -> str:
    return escape(_title(issue))


def _issue_link(issue: IssueView) -> str:
    return f"*{link(issue.url, _title(issue))}*"


def issue_line(issue: IssueView) -> str:
    """The issue's title as a bold link over its project's link (also `me`'s and milestones' style)."""
    return f"{_issue_link(issue)}\n{link(issue.project_url, issue.project_name)}"


def _facts(issue: IssueView) -> list[str]:
    facts = []
    if issue.labels:
        facts.append(f"{texts.ISSUE_LABELS}: {listing(issue.labels, limit=5)}")
    facts.append(texts.opened_on(day(issue.created_at)))
    if issue.why:
        kind, _, label = issue.why.partition(":")
        facts.append(f"{texts.WHY_YOU}: {texts.why_line(kind, escape(one_line(label)))}")
    return facts


def day(moment: datetime) -> str:
    """`3 Oct 2026`."""
    return f"{moment.day} {moment:%b %Y}"


def _open_button(issue: IssueView) -> dict[str, Any]:
    opened = button(texts.OPEN_ISSUE_BUTTON, ACTION_OPEN, str(issue.id))
    return {**opened, "url": issue.url} if issue.url.startswith(("http://", "https://")) else opened
