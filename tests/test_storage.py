"""Storage, run against SQLite and a real PostgreSQL: one transaction per batch, uniqueness and
idempotency in the database, no passwords stored, migrations matching the models."""
from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import func, inspect, select, text

from addin.profiles import get_profile
from server.db import engine_for, new_session, session_scope
from server.imports import IdempotencyConflict, submit_batch
from server.models import Base, Batch, BatchRow
from server.row_store import COPY_ROWS
from tests.server_rows import example_rows


def submit(app, profile_id, rows, key=None, **kwargs):
    session = new_session(app)
    try:
        return submit_batch(session, profile_id, rows, idempotency_key=key, submitted_by="storage-test",
                            key_scope="token:storage-test", **kwargs)
    finally:
        session.close()


def count(app, model=BatchRow, **where) -> int:
    with session_scope(app) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def test_migrations_create_exactly_the_models_schema(store_app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine_for(store_app).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == []
        tables = set(inspect(connection).get_table_names())
    assert {"api_tokens", "admins", "batches", "batch_rows", "alembic_version"} <= tables


def test_the_former_key_index_holds_only_rows_that_gave_a_key_up(store_app):
    """Every new row has no former key: an entry each in that index cost every import an index
    write (migration 0008 keeps the index to rows with one)."""
    with engine_for(store_app).connect() as connection:
        if connection.dialect.name == "sqlite":
            definition = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_batch_rows_profile_former_key'").scalar()
        else:
            definition = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_batch_rows_profile_former_key'").scalar()
    assert definition.replace("(", "").replace(")", "").endswith("WHERE former_key IS NOT NULL"), definition


def test_sqlite_runs_in_wal_mode(app):
    with engine_for(app).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_accepted_rows_are_stored_normalized(store_app):
    rows = example_rows("controlpanel", 2)
    rows[0]["Admin?"] = "yes"
    rows[0]["Phone"] = "+64 21 555 2624"
    result = submit(store_app, "controlpanel", rows)
    assert result.accepted == 2
    with session_scope(store_app) as session:
        stored = session.scalars(select(BatchRow).order_by(BatchRow.position)).all()
    assert [r.status for r in stored] == ["accepted", "accepted"]
    assert stored[0].values["admin"] == "TRUE" and stored[0].values["phone"] == "+64215552624"
    assert (stored[0].login_column, stored[0].login_key) == ("username", "user0")


def test_without_a_password_keeper_passwords_are_not_stored_at_all(store_app):
    # (with one, they are kept sealed for the export: tests/test_passwords.py)
    rows = example_rows("controlpanel", 3)
    secrets_sent = [row["Password"] for row in rows]
    rows.append({"Username": "bad user", "Password": "Rejected-Secret-9"})  # rejected rows too
    submit(store_app, "controlpanel", rows)
    ipass = example_rows("ipass", 1)
    ipass[0]["password"] = "Ipass-Secret-77"
    submit(store_app, "ipass", ipass)
    secrets_sent += ["Rejected-Secret-9", "Ipass-Secret-77"]
    with engine_for(store_app).connect() as connection:
        dump = []
        for table in ("batches", "batch_rows"):
            dump += [str(tuple(row)) for row in connection.execute(text(f"SELECT * FROM {table}"))]
    everything = "\n".join(dump)
    assert "user0" in everything  # the dump does hold the rows
    for secret in secrets_sent:
        assert secret not in everything


def test_a_batch_is_stored_whole_or_not_at_all(store_app):
    """A real database failure in the middle of a batch (a trigger) leaves nothing of it behind."""
    rows = example_rows("pbx", 50)
    boom = rows[30]["Extension"]
    with engine_for(store_app).begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER boom BEFORE INSERT ON batch_rows WHEN NEW.login_key = '" + boom + "' "
                "BEGIN SELECT RAISE(ABORT, 'boom'); END")
        else:
            connection.exec_driver_sql(
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN IF NEW.login_key = '" + boom + "' THEN "
                "RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql")
            connection.exec_driver_sql("CREATE TRIGGER boom BEFORE INSERT ON batch_rows FOR EACH ROW EXECUTE FUNCTION boom()")
    with pytest.raises(Exception, match="boom"):
        submit(store_app, "pbx", rows, key="whole-or-nothing")
    assert count(store_app, Batch) == 0 and count(store_app) == 0
    with engine_for(store_app).begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER boom" + (" ON batch_rows" if connection.dialect.name != "sqlite" else ""))
    result = submit(store_app, "pbx", rows, key="whole-or-nothing")  # the key was not used up
    assert result.accepted == 50 and count(store_app) == 50


