"""people.slack_checked_at, people.slack_refusal: the deliverer trusts a recent check of a recipient

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("slack_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("slack_refusal", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("slack_refusal")
        batch_op.drop_column("slack_checked_at")
