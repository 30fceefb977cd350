"""announcements: announcements (once per project, by the forge's stable id), announce_state (the
first run has happened), channel_problems (channels the deliverer waits on)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("first_ready_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_announcements_project_id"), "announcements", ["project_id"], unique=False)
    op.create_index(op.f("ix_announcements_recorded_at"), "announcements", ["recorded_at"], unique=False)
    op.create_table(
        "announce_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "channel_problems",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("channel_problems")
    op.drop_table("announce_state")
    op.drop_index(op.f("ix_announcements_recorded_at"), table_name="announcements")
    op.drop_index(op.f("ix_announcements_project_id"), table_name="announcements")
    op.drop_table("announcements")
