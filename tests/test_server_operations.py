"""Running the server: admin accounts (list, delete, password), one clear line for a port in use
(`rosterbook serve` and scripts/run.sh), what start-up prints (and no migration chatter), an access
log line per request without bodies or tokens, and one batch size limit on the upload page too."""
from __future__ import annotations

import io
import os
import socket
import subprocess
import uuid

import requests
from sqlalchemy import select

from server.db import session_scope
from server.models import Batch
from tests.conftest import ROOT
from tests.serve_process import rosterbook_command
from tests.server_rows import example_rows
from tests.web_client import WebClient, create_admin, forms


def test_admin_list_delete_and_password(app, runner):
    assert runner.invoke(["admin", "list"]).stderr.startswith("No admin accounts yet")
    for name in ("carol", "alice"):
        made = runner.invoke(["admin", "create", name, "--password-stdin"], stdin="a long enough password\n")
        assert made.exit_code == 0, made.stderr
    listed = runner.invoke(["admin", "list"])
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["alice", "carol"]
    assert all("\tcreated 20" in line for line in listed.stdout.splitlines())

    alice = WebClient(app)
    assert alice.sign_in("alice", "a long enough password").status_code == 302
    assert alice.get("/").status_code == 200
    changed = runner.invoke(["admin", "password", "alice", "--password-stdin"], stdin="another long password\n")
    assert changed.exit_code == 0 and "sign-ins made with the old one end now" in changed.stdout
    assert alice.get("/").status_code == 302  # the old sign-in ended
    assert alice.sign_in("alice", "a long enough password").status_code != 302
    assert alice.sign_in("alice", "another long password").status_code == 302
    short = runner.invoke(["admin", "password", "alice", "--password-stdin"], stdin="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    nobody = runner.invoke(["admin", "password", "dave", "--password-stdin"], stdin="a long enough password\n")
    assert nobody.exit_code == 1 and "there is no admin named 'dave'" in nobody.stderr

    deleted = runner.invoke(["admin", "delete", "alice"])
    assert deleted.exit_code == 0 and "their sign-ins end now" in deleted.stdout
    assert alice.get("/").status_code == 302
    assert runner.invoke(["admin", "delete", "alice"]).exit_code == 1
    assert runner.invoke(["admin", "list"]).stdout.split("\t")[0] == "carol"


def _serve_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERBOOK_")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'store.sqlite3'}", ROSTERBOOK_INSTANCE_PATH=str(tmp_path))
    return env


