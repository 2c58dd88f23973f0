"""Passwords kept for the export: sealed (AES-GCM) at rest, for the retention only, erased for real;
on SQLite and a real PostgreSQL, and through a real `rosterbook serve` whose files are searched."""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text, update

from server.db import engine_for, new_session, session_scope
from server.exports import ExportRefused
from server.models import Batch, aware, utcnow
from server.passwords import KEY_FILE, PasswordKeeper, PasswordsUnreadable, Sweeper, decode_key, keeper, new_key
from tests.plugin_server import make_app
from tests.server_rows import example_rows
from tests.server_store import export_text as export
from tests.server_store import stored_batch as batch
from tests.server_store import submit

SECRETS = ["Pw-0-secret", "Pw-1-secret", "Pw-2-secret"]


def dump(app) -> str:
    """Every stored value of every table, as text (bytes as their repr)."""
    with engine_for(app).connect() as connection:
        tables = [t for t in ("api_tokens", "admins", "batches", "batch_rows")]
        return "\n".join(str(tuple(row)) for table in tables for row in connection.execute(text(f"SELECT * FROM {table}")))



def test_passwords_are_sealed_for_the_export_and_never_stored_in_clear(store_app):
    rows = example_rows("controlpanel", 3)
    rows.append({"Username": "bad user", "Password": "Rejected-Secret-9"})  # rejected: its password is not kept
    result = submit(store_app, "controlpanel", rows)
    assert (result.accepted, result.rejected) == (3, 1)
    stored = batch(store_app, result.batch_id)
    assert stored.passwords is not None and stored.passwords_erased_at is None
    kept = stored.passwords_until.replace(tzinfo=dt.UTC) - stored.created_at.replace(tzinfo=dt.UTC)
    assert dt.timedelta(hours=24) <= kept < dt.timedelta(hours=24, minutes=1)
    everything = dump(store_app)
    assert "user0" in everything  # the dump does hold the rows
    for secret in [*SECRETS, "Rejected-Secret-9"]:
        assert secret not in everything and secret.encode() not in stored.passwords
    assert keeper(store_app).open(result.batch_id, stored.passwords) == {
        i: {"password": secret} for i, secret in enumerate(SECRETS)}
    assert [line.split(",")[:2] for line in export(store_app, result.batch_id).splitlines()] == [
        [f"user{i}", secret] for i, secret in enumerate(SECRETS)]
    assert all(secret not in str(result.model_dump()) for secret in SECRETS)  # nor in the answer


def test_erasure_empties_the_column_and_refuses_a_control_panel_file_from_then_on(store_app):
    result = submit(store_app, "controlpanel", example_rows("controlpanel", 2))
    ipass_rows = example_rows("ipass", 2)
    ipass_rows[0].update({"fname": "Ann", "lname": "Lee", "password": "Ipass-Secret-77"})  # ASCII names: a CSV
    ipass_rows[1].update({"fname": "Bo", "lname": "Ray"})
    ipass = submit(store_app, "ipass", ipass_rows)
    assert "Ipass-Secret-77" in export(store_app, ipass.batch_id)
    with session_scope(store_app) as session:
        from server.passwords import erase
        assert erase(session, batch_id=result.batch_id) == [result.batch_id]
        assert erase(session, batch_id=result.batch_id) == []  # nothing left to erase
        assert erase(session) == [ipass.batch_id]  # every batch's
    with engine_for(store_app).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM batches WHERE passwords IS NOT NULL")).scalar() == 0
    stored = batch(store_app, result.batch_id)
    assert stored.passwords_until is None and stored.passwords_erased_at is not None
    with pytest.raises(ExportRefused) as refused:
        export(store_app, result.batch_id)
    message = refused.value.message
    assert f"The passwords of batch {result.batch_id} were erased on" in message
    assert "needs a Password on every line" in message and "Withdraw this batch and import its users again" in message
    # iPass passwords are optional: its file is made, the password cells empty
    assert "Ipass-Secret-77" not in export(store_app, ipass.batch_id)


