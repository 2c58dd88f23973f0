"""The system-of-record migration (0006) upgrades a store made by the schema before it, its data
kept and usable: on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select, text

from server.db import engine_for, new_session, session_scope
from server.exports import batch_export
from server.imports import submit_batch
from server.models import Batch, BatchRow
from server.passwords import keeper
from server.versions import histories
from server.withdrawals import withdraw_user
from addin.profiles import get_profile


def test_a_store_of_the_previous_schema_keeps_its_batches_through_the_upgrade(database_url, tmp_path):
    from server import create_app, db

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url})
    db.upgrade(app, "0002")
    with engine_for(app).begin() as connection:
        connection.execute(text("INSERT INTO batches (profile, submitted_by, created_at, source, accepted, rejected, "
                                "duplicates, idempotency_key, request_hash) VALUES ('commpeak', 'old', CURRENT_TIMESTAMP, "
                                "'{\"workbook\": \"old.xlsm\"}', 1, 0, 1, 'old-key', 'abc')"))
        for position, status, key, duplicate_of in ((0, "accepted", "agent1", None), (1, "duplicate", None, 1)):
            connection.execute(text(
                "INSERT INTO batch_rows (batch_id, profile, position, row_number, status, login_column, login_key, "
                "\"values\", errors, duplicate_of) SELECT max(id), 'commpeak', :position, :number, :status, "
                "'username', :key, :values, '[]', :duplicate_of FROM batches"),
                {"position": position, "number": position + 2, "status": status, "key": key, "duplicate_of": duplicate_of,
                 "values": '{"username": "agent1", "email": "agent1@example.com", "virtual_extension": "1001", '
                           '"role": "3"}'})
    db.upgrade(app)

    with session_scope(app) as session:
        old = session.scalars(select(Batch)).one()
        assert (old.accepted, old.duplicates, old.conflicts, old.withdrawn, old.on_existing) == (1, 1, 0, 0, "skip")
        assert (old.passwords_until, old.passwords_erased_at, old.withdrawn_at) == (None, None, None)
        assert old.source == {"workbook": "old.xlsm"}
        rows = session.scalars(select(BatchRow).order_by(BatchRow.position)).all()
        assert [(r.status, r.login_key, r.former_key, r.notes, r.withdrawn_at) for r in rows] == [
            ("accepted", "agent1", None, None, None), ("duplicate", None, None, None, None)]
        assert batch_export(session, old, keeper(app)).content.decode().splitlines()[1].startswith("agent1,")

    # the old user takes part in what the new schema does: a conflict, a new version, a withdrawal
    session = new_session(app)
    try:
        changed = [{"Username": "AGENT1", "Email": "agent1@new.example.com", "Virtual Extension": "1001", "Role": "3"}]
        conflict = submit_batch(session, "commpeak", changed, idempotency_key=None, submitted_by="new")
        assert conflict.rows[0]["status"] == "conflict" and conflict.rows[0]["id"] == rows[0].id
        replaced = submit_batch(session, "commpeak", changed, idempotency_key=None, submitted_by="new",
                                on_existing="replace")
        assert replaced.rows[0]["status"] == "accepted"
        versions = histories(session, get_profile("commpeak"), ["agent1"])["agent1"]
        assert [(v.row_id, v.current) for v in versions] == [(rows[0].id, False), (replaced.rows[0]["id"], True)]
        withdraw_user(session, "commpeak", "agent1", "admin")
    finally:
        session.close()
    engine_for(app).dispose()
