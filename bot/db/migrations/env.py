"""Alembic environment: runs migrations on the engine the bot hands over (see bot/db/engine.py)."""

from alembic import context

from bot.db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