def test_passwords_past_their_retention_are_erased_by_the_sweep_and_before_an_export(store_app):
    first = submit(store_app, "controlpanel", example_rows("controlpanel", 2))
    second = submit(store_app, "controlpanel", example_rows("controlpanel", 2, 10))
    later = submit(store_app, "controlpanel", example_rows("controlpanel", 2, 20))
    past = utcnow() - dt.timedelta(seconds=1)
    with session_scope(store_app) as session:
        session.execute(update(Batch).where(Batch.id.in_([first.batch_id, second.batch_id])).values(passwords_until=past))
    with pytest.raises(ExportRefused, match="were erased on"):  # not swept yet: erased on the way
        export(store_app, second.batch_id)
    assert batch(store_app, second.batch_id).passwords is None
    sweeper = Sweeper(lambda: new_session(store_app), engine_for(store_app))
    assert sweeper.sweep() == [first.batch_id]
    assert sweeper.sweep() == []
    assert batch(store_app, first.batch_id).passwords is None
    assert "Pw-20-secret" in export(store_app, later.batch_id)  # within its retention: kept


def test_a_retention_of_zero_keeps_no_password(tmp_path):
    app = make_app(None, tmp_path / "instance", PASSWORD_RETENTION=dt.timedelta(0))
    result = submit(app, "controlpanel", example_rows("controlpanel", 2))
    assert batch(app, result.batch_id).passwords is None
    with pytest.raises(ExportRefused, match=f"The passwords of batch {result.batch_id} were not kept"):
        export(app, result.batch_id)
    engine_for(app).dispose()


def test_a_sealed_blob_opens_only_with_its_key_for_its_batch(app):
    result = submit(app, "controlpanel", example_rows("controlpanel", 2))
    blob = batch(app, result.batch_id).passwords
    own = keeper(app)
    other = PasswordKeeper(decode_key(new_key()), own.retention)
    damaged = blob[:-1] + bytes([blob[-1] ^ 1])
    for attempt in (lambda: other.open(result.batch_id, blob), lambda: own.open(result.batch_id + 1, blob),
                    lambda: own.open(result.batch_id, damaged), lambda: own.open(result.batch_id, b"")):
        with pytest.raises(PasswordsUnreadable):
            attempt()
    with pytest.raises(ExportRefused, match="encrypted with another one"):
        export(app, result.batch_id, other)


