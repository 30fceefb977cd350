"""Shared fixtures: the loopback fake forge and fake Slack, and (see tests/db) databases on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import text

from bot.app import Core, build_core, build_crawler
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import make_engine, normalise_url
from bot.sandbox.forge.sample_org import build_sample_world
from bot.sandbox.forge.server import FakeForge
from bot.sandbox.forge.world import World
from bot.sandbox.slack.fake_slack import FakeSlack

# A fixed clock: scores and windows are deterministic in tests.
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def _temporary_files_stay_in_pytests_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What the bot keeps in the system's temp directory (search index snapshots, one per database:
    bot/catalog/search_snapshot.py) goes to pytest's own, which it cleans up; subprocesses too."""
    directory = tmp_path_factory.mktemp("tmp")
    before = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(directory), str(directory)
    yield
    tempfile.tempdir = before[0]
    if before[1] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before[1]


@pytest.fixture
def world() -> World:
    return World(now=NOW)


@pytest.fixture
def fake_forge(world: World) -> Iterator[FakeForge]:
    with FakeForge(world) as forge:
        yield forge


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The fake Slack, populated (bot/sandbox/slack): a module may define its own `slack` instead."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    """The real slack_sdk client, aimed at `slack`."""
    return WebClient(token=FakeSlack.bot_token, base_url=slack.api_url)


def _databases() -> list[str]:
    """SQLite always; PostgreSQL as well when CI (or you) set TEST_DATABASE_URL."""
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@contextmanager
def temporary_database(kind: str, directory: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a private PostgreSQL schema (so tests can run in
    parallel against one server), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'test.db'}"
        return
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in base else "?"
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=_databases())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with temporary_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def core(database_url: str) -> Iterator[Core]:
    built = build_core(Settings(database_url=database_url), now=lambda: NOW)
    yield built
    built.engine.dispose()


@contextmanager
def crawled(
    database_url: str, world: World | None = None, now: Clock = lambda: NOW, **overrides: Any
) -> Iterator[tuple[Core, FakeForge]]:
    """`world` (the sample organisation by default) served by the fake forge and crawled in full into
    `database_url`, with settings aimed at it (plus `overrides`); the core runs on the clock `now`."""
    with FakeForge(world or build_sample_world(NOW)) as forge:
        settings = Settings(
            database_url=database_url,
            github_api_url=forge.github_api_url,
            github_orgs=tuple(forge.world.github_orgs),
            gitlab_url=forge.gitlab_url,
            gitlab_groups=tuple(forge.world.gitlab_groups),
            **overrides,
        )
        built = build_core(settings, now=now)
        try:
            summary = build_crawler(built).crawl(full=True)
            assert summary.status == "ok", summary
            yield built, forge
        finally:
            built.engine.dispose()


@pytest.fixture(scope="session", params=_databases())
def sample_catalog(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Core]:
    """The bundled sample organisation crawled once per database kind. Read-only for tests."""
    with (
        temporary_database(request.param, tmp_path_factory.mktemp("sample")) as url,
        crawled(url) as (built, _forge),
    ):
        yield built
