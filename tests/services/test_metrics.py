"""The four program metrics: the pure statistics by hand, then per project, program-wide and batched
over rows built directly in SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.app import Core
from bot.db.engine import session_scope
from bot.db.models import Contribution, Project
from bot.db.progression import ChangeRequest
from bot.services.metrics import all_project_metrics, program_metrics, project_metrics
from bot.services.metrics_stats import Observation, Quantile, absence_factor, kaplan_meier, km_quantile
from tests.conftest import NOW

H, D = timedelta(hours=1), timedelta(days=1)
WINDOW = 90
_serial = itertools.count(1)


# -- rows ---------------------------------------------------------------------------------------------


def add_project(
    session: Session,
    full_name: str,
    maintainers: Sequence[str] = (),
    *,
    listed: bool = True,
    ready: bool = False,
    forge: str = "github",
    host: str = "api.github.com",
) -> Project:
    n = next(_serial)
    project = Project(
        forge=forge,
        host=host,
        forge_id=str(n),
        namespace=full_name.split("/")[0],
        full_name=full_name,
        name=full_name.split("/")[-1],
        web_url=f"https://example.test/{full_name}",
        visibility="internal",
        maintainers=list(maintainers),
        listed=listed,
        ready=ready,
        created_at=NOW - 1000 * D,
        updated_at=NOW,
        pushed_at=NOW,
        first_seen_at=NOW - 1000 * D,
        last_crawled_at=NOW,
    )
    session.add(project)
    session.flush()
    return project


def add_change(
    session: Session,
    project: Project,
    author: str,
    created: datetime,
    *,
    responded: datetime | None = None,
    merged: datetime | None = None,
    closed: datetime | None = None,
    bot: bool = False,
) -> None:
    n = next(_serial)
    state = "merged" if merged else "closed" if closed else "open"
    session.add(
        ChangeRequest(
            key=f"{project.forge}:{project.host}:change:{n}",
            project_id=project.id,
            forge=project.forge,
            host=project.host,
            number=n,
            url=f"{project.web_url}/pull/{n}",
            author=author,
            author_is_bot=bot,
            state=state,
            created_at=created,
            merged_at=merged,
            closed_at=closed or merged,
            first_response_at=responded,
            updated_at=max(t for t in (created, responded, merged, closed) if t is not None),
        )
    )


def add_merge(session: Session, project: Project, author: str, at: datetime, *, bot: bool = False) -> None:
    n = next(_serial)
    session.add(
        Contribution(
            key=f"{project.forge}:{project.host}:merged_change:{n}",
            project_id=project.id,
            forge=project.forge,
            host=project.host,
            kind="merged_change",
            author=author,
            author_is_bot=bot,
            number=n,
            occurred_at=at,
        )
    )


# -- the pure statistics ------------------------------------------------------------------------------


def responded(*hours: float) -> list[Observation]:
    return [Observation(h * H, True) for h in hours]


def censored(*hours: float) -> list[Observation]:
    return [Observation(h * H, False) for h in hours]


def test_kaplan_meier_without_censoring_is_the_plain_quantile() -> None:
    waits = responded(4, 1, 3, 2)
    assert kaplan_meier(waits) == ((1 * H, 0.75), (2 * H, 0.5), (3 * H, 0.25), (4 * H, 0.0))
    assert km_quantile(waits, 0.5) == Quantile(2 * H)
    assert km_quantile(waits, 0.9) == Quantile(4 * H)


def test_p90_lands_on_the_ninth_of_ten_despite_float_rounding() -> None:
    assert km_quantile(responded(*range(1, 11)), 0.9) == Quantile(9 * H)


def test_censored_waits_count_as_at_risk_instead_of_being_dropped() -> None:
    # Three answered in 1, 2, 3 hours; three still waiting after 10. Dropping the waits would say the
    # median is 2 h; Kaplan-Meier: S(1)=5/6, S(2)=4/6, S(3)=3/6 -> 3 h.
    waits = responded(1, 2, 3) + censored(10, 10, 10)
    assert km_quantile(waits, 0.5) == Quantile(3 * H)
    assert km_quantile(responded(1, 2, 3), 0.5) == Quantile(2 * H)
    # Half still wait after 10 h: p90 is "more than 10 h", not a made-up number.
    assert km_quantile(waits, 0.9) == Quantile(10 * H, lower_bound=True)


def test_censoring_in_the_middle_shrinks_the_risk_set() -> None:
    # n=4: S(1)=3/4; the 2 h wait leaves; S(3)=3/4 * 1/2 = 3/8 -> median 3 h.
    waits = responded(1, 3, 4) + censored(2)
    assert kaplan_meier(waits)[:2] == ((1 * H, 0.75), (3 * H, 0.375))
    assert km_quantile(waits, 0.5) == Quantile(3 * H)


def test_a_wait_censored_at_a_response_time_is_still_at_risk_then() -> None:
    # At 2 h three are at risk (the response, the wait censored at 2 h, the 5 h one): S = 3/4 * 2/3.
    # Taking the censored one out first would leave two at risk and S = 3/8.
    assert kaplan_meier(responded(1, 2) + censored(2, 5))[1] == (2 * H, pytest.approx(0.5))


def test_median_is_a_lower_bound_when_most_are_still_waiting() -> None:
    waits = responded(1) + censored(5, 6, 7)
    assert km_quantile(waits, 0.5) == Quantile(7 * H, lower_bound=True)


def test_nothing_to_estimate() -> None:
    assert km_quantile([], 0.5) is None
    with pytest.raises(ValueError):
        km_quantile(responded(1), 1.0)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([3, 3, 2, 2], 2),  # half of 10 is 5: 3 + 3 reaches it, whichever 3 comes first
        ([2, 3, 2, 3], 2),  # the order given does not matter
        ([2, 2, 2, 2], 2),  # all tied: any two make half
        ([5, 1, 1, 1, 1, 1], 1),  # exactly half counts
        ([1, 1, 1], 2),
        ([7], 1),
        ([], 0),
        ([0, 0], 0),
    ],
)
def test_absence_factor(counts: list[int], expected: int) -> None:
    assert absence_factor(counts) == expected


# -- from the database --------------------------------------------------------------------------------


def test_time_to_first_response_counts_only_outside_change_requests(core: Core) -> None:
    with session_scope(core.sessions) as session:
        p = add_project(session, "acme/p", ["@Alice"])
        add_change(session, p, "bob", NOW - 10 * D, responded=NOW - 10 * D + 2 * H)
        add_change(session, p, "carol", NOW - 5 * D, responded=NOW - 5 * D + 5 * H)
        add_change(session, p, "dave", NOW - 1 * D)  # still waiting: censored at 24 h
        add_change(session, p, "erin", NOW - 20 * D, merged=NOW - 18 * D)  # merged unanswered: 48 h
        add_change(session, p, "renovate[bot]", NOW - 3 * D, responded=NOW - 3 * D + H, bot=True)
        add_change(session, p, "alice", NOW - 2 * D, responded=NOW - 2 * D + H / 2)  # a maintainer's
        add_change(session, p, "frank", NOW - 100 * D, responded=NOW - 100 * D + 10 * H)  # previous
        # Previous window, answered only after it ended: as it stood then, still waiting (5 days).
        add_change(session, p, "gina", NOW - 95 * D, responded=NOW - 80 * D)
        add_change(session, p, "hal", NOW - 200 * D, responded=NOW - 200 * D + H)  # older than both
        project_id = p.id

    with session_scope(core.sessions) as session:
        metrics = project_metrics(session, project_id, NOW, WINDOW)

    current = metrics.current.response
    # 2 h and 5 h answered, 24 h and 48 h censored: S(2h)=3/4, S(5h)=3/4*2/3=1/2 -> 5 h. Dropping the
    # censored two would have said 3.5 h.
    assert current.median == Quantile(5 * H)
    assert current.p90 == Quantile(48 * H, lower_bound=True)
    assert (current.responded, current.waiting, current.total, current.closed_unanswered) == (2, 1, 4, 1)
    assert (metrics.current.start, metrics.current.end) == (NOW - 90 * D, NOW)

    previous = metrics.previous.response
    assert (metrics.previous.start, metrics.previous.end) == (NOW - 180 * D, NOW - 90 * D)
    assert previous.median == Quantile(10 * H)
    assert previous.p90 == Quantile(5 * D, lower_bound=True)
    assert (previous.responded, previous.waiting, previous.total) == (1, 1, 2)


def _ledger(session: Session) -> dict[str, int]:
    """P (alice maintains): merges 3,3,2,2 in the window; Q (bob maintains); R: nothing at all."""
    p = add_project(session, "acme/p", ["alice"])
    q = add_project(session, "acme/q", ["@bob"])
    r = add_project(session, "acme/r", ["zed"])
    hidden = add_project(session, "acme/gone", [], listed=False)
    for author, count in (("Alice", 3), ("bob", 3), ("carol", 2), ("dave", 2)):
        for i in range(count):
            add_merge(session, p, author, NOW - (5 + i) * D)
    for i in range(5):
        add_merge(session, p, "dependabot[bot]", NOW - (i + 1) * D, bot=True)
    add_merge(session, p, "carol", NOW - 40 * D)  # carol's first merge to P: not new
    add_merge(session, p, "bob", NOW - 100 * D)  # previous window: bob's first to P
    add_merge(session, q, "bob", NOW - 300 * D)  # bob's own project, long ago
    add_merge(session, q, "bob", NOW - 10 * D)
    add_merge(session, q, "bob", NOW - 11 * D)
    add_merge(session, q, "erin", NOW - 50 * D)  # erin: first outside merge anywhere, 50 days ago
    add_merge(session, p, "erin", NOW - 3 * D)  # new to P, not to the program
    add_merge(session, hidden, "gus", NOW - 400 * D)  # an unlisted project does not count
    add_merge(session, q, "gus", NOW - 2 * D)
    return {"p": p.id, "q": q.id, "r": r.id, "hidden": hidden.id}


def test_ratio_new_contributors_and_absence_factor_per_project(core: Core) -> None:
    with session_scope(core.sessions) as session:
        ids = _ledger(session)
    with session_scope(core.sessions) as session:
        p = project_metrics(session, ids["p"], NOW, WINDOW)
        q = project_metrics(session, ids["q"], NOW, WINDOW)
        r = project_metrics(session, ids["r"], NOW, WINDOW)

    # P: Alice 3 (maintainer, case aside), bob 3, carol 2 + 1, dave 2, erin 1; the bot's 5 never count.
    assert (p.current.innersource.outside, p.current.innersource.merged) == (9, 12)
    assert p.current.innersource.value == pytest.approx(0.75)
    assert p.current.absence_factor == 2  # 3,3,3,2,1: half of 12 is 6 -> two authors
    # New in the last 30 days: dave and erin (bob first merged 100 days ago, carol 40, Alice maintains).
    assert p.current.new_contributors == 2
    assert p.previous.innersource.value == 1.0 and p.previous.absence_factor == 1
    assert p.previous.new_contributors == 1  # as of 90 days ago, bob's first (100 days ago) was new

    # Q: bob maintains it; erin and gus are outside.
    assert (q.current.innersource.outside, q.current.innersource.merged) == (2, 4)
    assert q.current.new_contributors == 1  # gus; erin's first merge there was 50 days ago

    assert r.current.innersource.value is None
    assert r.current.absence_factor == 0 and r.current.new_contributors == 0
    assert r.current.response.median is None and r.current.response.total == 0


def test_program_metrics_pool_listed_projects(core: Core) -> None:
    with session_scope(core.sessions) as session:
        _ledger(session)
        add_merge(session, add_project(session, "acme/gone2", ["x"], listed=False), "y", NOW - D)
    with session_scope(core.sessions) as session:
        program = program_metrics(session, NOW, WINDOW)

    assert program.projects == 3 and program.window_days == WINDOW
    # P 9 outside of 12, Q 2 of 4, the unlisted projects not at all.
    assert (program.current.innersource.outside, program.current.innersource.merged) == (11, 16)
    # bob 3 (P) + 2 (Q) = 5 of 16 is the most, then Alice 3, carol 3: 5 + 3 = 8 = half -> 2.
    assert program.current.absence_factor == 2
    # dave (first outside merge 5-6 days ago) and gus (his unlisted merge does not count); erin's first
    # outside merge was 50 days ago; bob's (P, 100 days ago) made him new as of the previous window.
    assert program.current.new_contributors == 2
    assert program.previous.new_contributors == 1


def test_batched_metrics_equal_the_per_project_ones(core: Core) -> None:
    with session_scope(core.sessions) as session:
        ids = _ledger(session)
        p = session.get(Project, ids["p"])
        q = session.get(Project, ids["q"])
        assert p is not None and q is not None
        add_change(session, p, "bob", NOW - 10 * D, responded=NOW - 9 * D)
        add_change(session, p, "Alice", NOW - 9 * D)
        add_change(session, q, "carol", NOW - 100 * D, closed=NOW - 99 * D)
        add_change(session, q, "dave", NOW - 4 * D)

    with session_scope(core.sessions) as session:
        batched = all_project_metrics(session, NOW, WINDOW)
        single = {pid: project_metrics(session, pid, NOW, WINDOW) for pid in ids.values()}

    assert set(batched) == {ids["p"], ids["q"], ids["r"]}  # listed ones only
    for pid in batched:
        assert batched[pid] == single[pid]
    assert batched[ids["p"]].current.response.total == 1  # Alice's own does not count
    assert batched[ids["q"]].previous.response.closed_unanswered == 1
    assert single[ids["hidden"]].current.innersource.merged == 0  # asked for by id, an unlisted one works


def test_batched_metrics_take_the_same_few_queries_for_any_number_of_projects(core: Core) -> None:
    def statements(projects: int) -> int:
        with session_scope(core.sessions) as session:
            for i in range(projects):
                project = add_project(session, f"acme/n{projects}-{i}", ["m"])
                add_merge(session, project, "someone", NOW - D)
                add_change(session, project, "someone", NOW - D)
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(core.engine, "before_cursor_execute", count)
        try:
            with session_scope(core.sessions) as session:
                assert len(all_project_metrics(session, NOW, WINDOW)) >= projects
        finally:
            event.remove(core.engine, "before_cursor_execute", count)
        return len(seen)

    assert statements(1) == statements(20) == 4
