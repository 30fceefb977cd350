"""The sandbox between its first crawl and the console's prompt: what progression decided, in one
line, and "deliver what is due now" so the console prints a DM right after the line that caused it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.operations import PENDING, SENDING, OutboxEntry
from bot.db.progression import LEVELS, NOMINATION_PENDING, ContributorLevel, Milestone, Nomination

_NAMES = {  # level -> (one, many)
    "newcomer": ("newcomer", "newcomers"),
    "contributor": ("contributor", "contributors"),
    "regular": ("regular", "regulars"),
    "candidate": ("trusted-committer candidate", "trusted-committer candidates"),
    "trusted": ("trusted committer", "trusted committers"),
}
# A row due this soon is waited for: the deliverer paces one message a second per DM.
_SOON = timedelta(seconds=2)


def levels_line(sessions: sessionmaker[Session], you: str | None = None) -> str:
    """The start-up line, e.g. "Levels: 4 newcomers, …, 1 trusted-committer candidate (jasmine on
    acme/x: nomination card to @U0ALICE, @U0SANDBOX1 (you)), 1 trusted committer; 57 milestones, 9
    told by DM." `you`: the console's Slack user."""
    with session_scope(sessions) as session:
        counts: dict[str, int] = {
            level: count
            for level, count in session.execute(
                select(ContributorLevel.level, func.count()).group_by(ContributorLevel.level)
            )
        }
        nominated = [
            f"{login} on {project}"
            for login, project in session.execute(
                select(Nomination.login, Project.full_name)
                .join(Project, Project.id == Nomination.project_id)
                .where(Nomination.status == NOMINATION_PENDING)
                .order_by(Nomination.id)
            )
        ]
        cards = sorted(
            set(session.scalars(select(OutboxEntry.recipient).where(OutboxEntry.kind == "nomination")))
        )
        milestones = session.scalar(select(func.count()).select_from(Milestone)) or 0
        told = session.scalar(select(func.count()).select_from(Milestone).where(Milestone.told)) or 0
    parts = []
    for level in LEVELS:
        count = counts.get(level, 0)
        part = f"{count} {_NAMES[level][count != 1]}"
        if level == "candidate" and nominated:
            mentions = ", ".join(f"@{c}" + (" (you)" if c == you else "") for c in cards)
            sent = f"nomination card to {mentions}" if cards else "no maintainer linked to nominate them to"
            part += f" ({'; '.join(nominated)}: {sent})"
        parts.append(part)
    return f"Levels: {', '.join(parts)}; {milestones} milestones, {told} told by DM."


def deliver_now(
    deliver_due: Callable[[], int],
    sessions: sessionmaker[Session],
    now: Callable[[], datetime],
    timeout: float = 5.0,
) -> None:
    """Send what the outbox has due (`deliver_due`: one pass, returning the rows it claimed) and wait
    for what another deliverer (the worker's) has in flight, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if deliver_due() == 0:
            if not _in_flight(sessions, now()):
                return
            time.sleep(0.05)


def _in_flight(sessions: sessionmaker[Session], now: datetime) -> bool:
    with sessions() as session:
        busy = session.scalar(
            select(OutboxEntry.id)
            .where(
                or_(
                    OutboxEntry.status == SENDING,
                    (OutboxEntry.status == PENDING) & (OutboxEntry.due_at <= now + _SOON),
                )
            )
            .limit(1)
        )
    return busy is not None
