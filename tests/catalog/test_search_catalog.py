"""The search catalog: answers from memory, and changes (projects, good-first-issues) visible after
`refresh_seconds` in every replica."""

from __future__ import annotations

from bot.app import Core
from bot.catalog.search_catalog import CatalogSearch
from bot.services.discovery import Discovery
from bot.services.results import ProjectCard, ProjectChoice, ProjectNotFound
from tests.catalog.search_support import (
    add_issue,
    add_project,
    join_background_refresh,
    set_description,
    set_issue,
    statements,
)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_find_and_project_choices_ask_the_database_nothing(core: Core) -> None:
    first = add_project(core, "payments/ledger-sdk", "Double-entry ledger SDK")
    add_project(core, "identity/ledger-sdk", "Ledger SDK for identities", forge="gitlab")
    add_issue(core, first, 1)
    add_issue(core, first, 2, assignees=["taken"])
    discovery = Discovery(core.sessions, CatalogSearch(core.sessions, refresh_seconds=60))
    discovery.find("ledger")  # the first use loads the catalog
    with statements(core.engine) as seen:
        found = discovery.find("ledger topic:search")
        described = discovery.find("double-entry")
        missed = discovery.find("ledgr sdkk")
        nothing = discovery.find("ledgersdx")
        choice = discovery.project("ledger-sdk")
        guess = discovery.project("ledger-skd")
    assert seen == []
    assert {hit.project.full_name for hit in found.hits} == {"payments/ledger-sdk", "identity/ledger-sdk"}
    counts = {hit.project.full_name: hit.project.open_good_first_issues for hit in found.hits}
    assert counts == {"payments/ledger-sdk": 1, "identity/ledger-sdk": 0}  # the assigned one is taken
    assert described.hits[0].reasons[0].startswith("description:")
    assert missed.hits and nothing.total == 0 and nothing.suggestions
    assert isinstance(choice, ProjectChoice) and len(choice.candidates) == 2
    assert isinstance(guess, ProjectNotFound) and guess.suggestion is not None
    # The card reads what the catalog does not hold (maintainers, checklist, issues): it may query.
    assert isinstance(discovery.project("payments/ledger-sdk"), ProjectCard)


def test_changes_show_after_refresh_seconds_and_not_before(core: Core) -> None:
    project = add_project(core, "data/stream-kit", "Streams")
    ticks = Ticks()
    discovery = Discovery(core.sessions, CatalogSearch(core.sessions, refresh_seconds=10, clock=ticks))
    assert discovery.find("stream").hits[0].project.open_good_first_issues == 0
    set_description(core, project, "Streams for the warehouse")
    add_issue(core, project, 7)
    add_project(core, "data/warehouse-loader", "Loads the warehouse")
    ticks.now = 5
    assert discovery.find("warehouse").total == 0  # within refresh_seconds: the old answer
    ticks.now = 10
    discovery.find("warehouse")  # due: this request starts the refresh in the background
    join_background_refresh()
    found = discovery.find("warehouse")
    assert {hit.project.full_name for hit in found.hits} == {"data/stream-kit", "data/warehouse-loader"}
    assert discovery.find("stream kit").hits[0].project.open_good_first_issues == 1


def test_open_issue_counts_follow_closing_and_assigning(core: Core) -> None:
    project = add_project(core, "tools/linter", "Lints")
    add_issue(core, project, 1)
    add_issue(core, project, 2)
    search = CatalogSearch(core.sessions)
    search.refresh()
    assert search.open_issues(project) == 2
    set_issue(core, project, 1, assignees=("someone",))
    search.refresh()
    assert search.open_issues(project) == 1
    set_issue(core, project, 1, assignees=())
    set_issue(core, project, 2, state="closed")
    search.refresh()
    assert search.open_issues(project) == 1


def test_an_unlisted_project_leaves_results_and_rows(core: Core) -> None:
    from bot.db.engine import session_scope
    from bot.db.models import Project

    project = add_project(core, "old/relic", "Relic")
    search = CatalogSearch(core.sessions)
    discovery = Discovery(core.sessions, search)
    assert discovery.find("relic").total == 1
    with session_scope(core.sessions) as session:
        row = session.get(Project, project)
        assert row is not None
        row.listed = False
    search.refresh()
    assert discovery.find("relic").total == 0 and search.rows([project]) == {}