def test_a_port_in_use_is_one_clear_line_from_serve_and_from_run_sh(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        served = subprocess.run([*rosterbook_command(), "serve", "--port", str(port)], env=_serve_env(tmp_path),
                                capture_output=True, text=True, timeout=120)
        assert served.returncode == 1
        assert served.stderr.strip() == (f"rosterbook serve: port {port} on 127.0.0.1 is already in use, probably by "
                                         "another rosterbook serve: stop that one, or choose another port with --port.")
        assert "Traceback" not in served.stdout + served.stderr
        script = subprocess.run(["bash", str(ROOT / "scripts" / "run.sh"), str(port)], capture_output=True, text=True,
                                timeout=60)
        assert script.returncode == 1 and script.stdout == ""
        assert script.stderr.startswith(f"run.sh: port {port} on 127.0.0.1 is already in use")
        assert len(script.stderr.strip().splitlines()) == 1
    bad = subprocess.run(["bash", str(ROOT / "scripts" / "run.sh"), "http"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "'http' is not a port number" in bad.stderr
    unknown = subprocess.run([*rosterbook_command(), "serve", "--host", "192.0.2.1", "--port", "5999"],
                             env=_serve_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "192.0.2.1 is not an address of this machine" in unknown.stderr


def test_start_up_says_what_is_served_where_without_migration_chatter(serve):
    served = serve()
    log = served.process.log()
    instance = served.process.instance
    assert f"rosterbook serve: {served.url}/ (pid {served.process.process.pid})" in log
    assert f"  store: SQLite, {instance / 'rosterbook.sqlite3'}" in log
    assert f"  passwords: kept encrypted for 24 hours after an import (key: {instance / 'password_key'})" in log
    for chatter in ("alembic", "Context impl", "Running upgrade", "Will assume"):
        assert chatter not in log


def test_every_request_gets_one_access_log_line_without_bodies_or_tokens(serve):
    served = serve()
    rows = example_rows("controlpanel", 2, 4242)
    created = requests.post(served.url + "/api/v1/imports", json={"profile": "controlpanel", "rows": rows},
                            headers=served.headers(str(uuid.uuid4())), timeout=60)
    assert created.status_code == 201
    requests.get(served.url + "/api/v1/imports", params={"per_page": 2}, headers=served.headers(), timeout=30)
    requests.get(served.url + "/api/v1/imports", headers={"Authorization": "Bearer rb_not-a-real-token"}, timeout=30)
    requests.get(served.url + "/no/such/page", timeout=30)
    log = served.process.log()
    lines = [line for line in log.splitlines() if "rosterbook.access" in line]
    name = next(line for line in lines if " POST /api/v1/imports 201 " in line).rsplit(" by ", 1)[1]
    assert name.startswith("token-")  # the token's name, never the token
    assert any(" GET /api/v1/imports 200 " in line and line.endswith(f" by {name}") for line in lines)
    assert any(" GET /api/v1/imports 401 " in line for line in lines)
    assert any(" GET /no/such/page 404 " in line for line in lines)
    for secret in (served.token, "rb_not-a-real-token", "per_page", rows[0]["Password"], rows[0]["Email"]):
        assert secret not in log


def test_the_upload_page_keeps_to_the_server_s_batch_limit(app):
    app.config["MAX_BATCH_ROWS"] = 3
    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    content = b"Type,LastName\r\nUser,Ames\r\nUser,Baker\r\nUser,Cole\r\nUser,Dunn\r\n"
    data = {"csrf_token": web.token("/upload"), "profile": "pbx", "file": (io.BytesIO(content), "four.csv")}
    page = web.post("/upload", data=data, content_type="multipart/form-data").text
    message = ("four.csv has 4 rows; the server takes at most 3 per batch: split them into batches of 3 rows or fewer "
               "(nothing was imported).")
    assert message in page and "Import the 4 valid rows" not in page
    fields = next(f for f in forms(page) if "upload" in f.fields).fields  # the page's own form, forced to import
    refused = web.post("/upload/import", data=fields)
    assert refused.status_code == 422 and message in refused.text
    with session_scope(app) as session:
        assert session.scalars(select(Batch)).all() == []


def test_rows_refused_by_the_upload_page_are_stored_rejected_with_its_errors(store_app):
    from server.db import new_session
    from server.imports import submit_batch
    from server.models import BatchRow

    rows = example_rows("controlpanel", 3, 7000)
    rows[1]["Username"] = "bad\x00user"  # a NUL in a refused row is stored (escaped), never imported
    refused = {2: [{"column": "Username", "message": "Username: contains the control character NUL"}]}
    session = new_session(store_app)
    try:
        result = submit_batch(session, "controlpanel", rows, idempotency_key="upload-key", key_scope="pages", submitted_by="alice",
                              refused=refused)
        again = submit_batch(session, "controlpanel", rows, idempotency_key="upload-key", key_scope="pages", submitted_by="alice",
                             refused=refused)
    finally:
        session.close()
    assert [r["status"] for r in result.rows] == ["accepted", "rejected", "accepted"] and again == result
    assert result.rows[1]["errors"] == refused[2]
    with session_scope(store_app) as session:
        stored = session.scalars(select(BatchRow).order_by(BatchRow.position)).all()
    assert stored[1].values["username"] == "bad\x00user" and "password" not in stored[1].values
    assert (stored[1].status, stored[1].login_key, stored[1].errors) == ("rejected", None, refused[2])
