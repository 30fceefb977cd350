"""Storage: SQLAlchemy models, session scope and Alembic migrations.

Importing the package loads every model module, so `Base.metadata` always knows every table.
"""

from bot.db import announcements, models, operations, people, progression  # noqa: F401  (registers the tables)
