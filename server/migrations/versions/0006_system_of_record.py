"""The import server as a system of record: passwords kept encrypted for the export.

- batches.passwords: the batch's passwords, encrypted (AES-GCM); passwords_until: when they are
  erased; passwords_erased_at: when they were.
- Versions of stored users: batch_rows.former_key (the login key a replaced version held),
  notes (what a new version changed), accepted_at/accepted_by (a conflict imported later from the
  batch page); batches.conflicts (rows whose user is stored with other values) and on_existing
  (what the batch asked for such rows: skip or replace).
- Withdrawal: batch_rows.withdrawn_at/withdrawn_by; batches.withdrawn (rows withdrawn) and
  withdrawn_at/withdrawn_by (the whole batch).

Existing rows keep their data; every new column is empty for them (their passwords were never kept).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batches:
        batches.add_column(sa.Column("passwords", sa.LargeBinary, nullable=True))
        batches.add_column(sa.Column("passwords_until", sa.DateTime(timezone=True), nullable=True))
        batches.add_column(sa.Column("passwords_erased_at", sa.DateTime(timezone=True), nullable=True))
        batches.add_column(sa.Column("conflicts", sa.Integer, nullable=False, server_default="0"))
        batches.add_column(sa.Column("on_existing", sa.String(10), nullable=False, server_default="skip"))
        batches.add_column(sa.Column("withdrawn", sa.Integer, nullable=False, server_default="0"))
        batches.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batches.add_column(sa.Column("withdrawn_by", sa.String(100), nullable=True))
    with op.batch_alter_table("batch_rows") as rows:
        rows.add_column(sa.Column("notes", sa.JSON, nullable=True))
        rows.add_column(sa.Column("former_key", sa.Text, nullable=True))
        rows.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        rows.add_column(sa.Column("accepted_by", sa.String(100), nullable=True))
        rows.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        rows.add_column(sa.Column("withdrawn_by", sa.String(100), nullable=True))
    op.create_index("ix_batch_rows_profile_former_key", "batch_rows", ["profile", "former_key"])
    if op.get_bind().dialect.name == "postgresql":
        # ciphertext does not compress: PostgreSQL need not try before storing it out of line
        op.execute("ALTER TABLE batches ALTER COLUMN passwords SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_index("ix_batch_rows_profile_former_key", "batch_rows")
    with op.batch_alter_table("batch_rows") as rows:
        for column in ("withdrawn_by", "withdrawn_at", "accepted_by", "accepted_at", "former_key", "notes"):
            rows.drop_column(column)
    with op.batch_alter_table("batches") as batches:
        for column in ("withdrawn_by", "withdrawn_at", "withdrawn"):
            batches.drop_column(column)
        batches.drop_column("on_existing")
        batches.drop_column("conflicts")
        batches.drop_column("passwords_erased_at")
        batches.drop_column("passwords_until")
        batches.drop_column("passwords")
