"""Block Kit for contributor progression: `me`, milestone DMs and `admin`; and the `milestone` composer
the outbox deliverer calls at send time. Nomination cards: bot/slack/nomination_blocks.py.

Views in (bot/services/progression_views.py), messages out; every forge- or user-supplied string is
escaped (bot/slack/mrkdwn.py) and every message fitted to Slack's limits (bot/slack/limits.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from bot.db.operations import OutboxEntry
from bot.db.progression import CANDIDATE, TRUSTED
from bot.services.identity import FORGE_NAMES
from bot.services.outbox import Drop
from bot.services.progression import milestone_note
from bot.services.progression_views import (
    ALREADY_TRUSTED,
    AMBIGUOUS_PROJECT,
    NO_SUCH_PROJECT,
    NOT_ADMIN,
    NOT_LINKED,
    PROMOTED,
    AdminResult,
    MeView,
    MilestoneNote,
    Need,
    ProjectProgress,
)
from bot.services.routing_issues import IssueView
from bot.slack import texts
from bot.slack.block_kit import Block, Message, button, context, dm, header, message, section, simple
from bot.slack.issue_blocks import ACTION_CLAIM, IN_LIST, claim_value, issue_line
from bot.slack.limits import MAX_SECTION_TEXT
from bot.slack.mrkdwn import code, escape, link, listing, one_line, truncate_plain

MERGED, REVIEWS, APPROVAL = "merged", "reviews", "approval"  # what a Need asks for
_PROJECTS = 10  # project lines in `me`; the rest are counted
_NAMES = 8  # project names listed in one line
_RECOMMENDED = 3
_SECTION_BUDGET = MAX_SECTION_TEXT - 200  # room for the heading and the "+N more" line


# -- composer (bot/slack/outbox.py calls it at send time) ------------------------------------------
def compose_milestone(session: Session, entry: OutboxEntry) -> Message | Drop:
    """Kind `milestone`: payload {"names", "level", "projects"}."""
    note = milestone_note(session, dict(entry.payload))
    return Drop(note) if isinstance(note, str) else milestone_message(note)


# -- me -----------------------------------------------------------------------------------------
def me_message(view: MeView) -> Message:
    """The caller's accounts, level, work per project, what the next level needs, subscriptions and
    a few good first issues; without any account, how to link one."""
    level = texts.level_shown(view.level)
    blocks: list[Block] = [header(texts.ME_TITLE)]
    if not view.accounts:
        blocks.append(section(texts.ME_NOT_LINKED))
    else:
        accounts = " · ".join(
            f"{FORGE_NAMES.get(a.forge, escape(a.forge))} {code(a.login)}"
            + ("" if a.verified else f" {texts.ME_UNVERIFIED}")
            for a in view.accounts
        )
        blocks.append(context(f"*{texts.ME_ACCOUNTS_LABEL}:* {accounts}"))
    lines = [texts.me_level(level)]
    if view.maintains:
        lines.append(texts.me_maintainer_of(listing(view.maintains, _NAMES)))
    if view.trusted_on:
        lines.append(texts.me_trusted_on(listing(view.trusted_on, _NAMES)))
    next_line = next_level_line(view)
    blocks.append(section("\n".join([*lines, next_line])))
    if view.accounts:
        blocks.append(section(_projects(view.projects, view.window_days)))
    terms = ", ".join(code(s) for s in view.subscriptions[:20]) or texts.ME_NO_SUBSCRIPTIONS
    blocks.append(context(f"*{texts.ME_SUBSCRIPTIONS_LABEL}:* {terms}", texts.cadence_now(view.cadence)))
    if view.recommended:
        blocks.append(section(f"*{texts.ME_RECOMMENDED_LABEL}*"))
        blocks += [_offer(issue) for issue in view.recommended[:_RECOMMENDED]]
    return message(f"{texts.me_level(level)}. {_strip_stars(next_line)}", blocks)


def next_level_line(view: MeView) -> str:
    if view.next_level is None:
        return texts.ME_TOP_LEVEL
    name = texts.level_shown(view.next_level)
    needs = needs_shown(view.needs)
    if needs:
        return texts.me_next_level(name, needs, view.window_days)
    approval = next((n for n in view.needs if n.what == APPROVAL), None)
    if approval is not None or view.next_level == TRUSTED:
        project = escape(one_line(approval.project)) if approval is not None and approval.project else ""
        return texts.me_next_approval(name, project)
    return f"*Next: {name}*"


def needs_shown(needs: Iterable[Need]) -> str:
    """Plain words: needs on one project are joined with "and", alternatives (projects) with "or"."""
    groups: dict[str | None, list[Need]] = {}
    for need in needs:
        if need.count > 0 and need.what in (MERGED, REVIEWS):
            groups.setdefault(need.project, []).append(need)
    parts = []
    for project, group in groups.items():
        group.sort(key=lambda n: n.what != MERGED)  # merged first, then reviews
        pieces = [
            texts.need_merged(n.count, n.forge) if n.what == MERGED else texts.need_reviews(n.count)
            for n in group
        ]
        where = f"in {escape(one_line(project))}" if project else texts.NEED_ANYWHERE
        parts.append(" and ".join([f"{pieces[0]} {where}", *pieces[1:]]))
    return texts.NEEDS_OR.join(parts)


def _projects(projects: tuple[ProjectProgress, ...], days: int) -> str:
    """One line per project, most merged first; those past the tenth, or past what fits in one
    section, are counted rather than cut off mid-list."""
    if not projects:
        return texts.ME_NO_PROJECTS
    lines, size = [f"*{texts.ME_PROJECTS_LABEL}*"], 0
    for p in projects[:_PROJECTS]:
        role = texts.ROLE_NAMES.get(p.role)
        name = f"*{link(p.web_url, truncate_plain(p.full_name, 150))}*" + (f" ({role})" if role else "")
        counts = texts.me_project_counts(
            p.merged_window, p.reviews_window, days, p.merged_all, p.reviews_all, p.forge
        )
        line = f"• {name} — {counts}"
        size += len(line) + 1
        if size > _SECTION_BUDGET:
            break
        lines.append(line)
    shown = len(lines) - 1
    if len(projects) > shown:
        lines.append(texts.me_more_projects(len(projects) - shown))
    return "\n".join(lines)


# -- milestones ---------------------------------------------------------------------------------
def milestone_message(note: MilestoneNote) -> Message:
    """The DM for what a person reached: short and warm; after a first merge, where to go next."""
    lines: list[str] = []
    for name in note.names:
        kind, _, what = name.partition(":")
        if kind == "first-merged":
            line = texts.milestone_first_merged()
        elif kind == "level" and what == CANDIDATE:
            line = texts.milestone_candidate()
        elif kind == "level" and what != TRUSTED:
            line = texts.milestone_level(texts.level_shown(what))
        elif note.projects:  # trusted:<project> or level:trusted
            line = texts.milestone_trusted(listing(note.projects, _NAMES))
        else:
            continue
        if line not in lines:
            lines.append(line)
    if not lines:
        lines.append(texts.milestone_level(texts.level_shown(note.level)))
    blocks: list[Block] = [section("\n".join(lines))]
    if "first-merged" in note.names:
        if note.suggestions:
            blocks.append(section(texts.MILESTONE_NEXT))
            blocks += [_offer(issue) for issue in note.suggestions[:_RECOMMENDED]]
        else:
            blocks.append(section(texts.MILESTONE_NEXT_NONE))
    blocks.append(context(texts.MILESTONE_FOOTER))
    return dm(" ".join(_strip_stars(line) for line in lines), blocks)


# -- admin --------------------------------------------------------------------------------------
def admin_message(result: AdminResult) -> Message:
    detail = escape(one_line(truncate_plain(result.detail, 300)))
    outcomes = {
        PROMOTED: lambda: texts.admin_promoted(detail),
        ALREADY_TRUSTED: lambda: texts.admin_already_trusted(detail),
        NOT_ADMIN: lambda: texts.ADMIN_NOT_ADMIN,
        NO_SUCH_PROJECT: lambda: texts.admin_no_project(detail),
        AMBIGUOUS_PROJECT: lambda: texts.admin_ambiguous(
            detail, ", ".join(code(c) for c in result.choices[:15])
        ),
        NOT_LINKED: lambda: texts.admin_not_linked(detail),
    }
    if result.outcome in outcomes:
        return simple(outcomes[result.outcome]())
    return admin_help_message(texts.ADMIN_PROMOTE_USAGE)


def admin_help_message(note: str = "") -> Message:
    blocks: list[Block] = [section(note)] if note else []
    blocks += [section(f"*{texts.ADMIN_TITLE}*\n{texts.ADMIN_HELP}")]
    return message(note or texts.ADMIN_TITLE, blocks)


def admin_refused_message() -> Message:
    return simple(texts.ADMIN_NOT_ADMIN)


def crawl_started_message() -> Message:
    return simple(texts.ADMIN_CRAWL_STARTED)


def crawl_unavailable_message() -> Message:
    return simple(texts.ADMIN_CRAWL_UNAVAILABLE)


def crawl_done_message(summary: str) -> Message:
    return simple(texts.admin_crawl_done(escape(one_line(summary))))


# -- pieces ---------------------------------------------------------------------------------------
def _offer(issue: IssueView) -> Block:
    """One good first issue in the `issues` style, with its *Claim* button."""
    return section(
        issue_line(issue), button(texts.CLAIM_BUTTON, ACTION_CLAIM, claim_value(issue.id, IN_LIST))
    )


def _strip_stars(text: str) -> str:
    return text.replace("*", "")
