"""Batch rows keep their values and errors as json (text), not jsonb, on PostgreSQL.

A batch's rows are written once, in bulk, and read back whole (batch page, export); nothing
queries inside them. jsonb converts every value to its binary form on the way in, which cost
about a sixth of a 10,000-row insert; json only checks the syntax and keeps the text.
SQLite keeps JSON as text either way: nothing changes there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSON, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ("values", "errors")


def _retype(new: sa.types.TypeEngine, old: sa.types.TypeEngine, cast: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.alter_column("batch_rows", column, type_=new, existing_type=old, existing_nullable=False,
                        postgresql_using=f'"{column}"::{cast}')


def upgrade() -> None:
    _retype(JSON(), JSONB(), "json")


def downgrade() -> None:
    _retype(JSONB(), JSON(), "jsonb")