def test_duplicates_against_stored_rows_and_within_the_batch(store_app):
    submit(store_app, "commpeak", example_rows("commpeak", 3))
    rows = example_rows("commpeak", 4, 2)  # 2 is already stored
    rows.append(dict(rows[1]))  # 3 twice in this batch
    result = submit(store_app, "commpeak", rows)
    assert [r["status"] for r in result.rows] == ["duplicate", "accepted", "accepted", "accepted", "duplicate"]
    assert result.rows[4]["id"] == result.rows[1]["id"]
    assert count(store_app, status="accepted") == 3 + 3
    with session_scope(store_app) as session:
        keys = session.scalars(select(BatchRow.login_key).where(BatchRow.login_key.is_not(None))).all()
    assert len(keys) == len(set(keys)) == 6


def test_idempotency_replays_and_conflicts(store_app):
    rows = example_rows("iplum", 3)
    first = submit(store_app, "iplum", rows, key="k1", source={"workbook": "a.xlsm"})
    assert submit(store_app, "iplum", rows, key="k1", source={"workbook": "a.xlsm"}) == first
    with pytest.raises(IdempotencyConflict):
        submit(store_app, "iplum", rows, key="k1", source={"workbook": "b.xlsm"})
    with pytest.raises(IdempotencyConflict):
        submit(store_app, "iplum", rows[:2], key="k1")
    assert count(store_app, Batch) == 1 and count(store_app) == 3


def test_ten_thousand_rows_in_one_batch(store_app):
    result = submit(store_app, "pbx", example_rows("pbx", 10_000))
    assert result.accepted == 10_000
    assert count(store_app, status="accepted") == 10_000


def test_a_big_batch_answers_with_stored_ids_and_keeps_its_key(store_app):
    """Big enough for PostgreSQL to insert the rows while the request's fingerprint is computed."""
    rows = example_rows("pbx", 1500)
    rows.append(dict(rows[7]))  # a repeat within the batch
    first = submit(store_app, "pbx", rows, key="big")
    assert (first.accepted, first.duplicates) == (1500, 1)
    with session_scope(store_app) as session:
        stored = dict(session.execute(select(BatchRow.position, BatchRow.id).where(BatchRow.status == "accepted")).all())
    assert [r["id"] for r in first.rows[:1500]] == [stored[position] for position in range(1500)]
    assert first.rows[1500]["id"] == stored[7]
    assert submit(store_app, "pbx", rows, key="big") == first
    with pytest.raises(IdempotencyConflict):
        submit(store_app, "pbx", rows[:-1], key="big")


@pytest.mark.parametrize("size", [6, COPY_ROWS + 6], ids=["small", "big"])
def test_every_answered_id_is_the_stored_rows_id(store_app, size):
    """Ids come from the insert (a big batch on PostgreSQL: from the sequence, before its COPY):
    with rejected rows in the same statement, and with rows skipped because their user is
    already stored."""
    def stored_ids() -> dict[tuple[int, int], int]:
        with session_scope(store_app) as session:
            found = session.execute(select(BatchRow.batch_id, BatchRow.position, BatchRow.id))
            return {(batch, position): row_id for batch, position, row_id in found}

    rows = example_rows("pbx", size, 700_000)
    rows[2] = {**rows[2], "Type": "Robot"}  # rejected
    first = submit(store_app, "pbx", rows)
    half = (size - 1) // 2
    again = submit(store_app, "pbx", [*example_rows("pbx", half, 710_000), rows[4], *example_rows("pbx", half, 720_000)])
    ids = stored_ids()
    for result, accepted in ((first, size - 1), (again, 2 * half)):
        assert [r["status"] for r in result.rows].count("accepted") == accepted
        for position, outcome in enumerate(result.rows):
            if outcome["status"] == "accepted":
                assert outcome["id"] == ids[(result.batch_id, position)]
    assert [r["status"] for r in again.rows] == ["accepted"] * half + ["duplicate"] + ["accepted"] * half
    assert again.rows[half]["id"] == ids[(first.batch_id, 4)]
    assert len(ids) == count(store_app) == size + 2 * half + 1


