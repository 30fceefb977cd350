"""Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.app import Core
from bot.db.engine import upgrade
from bot.db.models import Base


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
