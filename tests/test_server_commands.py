"""The server's commands: tokens (shown once, stored hashed, revocable), admin accounts, serve."""
from __future__ import annotations

import hashlib

import pytest
import requests
from sqlalchemy import create_engine, select

from server.auth import token_owner
from server.db import session_scope
from server.models import Admin, ApiToken
from server.commands import is_loopback


def test_token_create_prints_it_once_and_stores_only_its_hash(app, runner, client):
    result = runner.invoke(["token", "create", "hr-team"])
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert token.startswith("rb_") and len(token) > 40
    assert "only time" in result.stderr
    with session_scope(app) as session:
        stored = session.scalars(select(ApiToken)).one()
        assert stored.name == "hr-team"
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (stored.token_hash, stored.name)
    with app.test_request_context():
        assert token_owner(f"Bearer {token}") == "hr-team"
        assert token_owner(f"bearer {token}") == "hr-team"
        assert token_owner(token) is None and token_owner(f"Bearer {token}x") is None and token_owner(None) is None
    assert client.get("/api/v1/profiles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = runner.invoke(["token", "create", "hr-team"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert runner.invoke(["token", "list"]).stdout.split() == ["hr-team"]


def test_revoked_token_is_refused(app, runner, client):
    token = runner.invoke(["token", "create", "temp"]).stdout.strip()
    assert client.get("/api/v1/imports", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoked = runner.invoke(["token", "revoke", "temp"])
    assert revoked.exit_code == 0 and "Revoked" in revoked.stdout
    assert client.get("/api/v1/imports", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    missing = runner.invoke(["token", "revoke", "temp"])
    assert missing.exit_code == 1 and "no token named" in missing.stderr


def test_admin_create_keeps_a_werkzeug_hash(app, runner):
    from server.accounts import verify_admin

    result = runner.invoke(["admin", "create", "alice", "--password-stdin"], stdin="correct horse battery\n")
    assert result.exit_code == 0, result.stderr
    with session_scope(app) as session:
        admin = session.scalars(select(Admin)).one()
        assert admin.password_hash.startswith("scrypt:") and "correct horse" not in admin.password_hash
        assert verify_admin(session, "alice", "correct horse battery") is not None
        assert verify_admin(session, "alice", "wrong password!") is None
        assert verify_admin(session, "bob", "correct horse battery") is None
    short = runner.invoke(["admin", "create", "bob", "--password-stdin"], stdin="short\n")
    assert short.exit_code == 1 and "at least" in short.stderr
    twice = runner.invoke(["admin", "create", "alice", "--password-stdin"], stdin="another long password\n")
    assert twice.exit_code == 1 and "already exists" in twice.stderr


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                ("example.org", False)])
def test_only_loopback_addresses_count_as_local(host, loopback):
    assert is_loopback(host) is loopback


def latest_migration() -> str:
    from alembic.script import ScriptDirectory

    from server.db import migration_config
    return ScriptDirectory.from_config(migration_config()).get_current_head()


def test_serve_migrates_a_fresh_store_and_listens_on_loopback(serve, tmp_path):
    served = serve(token="none-yet")  # nothing prepared: serve creates and migrates the SQLite file itself
    database = served.process.instance / "rosterbook.sqlite3"
    assert database.exists()
    with create_engine(f"sqlite:///{database}").connect() as connection:
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == latest_migration()
    assert (served.process.instance / "secret_key").stat().st_mode & 0o077 == 0
    assert "http://127.0.0.1:" in served.process.log()
    answer = requests.get(served.url + "/api/v1/openapi.json", timeout=30)
    assert answer.status_code == 200 and answer.headers["Server"] == "rosterbook"
    assert requests.get(served.url + "/api/v1/profiles", headers=served.headers(), timeout=30).status_code == 401


@pytest.mark.parametrize(("given", "expected"), [
    (None, "sqlite:////srv/instance/rosterbook.sqlite3"),
    ("postgresql://u:p@db/rb", "postgresql+psycopg://u:p@db/rb"),
    ("postgres://u@db/rb", "postgresql+psycopg://u@db/rb"),
    ("postgresql+psycopg://u@db/rb", "postgresql+psycopg://u@db/rb"),
])
def test_database_url_defaults_to_sqlite_and_maps_postgres_to_psycopg(given, expected):
    from pathlib import Path

    from server.settings import database_url

    assert database_url(given, Path("/srv/instance")) == expected


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["token", "list"]])
def test_the_console_script_says_a_bad_setting_in_one_line(command, tmp_path):
    """The installed `rosterbook` script, not main(): it must handle what main() handles."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "rosterbook"
    env = {**os.environ, "ROSTERBOOK_MAX_BATCH_ROWS": "many", "ROSTERBOOK_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([str(script), *command], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "ROSTERBOOK_MAX_BATCH_ROWS" in done.stderr
