"""The stored tallies the incremental recompute reads: new rows applied once (a late commit too), rows
sliding out of the window taken out, and after any number of incremental runs the same tallies and
levels as a full recompute from the ledger."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine, delete, event, func, select

from bot.app import Core
from bot.clock import ManualClock
from bot.db.engine import make_engine, session_factory, session_scope
from bot.db.models import Contribution, Project
from bot.db.progression import LedgerTally
from bot.services.progression import ProgressionService
from bot.services.progression_ledger import Tally
from bot.services.progression_tallies import decode
from tests.services import test_progression as base
from tests.services.progression_support import merged, reviewed
from tests.services.test_progression import first_half, gh, level_rows, levels

Stored = dict[tuple[str, str, str], dict[int, Tally]]


# The ledger and fixtures of test_progression.py (bot_logins ("CI-Runner",), the clock at NOW).
clock, core = base.clock, base.core


def stored(core: Core) -> Stored:
    with session_scope(core.sessions) as session:
        rows = session.execute(
            select(LedgerTally.forge, LedgerTally.host, LedgerTally.login_key, LedgerTally.projects)
        )
        return {(forge, host, login): decode(projects) for forge, host, login, projects in rows}


def incremental(core: Core, margin: int = 500) -> ProgressionService:
    return ProgressionService(core.sessions, core.settings, core.now, ledger_margin=margin)


def full_agrees(core: Core) -> None:
    """A full recompute now changes neither the tallies nor the levels the incremental runs left."""
    tallies, rows = stored(core), level_rows(core)
    incremental(core).recompute(full=True)
    assert stored(core) == tallies
    assert level_rows(core) == rows


def project(core: Core, name: str) -> Project:
    with session_scope(core.sessions) as session:
        found = session.scalars(select(Project).where(Project.full_name == name)).one()
        session.expunge(found)
        return found


def test_rows_sliding_out_of_the_window_lower_the_level_without_a_full_run(
    core: Core, clock: ManualClock
) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
        web = session.scalars(select(Project).where(Project.full_name == "acme/web")).one()
        merged(session, web, "slider", 178, count=5)  # a regular, for two more days
        reviewed(session, web, "slider", 179, count=2)
    progression = incremental(core)
    assert progression.recompute().full
    assert levels(core)[gh("slider")] == "regular"
    for _ in range(3):  # a day at a time, incremental only
        clock.advance(timedelta(days=1))
        assert not progression.recompute(full=False).full
    assert levels(core)[gh("slider")] == "contributor"
    tally = stored(core)[("github", "api.github.com", "slider")]
    assert [(t.merged_all, t.merged_window, t.reviews_all, t.reviews_window) for t in tally.values()] == [
        (5, 0, 2, 0)
    ]
    full_agrees(core)


def test_new_rows_count_once_however_often_the_margin_rereads_them(core: Core, clock: ManualClock) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)
    progression = incremental(core, margin=1_000)  # every run re-reads every row
    progression.recompute(full=True)
    web = project(core, "acme/web")
    for _ in range(3):
        clock.advance(timedelta(minutes=15))
        with session_scope(core.sessions) as session:
            merged(session, session.merge(web), "reggie", 1)
        progression.recompute(full=False)
        clock.advance(timedelta(minutes=15))
        progression.recompute(full=False)  # nothing new: nothing changes
    tally = stored(core)[("github", "api.github.com", "reggie")]
    assert sum(t.merged_all for t in tally.values()) == 5 + 3
    full_agrees(core)


def test_a_row_committed_after_a_later_one_was_read_is_still_applied_once(
    core: Core, clock: ManualClock
) -> None:
    """Ledger ids are handed out at insert and seen at commit: a crawl's transaction may commit a lower
    id after a webhook's higher one was read. Within the margin it is applied, and only once."""
    with session_scope(core.sessions) as session:
        first_half(session)
        web = session.scalars(select(Project).where(Project.full_name == "acme/web")).one()
        merged(session, web, "late", 2)
        late = session.scalars(select(Contribution).where(Contribution.author == "late")).one()
        values = {c.key: getattr(late, c.key) for c in Contribution.__mapper__.column_attrs}
        merged(session, web, "early", 1)  # a higher id, committed first
        session.execute(delete(Contribution).where(Contribution.id == late.id))  # not committed yet
    progression = incremental(core, margin=50)
    progression.recompute(full=True)
    assert ("github", "api.github.com", "late") not in stored(core)
    clock.advance(timedelta(minutes=15))
    with session_scope(core.sessions) as session:  # now it commits, with its lower id
        session.add(Contribution(**values))
        assert session.scalar(select(func.max(Contribution.id))) > values["id"]
    progression.recompute(full=False)
    clock.advance(timedelta(minutes=15))
    progression.recompute(full=False)
    assert [t.merged_all for t in stored(core)[("github", "api.github.com", "late")].values()] == [1]
    assert levels(core)[gh("late")] == "contributor"
    full_agrees(core)


