"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.app import Core
from bot.db.engine import make_engine, upgrade
from bot.db.models import Base
from tests.conftest import temporary_database


def test_upgrade_creates_every_table(core: Core) -> None:
    tables = set(inspect(core.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_idempotent(core: Core) -> None:
    upgrade(core.engine)
    upgrade(core.engine)


def test_models_and_migrations_do_not_drift(core: Core) -> None:
    with core.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_the_ledger_is_indexed_by_login_case_insensitively(database_url: str) -> None:
    """Autogenerate cannot compare expression indexes (it warns and skips them): check this one by name."""
    from sqlalchemy import text

    from bot.db.engine import make_engine, upgrade

    engine = make_engine(database_url)
    upgrade(engine)
    query = (
        "SELECT indexname FROM pg_indexes WHERE tablename = 'contributions' AND schemaname = current_schema()"
        if engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contributions'"
    )
    with engine.connect() as connection:
        names = set(connection.scalars(text(query)))
    engine.dispose()
    assert "ix_contributions_author_key" in names


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_processes_starting_at_once_migrate_one_after_the_other(tmp_path: Path) -> None:
    """A deploy starts replicas and workers together, each migrating on start: on PostgreSQL an
    advisory lock makes them take turns (side by side, two would create the same tables)."""
    with temporary_database("postgresql", tmp_path) as url:
        engines = [make_engine(url) for _ in range(4)]
        errors: list[BaseException] = []
        start = threading.Barrier(len(engines))

        def migrate(engine: Engine) -> None:
            start.wait()
            try:
                upgrade(engine)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=migrate, args=(engine,), daemon=True) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "migrations side by side deadlocked"
        tables = set(inspect(engines[0]).get_table_names())
        for engine in engines:
            engine.dispose()
    assert errors == []
    assert set(Base.metadata.tables) <= tables
