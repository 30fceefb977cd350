"""The GitHub crawl through GraphQL stores exactly what the REST crawl stores.

The sample organisation is crawled twice into two databases, once with `github_crawl_api=rest` and
once with `graphql` (the default), both on the same clock, and every row of every table the crawl
writes is compared: projects (every column, scores and readiness included), good-first-issues, the
contribution ledger and change requests. Only the crawl's own bookkeeping (its run log, ETag cache)
differs, by design. Then the same for an incremental crawl after activity.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import MetaData, select

from bot.app import Core, build_crawler
from bot.db.models import Project
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import World
from tests.conftest import NOW, _databases, crawled, temporary_database

# The crawl's own bookkeeping: how it read, not what it found.
_BOOKKEEPING = {"crawl_runs", "http_cache", "alembic_version"}


def _rows(core: Core, forge: FakeForge) -> dict[str, list[str]]:
    """Every row of every table, as text with the fake forge's address (its port differs between
    the two forges) replaced by one placeholder."""
    address = urlsplit(forge.github_api_url).netloc
    metadata = MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # expression indexes are not reflected: only rows are compared
        metadata.reflect(core.engine)
    found: dict[str, list[str]] = {}
    with core.engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            if name in _BOOKKEEPING:
                continue
            # A hash of the other columns, the forge's address included: those are compared instead.
            columns = [c for c in table.columns if c.name != "search_digest"]
            rows = [
                repr(tuple(row)).replace(address, "FORGE") for row in connection.execute(select(*columns))
            ]
            found[name] = sorted(rows)
    return found


@pytest.fixture(params=_databases())
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with ExitStack() as stack:
        first = stack.enter_context(temporary_database(request.param, tmp_path / "a"))
        second = stack.enter_context(temporary_database(request.param, tmp_path / "b"))
        yield first, second


def _assert_same(rest: dict[str, list[str]], graphql: dict[str, list[str]]) -> None:
    assert rest.keys() == graphql.keys()
    for table in rest:
        assert graphql[table] == rest[table], f"table {table} differs"


def _activity(world: World) -> None:
    """Something to re-read: a merged PR with a review and a comment, a new open PR, new commits."""
    with world.lock:
        repo = next(r for r in world.repos if r.forge == "github" and not r.archived and not r.empty)
        author = next(iter(world.users))
        pull = world.add_pull(repo, "Late fix", author, state="merged", created_at=NOW + timedelta(hours=1))
        world.add_review(pull, "someone-else", at=NOW + timedelta(hours=2))
        opened = world.add_pull(repo, "Draft idea", author, created_at=NOW + timedelta(hours=1))
        world.add_comment(opened, "someone-else", at=NOW + timedelta(hours=3))
        repo.weekly_commits = [*repo.weekly_commits[1:], repo.weekly_commits[-1] + 3]


def test_graphql_and_rest_crawls_store_the_same_catalog(two_databases: tuple[str, str]) -> None:
    rest_url, graphql_url = two_databases
    with (
        crawled(rest_url, build_sample_world(NOW), github_crawl_api="rest") as (rest, rest_forge),
        crawled(graphql_url, build_sample_world(NOW)) as (graphql, graphql_forge),
    ):
        # Each crawl really went the way it says: REST read repositories one by one, GraphQL did not.
        assert graphql_forge.world.graphql_points_used > 0
        assert rest_forge.world.graphql_points_used == 0
        assert not graphql_forge.world.requests("github", "/stats/participation")
        assert rest_forge.world.requests("github", "/stats/participation")
        with graphql.sessions() as session:
            assert session.scalar(select(Project).where(Project.forge == "github").limit(1)) is not None
        first_rest, first_graphql = _rows(rest, rest_forge), _rows(graphql, graphql_forge)
        assert first_rest["contributions"], "the sample organisation has merged changes to compare"
        assert first_rest["change_requests"]
        _assert_same(first_rest, first_graphql)

        for forge in (rest_forge, graphql_forge):
            _activity(forge.world)
        rest_summary = build_crawler(rest).crawl()
        graphql_summary = build_crawler(graphql).crawl()
        assert rest_summary.status == graphql_summary.status == "ok"
        assert graphql_summary.changed == rest_summary.changed >= 1
        later_rest, later_graphql = _rows(rest, rest_forge), _rows(graphql, graphql_forge)
        assert later_rest["contributions"] != first_rest["contributions"]
        _assert_same(later_rest, later_graphql)
