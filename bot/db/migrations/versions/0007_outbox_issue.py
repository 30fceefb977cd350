"""outbox.issue_id, indexed: routing's "already sent" and *Claim* look rows up by issue without
scanning the outbox; it replaces the (person_id, kind, created_at) index, which nothing needs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("issue_id", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_outbox_person_kind")
        batch_op.create_index("ix_outbox_issue", ["issue_id"], unique=False)
    # gfi rows written before this column: their key is gfi:<issue-id>:<slack-user>.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE outbox SET issue_id = split_part(key, ':', 2)::integer WHERE kind = 'gfi'")
    else:
        op.execute(
            "UPDATE outbox SET issue_id = CAST(substr(key, 5, instr(substr(key, 5), ':') - 1) AS INTEGER) "
            "WHERE kind = 'gfi'"
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_issue")
        batch_op.create_index("ix_outbox_person_kind", ["person_id", "kind", "created_at"], unique=False)
        batch_op.drop_column("issue_id")
