"""Tokens, admins, batches and batch rows.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "admins",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("profile", sa.String(50), nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", JSON, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("duplicates", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_batches_profile", "batches", ["profile"])
    op.create_index("ix_batches_created_at", "batches", ["created_at"])
    op.create_table(
        "batch_rows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("profile", sa.String(50), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("login_column", sa.String(50), nullable=True),
        sa.Column("login_key", sa.Text, nullable=True),
        sa.Column("values", JSON, nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.Column("duplicate_of", sa.Integer, nullable=True),
        sa.UniqueConstraint("profile", "login_key", name="uq_batch_rows_profile_login_key"),
    )
    op.create_index("ix_batch_rows_batch_position", "batch_rows", ["batch_id", "position"])


def downgrade() -> None:
    op.drop_table("batch_rows")
    op.drop_table("batches")
    op.drop_table("admins")
    op.drop_table("api_tokens")