def test_a_big_batch_stores_every_value_as_judged(store_app):
    """Values with quotes, backslashes, tabs and letters beyond ASCII, and the errors of rejected
    rows, read back exactly as validation gave them (a big batch goes in by COPY on PostgreSQL)."""
    from server.imports import judge

    rows = example_rows("pbx", COPY_ROWS + 4, 730_000)
    tricky = ['O\'Brien \\ "the \\N one"', "Zoë\tNuñez", "\\.", "Łukasz \u0141\u00f3d\u017a", "a\nb"]
    for n, value in enumerate(tricky):
        rows[10 * n]["LastName"] = value  # the tab and the line break are rejected: stored with their errors
    result = submit(store_app, "pbx", rows)
    judged = judge(get_profile("pbx"), rows, list(range(1, len(rows) + 1)), None).rows
    with session_scope(store_app) as session:
        stored = session.execute(select(BatchRow.position, BatchRow.values, BatchRow.errors)
                                 .where(BatchRow.batch_id == result.batch_id).order_by(BatchRow.position)).all()
    assert [(p, v, e) for p, v, e in stored] == [(j.position, j.values, j.errors) for j in judged]
    assert [stored[10 * n][1]["last_name"] for n in (0, 2, 3)] == [tricky[0], tricky[2], tricky[3]]
    assert result.rejected == 2 and all(stored[10 * n][2] for n in (1, 4))


def test_a_user_stored_meanwhile_makes_a_big_batch_store_again_by_insert(postgres_url, tmp_path, caplog):
    """Between a big batch's look-up of stored users and its COPY, another request stores one
    of them (with the same values): the database refuses the copy, and the batch is stored by
    insert, that row a duplicate."""
    from server.imports import judge
    from tests.plugin_server import make_app

    app = make_app(postgres_url, tmp_path / "instance")
    rows = example_rows("pbx", COPY_ROWS + 10, 740_000)
    taken = judge(get_profile("pbx"), [rows[500]], [1], None).rows[0]
    other = engine_for(app).connect()
    transaction = other.begin()  # another request's, still open: its row is not visible yet
    other.execute(text("INSERT INTO batches (profile, submitted_by, created_at, source, accepted, rejected, "
                       "duplicates, request_hash) VALUES ('pbx', 'other', now(), '{}', 1, 0, 0, '')"))
    taken_id = other.execute(text(
        "INSERT INTO batch_rows (batch_id, profile, position, row_number, status, login_column, login_key, "
        "\"values\", errors) SELECT max(id), 'pbx', 0, 1, 'accepted', :column, :key, :values, '[]' FROM batches "
        "RETURNING id"), {"column": taken.login_column, "key": taken.login_key, "values": taken.stored_values}).scalar()
    results, errors = [], []

    def big_batch() -> None:
        try:
            results.append(submit(app, "pbx", rows))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with caplog.at_level("INFO", logger="server.imports"):
        thread = threading.Thread(target=big_batch)
        thread.start()
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND left(query, 4) = 'COPY'"
        for _ in range(600):  # the copy waits for the other request's row
            with engine_for(app).connect() as watcher:  # a new transaction sees the activity of now
                if watcher.exec_driver_sql(waiting).scalar():
                    break
            thread.join(0.05)
        else:
            pytest.fail("the big batch never waited on the other request's row")
        transaction.commit()
        thread.join(60)
    other.close()
    assert errors == [] and len(results) == 1
    outcome = results[0].rows[500]
    assert (outcome["status"], outcome["id"]) == ("duplicate", taken_id)
    assert results[0].accepted == len(rows) - 1
    assert "stored meanwhile by another request; storing it by insert" in caplog.text
    assert count(app, login_key=taken.login_key) == 1
    engine_for(app).dispose()