def test_the_key_comes_from_the_environment_or_once_from_a_private_file(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    app = make_app(None, instance)
    key_path = instance / KEY_FILE
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert keeper(app).key == decode_key(key_path.read_text())
    again = make_app(None, instance)  # a second process on the same folder: the same key
    assert keeper(again).key == keeper(app).key
    result = submit(app, "controlpanel", example_rows("controlpanel", 1))
    assert key_path.read_text().strip() not in dump(app)
    assert keeper(app).key not in batch(app, result.batch_id).passwords
    chosen = new_key()
    monkeypatch.setenv("ROSTERBOOK_PASSWORD_KEY", chosen)
    configured = make_app(None, tmp_path / "other")
    assert keeper(configured).key == decode_key(chosen) and not (tmp_path / "other" / KEY_FILE).exists()
    for made in (app, again, configured):
        engine_for(made).dispose()


def test_passwords_purge_erases_one_batch_the_expired_or_all(app, runner):
    batches = [submit(app, "controlpanel", example_rows("controlpanel", 1, i)).batch_id for i in range(3)]
    expired = runner.invoke(["passwords", "purge", "--expired"])
    assert expired.exit_code == 0 and "No batch held passwords whose retention has ended" in expired.stdout
    one = runner.invoke(["passwords", "purge", "--batch", str(batches[1])])
    assert one.exit_code == 0 and one.stdout.strip() == f"Erased the passwords of 1 batch ({batches[1]})."
    rest = runner.invoke(["passwords", "purge"])
    assert rest.stdout.strip() == f"Erased the passwords of 2 batches ({batches[0]}, {batches[2]})."
    assert all(batch(app, b).passwords is None for b in batches)
    key = runner.invoke(["passwords", "new-key"])
    assert len(decode_key(key.stdout.strip())) == 32 and "ROSTERBOOK_PASSWORD_KEY" in key.stderr


def _pieces(blob: bytes, size: int = 32) -> list[bytes]:
    """Pieces of a sealed blob to search for: a big one is stored across pages, not in one run."""
    return [blob[start:start + size] for start in range(0, len(blob) - size, 509)]


def _files(instance: Path, log: str) -> bytes:
    """The SQLite database, its write-ahead log and shared memory, and the server's log."""
    found = b"".join(p.read_bytes() for p in sorted(instance.glob("rosterbook.sqlite3*")))
    return found + log.encode("utf-8")


def test_the_database_file_its_log_and_the_server_log_hold_passwords_only_sealed_until_erased(serve):
    served = serve()
    instance = served.process.instance
    rows = example_rows("controlpanel", 300, 300)  # a sealed blob over several pages
    secrets = [row["Password"] for row in rows]
    created = requests.post(served.url + "/api/v1/imports", json={"profile": "controlpanel", "rows": rows},
                            headers=served.headers(str(uuid.uuid4())), timeout=60)
    assert created.status_code == 201 and not any(s in created.text for s in secrets)
    batch_id = created.json()["batch_id"]
    import sqlite3
    with sqlite3.connect(instance / "rosterbook.sqlite3") as connection:
        sealed = connection.execute("SELECT passwords FROM batches WHERE id = ?", (batch_id,)).fetchone()[0]
    listed = requests.get(f"{served.url}/api/v1/imports/{batch_id}", headers=served.headers(), timeout=30)
    assert listed.json()["passwords_until"] and not any(s in listed.text for s in secrets)
    exported = requests.get(f"{served.url}/api/v1/imports/{batch_id}/export", headers=served.headers(), timeout=30)
    assert [line.split(",")[1] for line in exported.text.splitlines()] == secrets

    stored = _files(instance, served.process.log())
    pieces = _pieces(sealed)
    assert len(pieces) > 20 and sum(p in stored for p in pieces) > len(pieces) * 0.8  # the ciphertext is on disk ...
    assert not any(s.encode() in stored for s in secrets)  # ... and never the passwords

    erased = requests.delete(f"{served.url}/api/v1/imports/{batch_id}/passwords", headers=served.headers(), timeout=30)
    assert erased.status_code == 200, erased.text
    assert erased.json()["passwords_until"] is None and erased.json()["passwords_erased_at"]
    stored = _files(instance, served.process.log())
    assert not any(p in stored for p in pieces)  # overwritten in the file, and the log truncated
    assert not any(s.encode() in stored for s in secrets)
    refused = requests.get(f"{served.url}/api/v1/imports/{batch_id}/export", headers=served.headers(), timeout=30)
    assert refused.status_code == 409 and refused.json()["error"] == "passwords_not_kept"
    assert "Withdraw this batch" in refused.json()["message"]


def test_postgresql_data_files_hold_passwords_only_sealed(postgres, postgres_url, tmp_path):
    app = make_app(postgres_url, tmp_path / "instance")
    rows = example_rows("controlpanel", 50, 400)
    result = submit(app, "controlpanel", rows)
    sealed = batch(app, result.batch_id).passwords
    with engine_for(app).connect() as connection:
        connection.exec_driver_sql("CHECKPOINT")  # tables and their log on disk
    data = b"".join(path.read_bytes() for path in (postgres.root / "data").rglob("*") if path.is_file())
    assert sealed[20:52] in data
    assert not any(row["Password"].encode() in data for row in rows)
    assert rows[0]["Username"].encode() in data  # the search does see the stored rows
    with session_scope(app) as session:
        from server.passwords import erase
        erase(session, batch_id=result.batch_id)
    with engine_for(app).connect() as connection:
        assert connection.execute(select(Batch.passwords).where(Batch.id == result.batch_id)).scalar() is None
    engine_for(app).dispose()


def test_the_batch_page_says_until_when_passwords_are_held_and_erases_them(app):
    from tests.web_client import WebClient, create_admin

    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    result = submit(app, "controlpanel", example_rows("controlpanel", 2))
    page = web.get(f"/batches/{result.batch_id}").text
    assert "Held, encrypted, until" in page and "24 hours after the import" in page
    assert not any(secret in page for secret in SECRETS)
    answer = web.press(page, "Erase the passwords now")
    assert answer.status_code == 303
    page = web.get(answer.headers["Location"]).text
    assert f"The passwords of batch {result.batch_id} are erased." in page and "Erased on" in page
    assert f'href="/batches/{result.batch_id}/export"' not in page  # no link to a file that cannot be made
    assert "needs a password on every line, and this batch's passwords" in page
    refused = web.get(f"/batches/{result.batch_id}/export")
    assert refused.status_code == 409
    assert "needs a Password on every line" in refused.text.replace("&#39;", "'")
    # a form without its CSRF token does nothing
    assert web.post(f"/batches/{result.batch_id}/passwords/erase").status_code == 400


def test_the_batch_page_says_the_batchs_own_retention_not_todays_setting(app):
    """Imported while the server kept passwords 90 minutes; the setting is 24 hours now."""
    from tests.web_client import WebClient, create_admin

    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    then = PasswordKeeper(keeper(app).key, dt.timedelta(minutes=90))
    result = submit(app, "controlpanel", example_rows("controlpanel", 2), passwords=then)
    found = batch(app, result.batch_id)
    assert aware(found.passwords_until) - aware(found.created_at) == dt.timedelta(minutes=90)
    page = web.get(f"/batches/{result.batch_id}").text
    assert "90 minutes after the import" in page and "24 hours" not in page
    # a batch stored before 2026-11-30 counted from the end of its import, moments later
    with session_scope(app) as session:
        session.execute(update(Batch).where(Batch.id == result.batch_id).values(
            passwords_until=found.created_at + dt.timedelta(hours=24, seconds=2)))
        session.commit()
    assert "24 hours after the import" in web.get(f"/batches/{result.batch_id}").text


@pytest.mark.parametrize("value", ["12h", "90m", "2d", "30s", "0", "1.5"])
def test_the_retention_setting_reads_durations(value):
    from server.settings import parse_duration

    expected = {"12h": 12 * 3600, "90m": 5400, "2d": 172800, "30s": 30, "0": 0, "1.5": 5400}[value]
    assert parse_duration(value).total_seconds() == expected


def test_a_bad_key_or_retention_stops_a_command_with_one_line(app, runner, monkeypatch):
    monkeypatch.setenv("ROSTERBOOK_PASSWORD_KEY", "too-short")
    bad_key = runner.invoke(["passwords", "purge"])
    assert bad_key.exit_code == 2 and bad_key.stderr.count("\n") == 1 and "32 random bytes" in bad_key.stderr
    monkeypatch.delenv("ROSTERBOOK_PASSWORD_KEY")
    monkeypatch.setenv("ROSTERBOOK_PASSWORD_RETENTION", "a while")
    bad = runner.invoke(["token", "list"])
    assert bad.exit_code == 2 and "ROSTERBOOK_PASSWORD_RETENTION: 'a while' is not a duration" in bad.stderr


def test_erasing_after_another_import_committed_meanwhile_waits_its_turn(app):
    # a batch page read the batch, then another import committed before the erase button's write
    first = submit(app, "controlpanel", example_rows("controlpanel", 2))
    session = new_session(app)
    try:
        assert session.get(Batch, first.batch_id).passwords_until is not None  # the page's read
        submit(app, "controlpanel", example_rows("controlpanel", 2, 500))
        from server.passwords import erase
        assert erase(session, batch_id=first.batch_id) == [first.batch_id]
    finally:
        session.close()
    assert batch(app, first.batch_id).passwords is None


def test_a_log_that_could_not_be_truncated_is_truncated_by_the_next_sweep(app):
    import sqlite3

    from server import passwords

    result = submit(app, "controlpanel", example_rows("controlpanel", 2))
    database = engine_for(app).url.database
    reader = sqlite3.connect(database)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM batch_rows").fetchone()  # a reader holding the log's pages
    try:
        with session_scope(app) as session:
            passwords.erase(session, batch_id=result.batch_id)
        assert not passwords.scrub(engine_for(app), attempts=1)
        assert database in passwords._scrub_owed
    finally:
        reader.rollback()
        reader.close()
    Sweeper(lambda: new_session(app), engine_for(app)).sweep()  # nothing due: it owes the truncation only
    assert database not in passwords._scrub_owed
    assert Path(database + "-wal").stat().st_size == 0


def test_a_retention_of_years_stops_a_command_with_one_line(app, runner, monkeypatch):
    monkeypatch.setenv("ROSTERBOOK_PASSWORD_RETENTION", "9999999999d")  # a date cannot be moved that far
    bad = runner.invoke(["token", "list"])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "longer than 3650 days" in bad.stderr
