"""progression_tallies (each account's work per project, kept from the ledger's new rows), the
tallies cursor's state, and a ledger index by time (rows sliding out of the levels' window)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "progression_tallies",
        sa.Column("login_key", sa.String(length=255), nullable=False),
        sa.Column("forge", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("projects", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("login_key", "forge", "host"),
    )
    with op.batch_alter_table("progression_cursors") as batch_op:
        batch_op.add_column(sa.Column("state", sa.JSON(), nullable=True))
    op.create_index("ix_contributions_time", "contributions", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_contributions_time", table_name="contributions")
    with op.batch_alter_table("progression_cursors") as batch_op:
        batch_op.drop_column("state")
    op.drop_table("progression_tallies")
