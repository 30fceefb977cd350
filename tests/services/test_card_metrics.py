"""The project card from memory: its metrics and the asker's subscriptions are kept beside the search
index, equal to what the database says, and as fresh as the index (a change shows within
`search_refresh_seconds`; the asker's own subscription at once)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Core, build_core
from bot.catalog.search_catalog import CatalogSearch
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.engine import session_scope
from bot.db.models import Project
from bot.services.card_metrics import BATCH
from bot.services.discovery import Discovery
from bot.services.identity import SlackProfile
from bot.services.metrics import ProjectMetrics, project_metrics
from bot.services.results import ProjectCard
from bot.services.subscriptions import SubscriptionService
from tests.catalog.search_support import join_background_refresh, statements
from tests.catalog.test_search_catalog import Ticks
from tests.conftest import NOW
from tests.services.test_metrics import D, add_change, add_merge, add_project

WINDOW = 90
# Tables a card must not read: the ledger (its metrics are in memory) and the subscriptions (so are
# the asker's); and columns the catalog's memory holds for the result line.
NOT_READ = ("change_requests", "contributions", "subscriptions", "readme_excerpt", "projects.description")


def replica(
    core: Core, clock: Ticks | None = None, snapshot: Path | None = None, window: int = WINDOW
) -> tuple[Discovery, SubscriptionService]:
    """One `serve` process's discovery and subscriptions, loaded, as the composition root builds them."""
    search = CatalogSearch(core.sessions, refresh_seconds=10, clock=clock or Ticks(), snapshot=snapshot)
    discovery = Discovery(core.sessions, search, metrics=(core.now, window, frozenset()))
    subscriptions = SubscriptionService(core.sessions, discovery, core.now)
    search.refresh()
    join_background_refresh()
    return discovery, subscriptions


def shown(discovery: Discovery, project_id: int) -> ProjectMetrics:
    """The metrics on the project's card."""
    answer = discovery.project_by_id(project_id)
    assert isinstance(answer, ProjectCard) and answer.metrics is not None
    return answer.metrics


def test_a_card_reads_no_ledger_no_subscriptions_and_no_searched_columns(sample_catalog: Core) -> None:
    discovery, subscriptions = replica(sample_catalog)
    subscriptions.subscribed_projects("U0READER")  # a person's first ask reads theirs once
    with statements(sample_catalog.engine) as seen:
        answer = discovery.project("acme/aurora-design-system")
        subscribed = subscriptions.subscribed_projects("U0READER")
    assert isinstance(answer, ProjectCard) and answer.metrics is not None and subscribed == frozenset()
    assert answer.maintainers and answer.checklist and answer.summary.description  # all still there
    assert seen, "the card's own columns, issues and people come from the database"
    assert not [s for s in seen if any(name in s for name in NOT_READ)]


def test_card_metrics_equal_the_ones_read_from_the_database(sample_catalog: Core) -> None:
    discovery, _ = replica(sample_catalog)
    with sample_catalog.sessions() as session:
        ids = session.scalars(select(Project.id).where(Project.listed)).all()
        expected = {pid: project_metrics(session, pid, NOW, WINDOW) for pid in ids}
    with statements(sample_catalog.engine) as seen:
        assert {pid: shown(discovery, pid) for pid in ids} == expected
    assert not [s for s in seen if "contributions" in s or "change_requests" in s]  # all from memory
    assert any(m.current.innersource.merged or m.current.response.total for m in expected.values())


def test_a_changed_projects_metrics_show_within_a_refresh(core: Core) -> None:
    with session_scope(core.sessions) as session:
        project_id = add_project(session, "acme/quiet", ["mia"]).id
    ticks = Ticks()
    discovery, _ = replica(core, ticks)
    assert shown(discovery, project_id).current.innersource.merged == 0
    with session_scope(core.sessions) as session:
        project = session.get(Project, project_id)
        assert project is not None
        add_merge(session, project, "noor", NOW - D)
        add_change(session, project, "noor", NOW - 2 * D, responded=NOW - 2 * D + timedelta(hours=3))
    ticks.now = 5
    assert shown(discovery, project_id).current.innersource.merged == 0  # within refresh_seconds
    ticks.now = 10
    discovery.find("quiet")  # due: this request starts the refresh in the background
    join_background_refresh()
    after = shown(discovery, project_id)
    assert (after.current.innersource.outside, after.current.innersource.merged) == (1, 1)
    assert after.current.new_contributors == 1 and after.current.response.total == 1
    with core.sessions() as session:
        assert after == project_metrics(session, project_id, NOW, WINDOW)


