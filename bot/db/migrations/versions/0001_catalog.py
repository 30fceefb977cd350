"""catalog: projects, good-first-issues, contributions, crawl state

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "crawl_cursors",
        sa.Column("source", sa.String(length=512), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "http_cache",
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forge", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("forge_id", sa.String(length=64), nullable=False),
        sa.Column("namespace", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("web_url", sa.String(length=1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("primary_language", sa.String(length=64), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("fork", sa.Boolean(), nullable=False),
        sa.Column("default_branch", sa.String(length=255), nullable=True),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("forks", sa.Integer(), nullable=False),
        sa.Column("subscribers", sa.Integer(), nullable=False),
        sa.Column("open_issues", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("weekly_commits", sa.JSON(), nullable=False),
        sa.Column("innersource", sa.JSON(), nullable=True),
        sa.Column("readme_excerpt", sa.Text(), nullable=False),
        sa.Column("docs", sa.JSON(), nullable=False),
        sa.Column("maintainers", sa.JSON(), nullable=False),
        sa.Column("activity_score", sa.Integer(), nullable=False),
        sa.Column("score_parts", sa.JSON(), nullable=False),
        sa.Column("readiness", sa.JSON(), nullable=False),
        sa.Column("ready", sa.Boolean(), nullable=False),
        sa.Column("first_ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("unlisted_reason", sa.String(length=64), nullable=True),
        sa.Column("change_marker", sa.String(length=128), nullable=False),
        sa.Column("details_complete", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_crawled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forge", "host", "forge_id", name="uq_projects_forge_id"),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_full_name", ["host", "full_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_listed"), ["listed"], unique=False)

    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("forge", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("author_is_bot", sa.Boolean(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_contributions_key"),
    )
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.create_index("ix_contributions_author", ["forge", "host", "author"], unique=False)
        batch_op.create_index(batch_op.f("ix_contributions_project_id"), ["project_id"], unique=False)

    op.create_table(
        "good_first_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("forge_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("assignees", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "number", name="uq_gfi_project_number"),
    )
    with op.batch_alter_table("good_first_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_good_first_issues_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_good_first_issues_state"), ["state"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("good_first_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_good_first_issues_state"))
        batch_op.drop_index(batch_op.f("ix_good_first_issues_project_id"))

    op.drop_table("good_first_issues")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_project_id"))
        batch_op.drop_index("ix_contributions_author")

    op.drop_table("contributions")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_listed"))
        batch_op.drop_index("ix_projects_full_name")

    op.drop_table("projects")
    op.drop_table("http_cache")
    op.drop_table("crawl_runs")
    op.drop_table("crawl_cursors")
