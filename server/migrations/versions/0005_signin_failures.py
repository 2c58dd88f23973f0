"""Failed sign-ins are counted in the database, so the limit on password guessing holds under
concurrent requests and across every server process sharing the store.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_signin_failures_address", "signin_failures", ["address", "username", "failed_at"])
    op.create_index("ix_signin_failures_failed_at", "signin_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_table("signin_failures")