@pytest.mark.parametrize(("workers", "size"), [(8, 40), (4, COPY_ROWS + 200)], ids=["small", "big"])
def test_concurrent_batches_store_each_user_once(store_app, workers, size):
    """Threads, each with its own session, submit batches at once, each overlapping its
    neighbour by half. Big batches go in by COPY on PostgreSQL, and are stored again by insert
    when another stores one of their users meanwhile."""
    step, results, errors = size // 2, [], []
    barrier = threading.Barrier(workers)

    def worker(n: int) -> None:
        rows = example_rows("pbx", size, 750_000 + n * step)
        barrier.wait()
        try:
            results.append(submit(store_app, "pbx", rows, key=f"worker-{n}"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    distinct = size + (workers - 1) * step
    assert sum(r.accepted for r in results) == distinct == count(store_app, status="accepted")
    assert sum(r.duplicates for r in results) == workers * size - distinct


def test_the_same_key_sent_concurrently_makes_one_batch(store_app):
    rows = example_rows("ipass", 20)
    results, barrier = [], threading.Barrier(6)

    def worker() -> None:
        barrier.wait()
        results.append(submit(store_app, "ipass", rows, key="one-key"))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and all(r == results[0] for r in results)
    assert results[0].accepted == 20
    assert count(store_app, Batch) == 1 and count(store_app) == 20


def test_the_stored_request_fingerprint_does_not_depend_on_passwords():
    from server.imports import request_hash
    first = request_hash("controlpanel", [{"Username": "u1", "Password": "hunter2"}], None, None, "admin")
    other = request_hash("controlpanel", [{"username": "u1", "PASSWORD": "correct horse"}], None, None, "admin")
    renamed = request_hash("controlpanel", [{"Username": "u2", "Password": "hunter2"}], None, None, "admin")
    empty = request_hash("controlpanel", [{"Username": "u1", "Password": ""}], None, None, "admin")
    assert first != renamed and first != empty
    assert request_hash("controlpanel", [{"Username": "u1", "Password": "correct horse"}], None, None, "admin") == first
    assert other != first  # other header spellings are another body, but still password-free


def test_the_fingerprint_covers_every_row_of_a_long_batch_and_keeps_its_earlier_value():
    """The rows are hashed a few hundred at a time: a row counts in any piece, its password in
    none, and the digest is the one earlier versions stored (one encoding of all the rows), so a
    retry across an upgrade is still taken as a replay."""
    from pydantic_core import to_json

    from server.imports import request_hash
    rows = [{"Username": f"u{i}", "Password": f"pw{i}", "Email": f"u{i}@example.com"} for i in range(700)]
    first = request_hash("controlpanel", rows, None, None, "admin")
    for i in (0, 299, 300, 301, 699):
        other_email = [*rows[:i], {**rows[i], "Email": "other@example.com"}, *rows[i + 1:]]
        assert request_hash("controlpanel", other_email, None, None, "admin") != first
        other_password = [*rows[:i], {**rows[i], "Password": "another"}, *rows[i + 1:]]
        assert request_hash("controlpanel", other_password, None, None, "admin") == first
    assert request_hash("controlpanel", rows[:-1], None, None, "admin") != first
    head = {"profile": "controlpanel", "source": {}, "settings": {}, "submitted_by": "admin",
            "filled": {"Password": "1" * 700}}
    earlier = hashlib.sha256(to_json(head) + to_json(rows, exclude={"__all__": {"Password"}})).hexdigest()
    assert first == earlier


@pytest.mark.parametrize("profile_id", ["ipass", "controlpanel"])
def test_the_fingerprint_of_rows_by_column_key_does_not_depend_on_passwords(profile_id):
    """The upload page's kept rows are the engine's values, by column key."""
    from server.imports import request_hash
    profile = get_profile(profile_id)
    [secret] = [c.key for c in profile.columns if c.secret]
    login = profile.login_key_columns[0]
    first = request_hash(profile_id, [{login: "u1", secret: "hunter2"}], None, None, "admin")
    assert request_hash(profile_id, [{login: "u1", secret: "correct horse"}], None, None, "admin") == first
    assert request_hash(profile_id, [{login: "u1", secret: ""}], None, None, "admin") != first


def test_a_store_made_by_the_first_schema_keeps_its_rows_through_the_upgrade(database_url, tmp_path):
    # 0002 turns the rows' jsonb columns into json on PostgreSQL: stored rows must survive it
    from server import create_app, db

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url})
    db.upgrade(app, "0001")
    with engine_for(app).begin() as connection:
        connection.execute(text("INSERT INTO batches (profile, submitted_by, created_at, source, accepted, "
                                "rejected, duplicates, request_hash) VALUES ('iplum', 'old', CURRENT_TIMESTAMP, "
                                "'{}', 1, 0, 0, '')"))
        connection.execute(text("INSERT INTO batch_rows (batch_id, profile, position, row_number, status, login_column, "
                                "login_key, \"values\", errors) SELECT max(id), 'iplum', 0, 2, 'accepted', 'email', "
                                "'zoë@example.com', :values, :errors FROM batches"),
                           {"values": '{"email": "zoë@example.com", "phone": "+14081231234"}', "errors": "[]"})
    db.upgrade(app)
    with session_scope(app) as session:
        stored = session.scalars(select(BatchRow)).one()
    assert stored.values == {"email": "zoë@example.com", "phone": "+14081231234"} and stored.errors == []
    result = submit(app, "iplum", example_rows("iplum", 2, 700))
    assert result.accepted == 2 and count(app) == 3
    engine_for(app).dispose()
