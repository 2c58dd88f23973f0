"""The import server as a system of record: passwords kept encrypted for the export.

- batches.passwords: the batch's passwords, encrypted (AES-GCM); passwords_until: when they are
  erased; passwords_erased_at: when they were.

Existing rows keep their data; every new column is empty for them (their passwords were never kept).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batches:
        batches.add_column(sa.Column("passwords", sa.LargeBinary, nullable=True))
        batches.add_column(sa.Column("passwords_until", sa.DateTime(timezone=True), nullable=True))
        batches.add_column(sa.Column("passwords_erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batches:
        batches.drop_column("passwords_erased_at")
        batches.drop_column("passwords_until")
        batches.drop_column("passwords")
