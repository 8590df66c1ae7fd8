"""build_runs table for Celery build tracking

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-18 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "build_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False, server_default="queued"),
        sa.Column("log", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.create_index("ix_build_runs_task_id", "build_runs", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_build_runs_task_id", table_name="build_runs")
    op.drop_table("build_runs")
