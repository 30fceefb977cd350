"""progression and metrics: change_requests, contributor_levels, trusted_committers, nominations,
milestones, metric_snapshots, progression_cursors; projects.trusted_committers; a ledger index by
project, kind and time

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(sa.Column("trusted_committers", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.create_index("ix_contributions_project_kind_time", ["project_id", "kind", "occurred_at"])
    op.create_index("ix_contributions_author_key", "contributions", [sa.text("lower(author)")])
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("forge", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("author_is_bot", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_change_requests_key"),
    )
    op.create_index("ix_change_requests_project_created", "change_requests", ["project_id", "created_at"])
    op.create_index("ix_change_requests_created", "change_requests", ["created_at"])
    op.create_table(
        "contributor_levels",
        sa.Column("contributor", sa.String(length=320), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("merged_outside", sa.Integer(), nullable=False),
        sa.Column("merged_window", sa.Integer(), nullable=False),
        sa.Column("reviews_window", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contributor"),
    )
    op.create_index("ix_contributor_levels_level", "contributor_levels", ["level"])
    op.create_index(op.f("ix_contributor_levels_person_id"), "contributor_levels", ["person_id"])
    op.create_table(
        "trusted_committers",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("login_key", sa.String(length=255), nullable=False),
        sa.Column("login", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["granted_by"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "login_key"),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("login_key", sa.String(length=255), nullable=False),
        sa.Column("login", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("merged_window", sa.Integer(), nullable=False),
        sa.Column("reviews_window", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_nominations_project_login", "nominations", ["project_id", "login_key"])
    op.create_index(
        "uq_nominations_pending",
        "nominations",
        ["project_id", "login_key"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(op.f("ix_nominations_status"), "nominations", ["status"])
    op.create_table(
        "milestones",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("told", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id", "name"),
    )
    op.create_table(
        "metric_snapshots",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "progression_cursors",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("progression_cursors")
    op.drop_table("metric_snapshots")
    op.drop_table("milestones")
    op.drop_index(op.f("ix_nominations_status"), table_name="nominations")
    op.drop_index("uq_nominations_pending", table_name="nominations")
    op.drop_index("ix_nominations_project_login", table_name="nominations")
    op.drop_table("nominations")
    op.drop_table("trusted_committers")
    op.drop_index(op.f("ix_contributor_levels_person_id"), table_name="contributor_levels")
    op.drop_index("ix_contributor_levels_level", table_name="contributor_levels")
    op.drop_table("contributor_levels")
    op.drop_index("ix_change_requests_created", table_name="change_requests")
    op.drop_index("ix_change_requests_project_created", table_name="change_requests")
    op.drop_table("change_requests")
    op.drop_index("ix_contributions_author_key", table_name="contributions")
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.drop_index("ix_contributions_project_kind_time")
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_column("trusted_committers")
