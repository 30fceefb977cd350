"""projects.search_digest: lets each replica's search index reload only changed rows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows start with NULL; the search index computes and stores their digests on first load.
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("search_digest", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("search_digest")
