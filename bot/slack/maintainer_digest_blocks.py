"""Block Kit for the weekly maintainer digest: its overview parts and the nomination cards that follow
them; and the `maintainer_digest` composer the outbox deliverer calls at send time.

A nomination card is the nomination's own card (bot/slack/nomination_blocks.py, same action ids), so
the existing *Approve*/*Decline* handlers answer it and replace that card, never the digest. Every
forge string is escaped and every message fitted to Slack's limits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.catalog.readiness import CHECKLIST
from bot.db.operations import OutboxEntry
from bot.db.progression import NOMINATION_PENDING
from bot.services.digests import digest_delivery
from bot.services.digests_content import DigestPart, PendingNomination, ProjectDigest
from bot.services.outbox import Drop
from bot.services.progression_views import NominationCard
from bot.slack import maintainer_digest_texts as texts
from bot.slack.block_kit import Block, Message, context, divider, dm, header, section
from bot.slack.issue_blocks import day
from bot.slack.limits import MAX_SECTION_TEXT
from bot.slack.mrkdwn import code, escape, link, listing, mention, one_line, truncate_plain
from bot.slack.nomination_blocks import nomination_message
from bot.slack.stats_blocks import duration, metrics_lines

_TITLE = 120  # characters of a change's or an issue's title
_LABELS = dict(CHECKLIST)
_QUIET_SHOWN = 20


# -- composer (bot/slack/outbox.py calls it at send time) ------------------------------------------
def compose_maintainer_digest(session: Session, entry: OutboxEntry) -> Message | Drop:
    found = digest_delivery(session, entry)
    if isinstance(found, str):
        return Drop(found)
    if isinstance(found, NominationCard):
        return digest_card_message(found)
    return digest_message(found)


# -- messages ---------------------------------------------------------------------------------------
def digest_message(part: DigestPart) -> Message:
    """One overview part: per project its time to first response and what waits for the maintainer."""
    blocks: list[Block] = [header(texts.heading(_week_of(part.week), part.part, part.parts))]
    for project in part.projects:
        blocks += [divider(), section(_project_heading(project, part))]
        blocks += _sections(project, part)
    if part.quiet:
        blocks.append(context(texts.quiet(listing(part.quiet, limit=_QUIET_SHOWN))))
    if part.part == part.parts:
        blocks.append(context(texts.FOOTER))
    return dm(_fallback(part), blocks)


def digest_card_message(card: NominationCard) -> Message:
    """A nomination awaiting the maintainer, as its own message after the digest: the nomination's card
    under one line saying where it comes from."""
    shown = nomination_message(card)
    return dm(f"{texts.CARD_INTRO} {shown['text']}", [context(texts.CARD_INTRO), *shown["blocks"]])


# -- pieces -----------------------------------------------------------------------------------------
def _project_heading(project: ProjectDigest, part: DigestPart) -> str:
    name = f"*{link(project.web_url, project.full_name)}*"
    if project.continued:
        return f"{name} {texts.CONTINUED}"
    metrics = project.metrics
    if metrics is None or not metrics.current.response.total:  # no outside PRs/MRs lately: nothing to say
        return name
    return f"{name}\n{metrics_lines(metrics.current, metrics.previous, part.metrics_days)[0]}"


def _sections(project: ProjectDigest, part: DigestPart) -> list[Block]:
    blocks: list[Block] = []
    if project.waiting:
        lines = [
            texts.waiting_line(_change(w.url, w.number, w.title), code(w.author), duration(w.age))
            for w in project.waiting
        ]
        blocks += _listed(texts.waiting_heading(project.waiting_total, len(project.waiting)), lines)
    if project.new_contributors:
        lines = [
            texts.new_contributor_line(
                _who(n.login, n.slack_user_id), _change(n.url, n.number, n.title), day(n.first_at)
            )
            for n in project.new_contributors
        ]
        blocks += _listed(texts.NEW_LABEL, lines)
    if project.stale_issues:
        lines = [
            texts.stale_line(_change(i.url, i.number, i.title), day(i.updated_at), i.assigned)
            for i in project.stale_issues
        ]
        heading = texts.stale_heading(part.stale_days, project.stale_total, len(project.stale_issues))
        blocks += _listed(heading, lines)
    if project.nominations:
        blocks += _listed(texts.NOMINATIONS_LABEL, [_nomination(n) for n in project.nominations])
    if project.missing:
        lines = [
            texts.readiness_line(
                _LABELS.get(key) or escape(key), texts.READINESS_FIXES.get(key, texts.READINESS_FIX_DEFAULT)
            )
            for key in project.missing
        ]
        blocks += _listed(texts.READINESS_LABEL, lines)
    return blocks


def _listed(heading: str, lines: list[str]) -> list[Block]:
    """A heading and its lines in as few sections as fit Slack's 3,000 characters each."""
    budget = MAX_SECTION_TEXT - 100
    sections: list[str] = [heading]
    for line in lines:
        if len(sections[-1]) + 1 + len(line) > budget:
            sections.append(line)
        else:
            sections[-1] += "\n" + line
    return [section(text) for text in sections]


def _nomination(nomination: PendingNomination) -> str:
    who = _who(nomination.login, nomination.candidate_slack_user_id)
    if nomination.status == NOMINATION_PENDING:
        return texts.nomination_pending(who, day(nomination.created_at))
    by = mention(nomination.decided_by) or "someone"
    return texts.nomination_decided(who, nomination.status, by)


def _who(login: str, slack_user_id: str | None) -> str:
    shown = code(truncate_plain(login, 80))
    mentioned = mention(slack_user_id)
    return f"{mentioned} ({shown})" if mentioned else shown


def _change(url: str, number: int, title: str) -> str:
    label = truncate_plain(one_line(f"#{number} {title}" if number else title), _TITLE)
    return link(url, label or url)


def _week_of(week: str) -> str:
    """`2026-W45` → the Monday of that week, `2 Nov 2026`."""
    try:
        year, _, number = week.partition("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        return week
    return day(datetime(monday.year, monday.month, monday.day))


def _fallback(part: DigestPart) -> str:
    projects = part.projects
    return texts.fallback(
        sum(len(p.waiting) for p in projects),
        sum(len(p.new_contributors) for p in projects),
        sum(len(p.stale_issues) for p in projects),
        sum(1 for p in projects for n in p.nominations if n.status == NOMINATION_PENDING),
        sum(len(p.missing) for p in projects),
    )
