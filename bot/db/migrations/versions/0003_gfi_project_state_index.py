"""good_first_issues (project_id, state) index: counting a page of projects' open issues

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_gfi_project_state", "good_first_issues", ["project_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_gfi_project_state", table_name="good_first_issues")
