"""Uploads being checked on the "Check a file" page: kept encrypted, for a short time.

The page used to carry the whole file back and forth in a hidden field; now the server keeps
it (with its annotated copy and import request) under a random id, encrypted with a key only
the admin's page holds, and deletes it when it expires.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_uploads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("admin", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_pending_uploads_created_at", "pending_uploads", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_uploads_created_at", table_name="pending_uploads")
    op.drop_table("pending_uploads")
