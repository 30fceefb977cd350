"""Each forge account's tallies kept between runs (`progression_tallies`), so the incremental
recompute reads the few accounts it touches instead of their whole ledger history.

The full recompute rewrites the table from its own read of the ledger (`rewrite`). An incremental run
(`apply`) adds the ledger rows it has not applied yet and takes out of the window counts the rows that
slid out of the levels' window since the last run; it returns the accounts whose tallies changed.
Which rows are applied: every id up to the cursor's `position`, and above it exactly the ids in its
`state`. Each run re-reads the ids above `position` (a margin of ids below the newest it saw), so a
row whose transaction committed after a later one was read is still applied, once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from bot.db.models import Contribution
from bot.db.progression import LedgerTally, ProgressionCursor
from bot.services.progression_ledger import MERGED, REVIEW, Account, Tally

_CHUNK = 500  # accounts per IN (…)
_WRITE_CHUNK = 5_000  # rows per bulk insert
# One account's tallies as stored: a flat JSON list, 7 numbers a project (fast to decode) —
# project id, merged all time, merged in window, reviews all time, reviews in window, first merged
# and latest merged-or-review (microseconds since the epoch, or null).
_WIDTH = 7
Flat = list[Any]


_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)


def _epoch(at: datetime | None) -> int | None:
    """Microseconds since the epoch, exactly (a float of seconds would round some away)."""
    return (at - _EPOCH) // _MICROSECOND if at is not None else None


def _at(micros: int | None) -> datetime | None:
    return _EPOCH + timedelta(microseconds=micros) if micros is not None else None


def encode(found: dict[int, Tally]) -> Flat:
    flat: Flat = []
    for pid, t in found.items():
        flat += (pid, t.merged_all, t.merged_window, t.reviews_all, t.reviews_window,
                 _epoch(t.first_merged_at), _epoch(t.last_at))  # fmt: skip
    return flat


def decode(flat: Flat) -> dict[int, Tally]:
    return {
        flat[i]: Tally(flat[i + 1], flat[i + 2], flat[i + 3], flat[i + 4], _at(flat[i + 5]), _at(flat[i + 6]))
        for i in range(0, len(flat), _WIDTH)
    }


def rewrite(session: Session, work: dict[Account, dict[int, Tally]]) -> None:
    """Replace every account's tallies with `work` (the full recompute's read of the ledger)."""
    session.execute(delete(LedgerTally))
    rows = [
        {"login_key": login, "forge": forge, "host": host, "projects": encode(found)}
        for (forge, host, login), found in work.items()
    ]
    for start in range(0, len(rows), _WRITE_CHUNK):
        session.execute(insert(LedgerTally), rows[start : start + _WRITE_CHUNK])


def load(session: Session, accounts: Iterable[Account]) -> dict[Account, dict[int, Tally]]:
    """The stored tallies of these accounts (an account with none is left out)."""
    wanted = set(accounts)
    logins = sorted({login for _, _, login in wanted})
    found: dict[Account, dict[int, Tally]] = {}
    for start in range(0, len(logins), _CHUNK):
        rows = session.execute(
            select(LedgerTally.forge, LedgerTally.host, LedgerTally.login_key, LedgerTally.projects).where(
                LedgerTally.login_key.in_(logins[start : start + _CHUNK])
            )
        )
        for forge, host, login, projects in rows:
            if (forge, host, login) in wanted:
                found[(forge, host, login)] = decode(projects)
    return found


def applied_since(session: Session, top: int, margin: int) -> list[int]:
    """The ledger ids in (top - margin, top] that exist now: what a full recompute that reads up to
    `top - margin` and these ids has applied (`until` in bot/services/progression_ledger.py:tallies)."""
    return sorted(
        session.scalars(select(Contribution.id).where(Contribution.id > top - margin, Contribution.id <= top))
    )


def mark_full(cursor: ProgressionCursor, position: int, recent: list[int], window_start: datetime) -> None:
    """After `rewrite`: applied are the ids up to `position` and `recent`, windows from `window_start`."""
    cursor.position, cursor.state, cursor.at = position, recent, window_start


def apply(
    session: Session,
    cursor: ProgressionCursor,
    window_start: datetime,
    bot_logins: frozenset[str],
    margin: int,
) -> dict[Account, dict[int, Tally]]:
    """Bring the stored tallies up to the ledger and to `window_start` (not before the cursor's);
    the accounts whose tallies changed, with their tallies now."""
    assert cursor.at is not None and window_start >= cursor.at, "a full recompute sets the window first"
    low, applied = cursor.position, {int(i) for i in cursor.state or ()}
    changes: dict[Account, dict[int, Tally]] = {}

    def change(forge: str, host: str, login: str, project_id: int) -> Tally:
        return changes.setdefault((forge, host, login), {}).setdefault(project_id, Tally())

    author = func.lower(Contribution.author)
    columns = (Contribution.id, Contribution.forge, Contribution.host, author, Contribution.project_id,
               Contribution.kind, Contribution.occurred_at)  # fmt: skip
    counted = (Contribution.author_is_bot.is_(False), Contribution.kind.in_((MERGED, REVIEW)))
    # Rows that left the window: out of the window counts, if they were in them (applied before).
    slid = select(*columns).where(
        *counted, Contribution.occurred_at >= cursor.at, Contribution.occurred_at < window_start
    )
    for row_id, forge, host, login, project_id, kind, _ in session.execute(slid):
        if login in bot_logins or not (row_id <= low or row_id in applied):
            continue
        tally = change(forge, host, login, project_id)
        if kind == MERGED:
            tally.merged_window -= 1
        else:
            tally.reviews_window -= 1
    top = low
    for row_id, forge, host, login, project_id, kind, at in session.execute(
        select(*columns).where(*counted, Contribution.id > low)
    ):
        top = max(top, row_id)
        if row_id in applied:
            continue
        applied.add(row_id)
        if login in bot_logins:
            continue
        tally = change(forge, host, login, project_id)
        recent = int(at >= window_start)
        if kind == MERGED:
            tally.merged_all += 1
            tally.merged_window += recent
            tally.first_merged_at = at if tally.first_merged_at is None else min(tally.first_merged_at, at)
        else:
            tally.reviews_all += 1
            tally.reviews_window += recent
        tally.last_at = at if tally.last_at is None else max(tally.last_at, at)
    now_tallied = _merge(session, changes)
    cursor.position = max(low, top - margin)
    cursor.state = sorted(i for i in applied if i > cursor.position)
    cursor.at = window_start
    return now_tallied


def _merge(session: Session, changes: dict[Account, dict[int, Tally]]) -> dict[Account, dict[int, Tally]]:
    """Add `changes` (counts as differences, times as new bounds) to the stored tallies; the changed
    accounts' tallies as they are now."""
    stored = load(session, changes)
    fresh: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    for account, found in changes.items():
        new = account not in stored
        current = stored.setdefault(account, {})
        for pid, delta in found.items():
            current[pid] = _plus(current.get(pid), delta)
        forge, host, login = account
        row = {"k": login, "f": forge, "h": host, "projects": encode(current)}
        (fresh if new else updated).append(row)
    table = cast(Table, LedgerTally.__table__)
    if updated:  # one executemany, by primary key
        session.execute(
            table.update()
            .where(
                table.c.login_key == bindparam("k"),
                table.c.forge == bindparam("f"),
                table.c.host == bindparam("h"),
            )
            .values(projects=bindparam("projects")),
            updated,
        )
    if fresh:
        session.execute(
            insert(LedgerTally),
            [
                {"login_key": r["k"], "forge": r["f"], "host": r["h"], "projects": r["projects"]}
                for r in fresh
            ],
        )
    return {account: stored[account] for account in changes}


def _plus(tally: Tally | None, delta: Tally) -> Tally:
    if tally is None:
        return delta
    return Tally(
        tally.merged_all + delta.merged_all,
        tally.merged_window + delta.merged_window,
        tally.reviews_all + delta.reviews_all,
        tally.reviews_window + delta.reviews_window,
        _earliest(tally.first_merged_at, delta.first_merged_at),
        _latest(tally.last_at, delta.last_at),
    )


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b < a) else a


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a
