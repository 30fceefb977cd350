"""`/innersource stats`: the catalog counts, people per level, the longest outside waits and the
nominations no maintainer on Slack can decide, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.app import Core
from bot.clock import ManualClock
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.db.people import Identity, Person
from bot.db.progression import LEVELS, ContributorLevel, Nomination
from bot.services.stats import LongestWait, StatsService, WaitingNomination, program_stats
from tests.conftest import NOW
from tests.services.test_metrics import D, H, add_change, add_merge, add_project


def _person(
    session: Session, slack_user_id: str, project: Project, login: str, *, verified: bool, refusal: str | None
) -> None:
    person = Person(slack_user_id=slack_user_id, created_at=NOW, updated_at=NOW, slack_refusal=refusal)
    session.add(person)
    session.flush()
    session.add(
        Identity(
            person_id=person.id,
            forge=project.forge,
            host=project.host,
            login=login,
            login_key=login.casefold(),
            verified=verified,
            source="email" if verified else "link",
            created_at=NOW,
        )
    )


def _nominate(session: Session, project: Project, login: str, at: datetime, status: str = "pending") -> None:
    session.add(
        Nomination(
            project_id=project.id, login_key=login.casefold(), login=login, status=status, created_at=at
        )
    )


def test_catalog_levels_and_metrics(core: Core) -> None:
    with session_scope(core.sessions) as session:
        p = add_project(session, "acme/p", ["alice"], ready=True)
        add_project(session, "acme/q", ["bob"])
        add_project(session, "acme/r", [])
        add_project(session, "acme/gone", [], listed=False, ready=True)
        for contributor, level in (("a:1", "newcomer"), ("a:2", "contributor"), ("p:3", "contributor")):
            session.add(ContributorLevel(contributor=contributor, level=level, updated_at=NOW))
        add_merge(session, p, "carol", NOW - 2 * D)
        add_merge(session, p, "alice", NOW - 3 * D)
        add_change(session, p, "carol", NOW - 4 * D, responded=NOW - 4 * D + 3 * H)

    view = StatsService(core.sessions, ManualClock(NOW), core.settings).stats()

    assert (view.now, view.window_days) == (NOW, core.settings.metrics_window_days)
    assert (view.projects_listed, view.projects_ready, view.ready_share) == (3, 1, 1 / 3)
    assert view.people_per_level == tuple(
        (level, {"newcomer": 1, "contributor": 2}.get(level, 0)) for level in LEVELS
    )
    current = view.metrics.current
    assert current.innersource.value == 0.5 and current.new_contributors == 1 and current.absence_factor == 1
    assert current.response.median is not None and current.response.median.value == 3 * H
    assert view.metrics.previous.innersource.value is None
    assert view.longest_waits == () and view.waiting_nominations == ()


def test_an_empty_program(core: Core) -> None:
    with session_scope(core.sessions) as session:
        view = program_stats(session, NOW, 90)
    assert (view.projects_listed, view.projects_ready, view.ready_share) == (0, 0, None)
    assert view.people_per_level == tuple((level, 0) for level in LEVELS)
    assert view.metrics.current.response.median is None and view.waiting_nominations_total == 0


def test_longest_outside_waits(core: Core) -> None:
    with session_scope(core.sessions) as session:
        for i in range(6):  # project i's oldest outside wait began 10 + i days ago
            project = add_project(session, f"acme/p{i}", ["owner"])
            add_change(session, project, "outsider", NOW - (10 + i) * D)
            add_change(session, project, "other", NOW - D)
        busy = session.get(Project, project.id)
        assert busy is not None
        add_change(session, busy, "third", NOW - 2 * D)
        quiet = add_project(session, "acme/quiet", ["@Owner"])
        add_change(session, quiet, "owner", NOW - 400 * D)  # a maintainer's own: not an outside wait
        add_change(session, quiet, "bot[bot]", NOW - 400 * D, bot=True)
        add_change(session, quiet, "x", NOW - 400 * D, responded=NOW - 399 * D)  # answered
        add_change(session, quiet, "y", NOW - 400 * D, closed=NOW - 399 * D)  # closed
        gone = add_project(session, "acme/gone", [], listed=False)
        add_change(session, gone, "z", NOW - 500 * D)

    with session_scope(core.sessions) as session:
        waits = program_stats(session, NOW, 90).longest_waits

    assert [w.full_name for w in waits] == ["acme/p5", "acme/p4", "acme/p3", "acme/p2", "acme/p1"]
    assert waits[0] == LongestWait("acme/p5", "https://example.test/acme/p5", 15 * D, 3)
    assert [w.waiting for w in waits[1:]] == [2, 2, 2, 2]


def test_nominations_waiting_for_a_linked_maintainer(core: Core) -> None:
    with session_scope(core.sessions) as session:
        linked = add_project(session, "acme/linked", ["@Ann", "nobody"])
        _person(session, "U1", linked, "ann", verified=True, refusal=None)
        unverified = add_project(session, "acme/unverified", ["ben"])
        _person(session, "U2", unverified, "ben", verified=False, refusal=None)
        refused = add_project(session, "acme/refused", ["cat"])
        _person(session, "U3", refused, "cat", verified=True, refusal="deleted")
        elsewhere = add_project(session, "acme/elsewhere", ["ann"], forge="gitlab", host="gitlab.test")
        unlinked = add_project(session, "acme/unlinked", ["dan"])
        for project, days in ((linked, 9), (unverified, 8), (refused, 7), (elsewhere, 6), (unlinked, 5)):
            _nominate(session, project, "Zoe", NOW - days * D)
        _nominate(session, unlinked, "Yan", NOW - 30 * D, status="declined")
        _nominate(session, add_project(session, "acme/gone", ["x"], listed=False), "Zoe", NOW - D)

    with session_scope(core.sessions) as session:
        view = program_stats(session, NOW, 90)

    assert view.waiting_nominations_total == 4
    assert view.waiting_nominations == (
        WaitingNomination("acme/unverified", "Zoe", NOW - 8 * D),
        WaitingNomination("acme/refused", "Zoe", NOW - 7 * D),
        WaitingNomination("acme/elsewhere", "Zoe", NOW - 6 * D),  # ann's verified account is on GitHub
        WaitingNomination("acme/unlinked", "Zoe", NOW - 5 * D),
    )


def test_stats_read_the_snapshot_the_worker_refreshes(database_url: str) -> None:
    from datetime import timedelta

    from bot.app import build_core
    from bot.config import Settings
    from bot.services import metrics_snapshot
    from bot.services.metrics import program_metrics

    clock = ManualClock(NOW)
    core = build_core(Settings(database_url=database_url), now=clock)
    try:
        with session_scope(core.sessions) as session:
            p = add_project(session, "acme/p", ["alice"])
            add_merge(session, p, "carol", NOW - 2 * D)
            add_change(session, p, "carol", NOW - 4 * D, responded=NOW - 4 * D + 3 * H)
            add_change(session, p, "dave", NOW - 3 * D)
        service = StatsService(core.sessions, clock, core.settings)
        first = service.stats()  # no snapshot yet: computed now, and stored
        assert first.metrics_at == NOW and first.metrics.current.innersource.merged == 1
        with session_scope(core.sessions) as session:
            stored = metrics_snapshot.latest(session, core.settings.metrics_window_days)
            assert stored is not None and stored[0] == program_metrics(session, NOW, 90)
        clock.advance(timedelta(hours=1))
        with session_scope(core.sessions) as session:
            add_merge(session, p, "erin", NOW)
        assert service.stats().metrics.current.innersource.merged == 1  # the snapshot, not the ledger
        assert service.stats().metrics_at == NOW
        service.refresh()
        later = service.stats()
        assert later.metrics.current.innersource.merged == 2 and later.metrics_at == NOW + timedelta(hours=1)
    finally:
        core.engine.dispose()
