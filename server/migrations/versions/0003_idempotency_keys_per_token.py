"""Idempotency-Keys are unique per scope (each API token's own; the web pages share one), not
across the whole store: one token can no longer see or take another's keys.

Existing keys get the scope they were used in: the upload page's keys ('web-' and 64 hex
digits, submitted by an admin) the pages' scope, every other key its token's.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# 0001 declared the key unique on its own, without a name: batch mode (SQLite) names it by this rule
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _unique_on_key_alone() -> str:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("batches"):
        if constraint["column_names"] == ["idempotency_key"]:
            return constraint["name"] or "uq_batches_idempotency_key"
    raise RuntimeError("batches has no unique constraint on idempotency_key to replace")


def upgrade() -> None:
    old = _unique_on_key_alone()
    with op.batch_alter_table("batches", naming_convention=NAMING) as batch:
        batch.add_column(sa.Column("idempotency_scope", sa.String(120), nullable=True))
    op.execute("UPDATE batches SET idempotency_scope = CASE "
               "WHEN idempotency_key LIKE 'web-%' AND length(idempotency_key) = 68 THEN 'pages' "
               "ELSE 'token:' || submitted_by END WHERE idempotency_key IS NOT NULL")
    with op.batch_alter_table("batches", naming_convention=NAMING) as batch:
        batch.drop_constraint(old, type_="unique")
        batch.create_unique_constraint("uq_batches_idempotency", ["idempotency_scope", "idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("batches", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_batches_idempotency", type_="unique")
        batch.create_unique_constraint("uq_batches_idempotency_key", ["idempotency_key"])
        batch.drop_column("idempotency_scope")
