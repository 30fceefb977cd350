"""outbox (kind, created_at) replaces (person_id, kind, created_at): routing's recent-rows read uses it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_person_kind")
        batch_op.create_index("ix_outbox_kind_created", ["kind", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_kind_created")
        batch_op.create_index("ix_outbox_person_kind", ["person_id", "kind", "created_at"], unique=False)