def test_many_changed_projects_are_recomputed_in_the_background(core: Core) -> None:
    with session_scope(core.sessions) as session:
        projects = [add_project(session, f"acme/busy-{n}", ["mia"]) for n in range(BATCH + 5)]
        ids = [project.id for project in projects]
    ticks = Ticks()
    discovery, _ = replica(core, ticks)
    with session_scope(core.sessions) as session:  # a crawl backfills every project's ledger
        for project in session.scalars(select(Project).where(Project.id.in_(ids))):
            add_merge(session, project, "noor", NOW - D)
    ticks.now = 10
    discovery.find("busy")
    join_background_refresh()
    with core.sessions() as session:
        expected = {pid: project_metrics(session, pid, NOW, WINDOW) for pid in ids}
    with statements(core.engine) as seen:
        assert {pid: shown(discovery, pid) for pid in ids} == expected
    assert not [s for s in seen if "contributions" in s]
    assert all(m.current.innersource.merged == 1 for m in expected.values())


def test_the_figures_follow_the_clock_when_nothing_else_moves(database_url: str) -> None:
    clock = ManualClock(NOW)
    core = build_core(Settings(database_url=database_url), now=clock)
    try:
        with session_scope(core.sessions) as session:
            project = add_project(session, "acme/waiting-room", ["mia"])
            add_change(session, project, "noor", NOW - D)  # still waiting for a first response
            project_id = project.id
        ticks = Ticks()
        discovery, _ = replica(core, ticks)
        assert shown(discovery, project_id).current.response.waiting == 1
        clock.advance(timedelta(days=WINDOW))  # the change is in the window before now; no row moved
        ticks.now = 10
        discovery.find("waiting")
        join_background_refresh()
        later = shown(discovery, project_id)
        assert later.current.response.total == 0 and later.previous.response.total == 1
    finally:
        core.engine.dispose()


def test_a_subscription_shows_at_once_to_its_author_and_within_a_refresh_elsewhere(core: Core) -> None:
    with session_scope(core.sessions) as session:
        project_id = add_project(session, "acme/popular", ["mia"]).id
    elsewhere = Ticks()
    (_, mine), (other_discovery, other) = replica(core), replica(core, elsewhere)
    person = SlackProfile("U0NOOR")
    assert (
        mine.subscribed_projects(person.user_id) == other.subscribed_projects(person.user_id) == frozenset()
    )

    mine.subscribe_project(person, project_id)
    with statements(core.engine) as seen:
        assert mine.subscribed_projects(person.user_id) == {project_id}  # read again, at once
        assert mine.subscribed_projects(person.user_id) == {project_id}  # then from memory
    assert len(seen) == 1
    assert other.subscribed_projects(person.user_id) == frozenset()  # the other replica: not yet
    elsewhere.now = 10
    other_discovery.find("popular")
    join_background_refresh()
    assert other.subscribed_projects(person.user_id) == {project_id}

    mine.unsubscribe_project(person, project_id)
    assert mine.subscribed_projects(person.user_id) == frozenset()


def test_a_restarted_replica_shows_the_figures_it_saved_and_recomputes_what_changed(
    core: Core, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with session_scope(core.sessions) as session:
        projects = [add_project(session, f"acme/kept-{n}", ["mia"]) for n in range(3)]
        for project in projects:
            add_merge(session, project, "noor", NOW - 3 * D)
        ids = [project.id for project in projects]
    snapshot = tmp_path / "search.npz"
    replica(core, snapshot=snapshot)  # computes every figure, then writes them beside the index
    with session_scope(core.sessions) as session:  # while no replica runs, one project moves on
        changed = session.get(Project, ids[0])
        assert changed is not None
        add_merge(session, changed, "omar", NOW - D)
    with caplog.at_level(logging.INFO, logger="bot.services.card_metrics"):
        discovery, _ = replica(core, snapshot=snapshot)
    assert "event=card_metrics_loaded projects=3" in caplog.text
    with statements(core.engine) as seen:
        metrics = {pid: shown(discovery, pid) for pid in ids}
    assert not [s for s in seen if "contributions" in s]
    with core.sessions() as session:
        assert metrics == {pid: project_metrics(session, pid, NOW, WINDOW) for pid in ids}
    assert metrics[ids[0]].current.innersource.merged == 2


def test_saved_figures_for_other_settings_are_not_used(core: Core, tmp_path: Path) -> None:
    with session_scope(core.sessions) as session:
        project = add_project(session, "acme/windowed", ["mia"])
        add_merge(session, project, "noor", NOW - 20 * D)
        project_id = project.id
    snapshot = tmp_path / "search.npz"
    replica(core, snapshot=snapshot)
    discovery, _ = replica(core, snapshot=snapshot, window=7)  # `metrics_window_days` changed
    with core.sessions() as session:
        assert shown(discovery, project_id) == project_metrics(session, project_id, NOW, 7)
