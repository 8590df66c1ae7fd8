"""create shipments

Revision ID: 0001
Revises:
Create Date: 2024-05-02 10:14:08
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("carrier", sa.String(32), nullable=False),
        sa.Column("tracking_number", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False, server_default="registered"),
        sa.Column("last_event_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("carrier", "tracking_number"),
    )
    op.create_index("ix_shipments_status_updated_at", "shipments", ["status", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_shipments_status_updated_at", table_name="shipments")
    op.drop_table("shipments")
