"""Shared fixtures: the loopback fake forge, and (see tests/db) databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Core, build_core
from bot.config import Settings
from bot.db.engine import make_engine, normalise_url
from bot.sandbox.server import FakeForge
from bot.sandbox.world import World

# A fixed clock: scores and windows are deterministic in tests.
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def world() -> World:
    return World(now=NOW)


@pytest.fixture
def fake_forge(world: World) -> Iterator[FakeForge]:
    with FakeForge(world) as forge:
        yield forge


def _databases() -> list[str]:
    """SQLite always; PostgreSQL as well when CI (or you) set TEST_DATABASE_URL."""
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(params=_databases())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated-on-demand empty database: a SQLite file, or a private PostgreSQL schema per test
    (so tests can run in parallel against one server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
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


@pytest.fixture
def core(database_url: str) -> Iterator[Core]:
    built = build_core(Settings(database_url=database_url), now=lambda: NOW)
    yield built
    built.engine.dispose()