def test_a_changed_bot_logins_setting_makes_the_next_run_a_full_one(core: Core, clock: ManualClock) -> None:
    with session_scope(core.sessions) as session:
        first_half(session)  # ci-runner's 30 merged are a bot's by the setting
    incremental(core).recompute(full=True)
    assert gh("ci-runner") not in levels(core)
    clock.advance(timedelta(minutes=15))
    unset = replace(core, settings=core.settings.model_copy(update={"bot_logins": ()}))
    report = incremental(unset).recompute()
    assert report.full  # the stored tallies left ci-runner out: only a full run counts them
    assert levels(core)[gh("ci-runner")] == "regular"
    assert sum(t.merged_all for t in stored(core)[("github", "api.github.com", "ci-runner")].values()) == 30
    clock.advance(timedelta(minutes=15))
    assert not incremental(unset).recompute().full  # unchanged since: incremental again


def test_a_second_run_waits_for_the_first_and_applies_nothing_twice(core: Core, clock: ManualClock) -> None:
    """A `job progression` by hand while the worker's run is going: the second run waits for the
    first one's lock on the tallies cursor, then reads what it committed. The first run is held
    just after it took the lock (a SQLAlchemy event on its own engine), so the order is certain."""
    with session_scope(core.sessions) as session:
        first_half(session)
    incremental(core).recompute(full=True)
    clock.advance(timedelta(minutes=15))
    with session_scope(core.sessions) as session:
        web = session.scalars(select(Project).where(Project.full_name == "acme/web")).one()
        merged(session, web, "reggie", 1, count=4)
    first_engine, second_engine = (make_engine(core.settings.database_url) for _ in range(2))
    locked, release = threading.Event(), threading.Event()

    def hold(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE PROGRESSION_CURSORS") and not locked.is_set():
            locked.set()
            release.wait(timeout=30)

    event.listen(first_engine, "after_cursor_execute", hold)
    read_by_second: list[str] = []
    event.listen(
        second_engine, "before_cursor_execute", lambda c, k, statement, *a: read_by_second.append(statement)
    )

    def run(engine: Engine) -> None:
        ProgressionService(session_factory(engine), core.settings, core.now).recompute(full=False)

    first = threading.Thread(target=run, args=(first_engine,))
    second = threading.Thread(target=run, args=(second_engine,))
    try:
        first.start()
        assert locked.wait(timeout=30)  # the first run holds the lock
        second.start()
        second.join(timeout=1.0)
        assert second.is_alive()  # waiting for the lock, not reading tallies about to change
        assert not [q for q in read_by_second if "contributions" in q or "progression_tallies" in q]
        release.set()
        first.join()
        second.join()
    finally:
        release.set()
        first_engine.dispose()
        second_engine.dispose()
    tally = stored(core)[("github", "api.github.com", "reggie")]
    assert sum(t.merged_all for t in tally.values()) == 5 + 4
    full_agrees(core)
