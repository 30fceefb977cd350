"""Storage: SQLAlchemy models, session scope and Alembic migrations."""
