"""Changes to stored users: conflicts reported with their differences, replacing as a new version
(on_existing, per request, per template, on the upload page, per row on the batch page), iPass
update/edit/remove as versions, and each user's history. Storage on SQLite and PostgreSQL; the API
against a real server over loopback; the sheet through xlwings' remote engine."""
from __future__ import annotations

import io
import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from addin.profiles import get_profile
from server.db import engine_for, session_scope
from server.imports import IdempotencyConflict, request_hash
from server.models import Batch, BatchRow
from server.versions import ReplaceRefused, histories, history_query, import_conflict
from tests.plugin_xlwings import WorkbookModel, authorization, control_panel_rows, grid
from tests.server_rows import example_rows
from tests.server_store import export_text, submit
from tests.web_client import WebClient, create_admin


def stored(app, **where) -> list[BatchRow]:
    with session_scope(app) as session:
        query = select(BatchRow).order_by(BatchRow.id)
        for name, value in where.items():
            query = query.where(getattr(BatchRow, name) == value)
        return list(session.scalars(query))


def test_a_stored_user_with_other_values_is_a_conflict_listing_the_differences(store_app):
    first = submit(store_app, "commpeak", example_rows("commpeak", 2))
    changed = example_rows("commpeak", 2)
    changed[1].update({"Email": "agent1.new@example.com", "Desk": ""})
    result = submit(store_app, "commpeak", changed)
    assert [r["status"] for r in result.rows] == ["duplicate", "conflict"]
    assert (result.accepted, result.duplicates, result.conflicts) == (0, 1, 1)
    conflict = result.rows[1]
    assert conflict["id"] == first.rows[1]["id"]
    assert conflict["errors"][0]["message"] == (
        f"Username: 'agent1' was imported before (batch {first.batch_id}, row 2) with other values, listed next; "
        "this row is not imported unless you choose to replace the stored user")
    assert conflict["errors"][1:] == [
        {"column": "Email", "message": "Email: was 'agent1@example.com', now 'agent1.new@example.com'"},
        {"column": "Desk", "message": "Desk: was '12', now empty"}]
    [holder] = stored(store_app, login_key="agent1")
    assert holder.batch_id == first.batch_id and holder.values["email"] == "agent1@example.com"
    with session_scope(store_app) as session:
        assert session.get(Batch, result.batch_id).conflicts == 1


def test_replace_stores_a_new_version_and_keeps_the_earlier_in_the_history(store_app):
    first = submit(store_app, "commpeak", example_rows("commpeak", 3))
    changed = example_rows("commpeak", 3)
    changed[2]["Role"] = "9"
    result = submit(store_app, "commpeak", changed, on_existing="replace")
    assert [r["status"] for r in result.rows] == ["duplicate", "duplicate", "accepted"]  # the same values: duplicates
    assert result.rows[2]["notes"] == [
        {"column": "Username", "message": f"Username: 'agent2' was imported before (batch {first.batch_id}, row 3); "
                                          "this row is stored as the user's new version, the earlier one kept in its history"},
        {"column": "Role", "message": "Role: was '3', now '9'"}]
    old, new = stored(store_app, batch_id=first.batch_id)[2], stored(store_app, id=result.rows[2]["id"])[0]
    assert (old.login_key, old.former_key) == (None, "agent2")
    assert (new.login_key, new.duplicate_of) == ("agent2", old.id)
    assert len(stored(store_app, login_key="agent2")) == 1
    with session_scope(store_app) as session:
        [versions] = histories(session, get_profile("commpeak"), ["agent2"]).values()
    assert [(v.row_id, v.current) for v in versions] == [(old.id, False), (new.id, True)]
    assert versions[1].changes == [{"column": "Role", "message": "Role: was '3', now '9'"}]
    assert export_text(store_app, result.batch_id).splitlines()[1].split(",")[:4] == [
        "agent2", "agent2@example.com", "1002", "9"]


def test_a_users_history_is_found_through_the_key_indexes_not_by_reading_the_whole_store(app):
    """A condition "holds or held the key" made SQLite read every row of the profile for each
    batch page; each kind of key has its own index, and the history's query goes through both."""
    submit(app, "commpeak", example_rows("commpeak", 3))
    changed = example_rows("commpeak", 3)
    changed[2]["Role"] = "9"
    submit(app, "commpeak", changed, on_existing="replace")
    query = history_query("commpeak", ["agent1", "agent2"])
    with engine_for(app).connect() as connection:
        sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
        plan = [line[-1] for line in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    with session_scope(app) as session:
        found = {(row.login_key, row.former_key) for row, _, _ in session.execute(query)}
    assert any("(profile=? AND login_key=?)" in line for line in plan), plan
    assert any("ix_batch_rows_profile_former_key (profile=? AND former_key=?)" in line for line in plan), plan
    assert not any(line.startswith("SCAN batch_rows") or line.endswith("(profile=?)") for line in plan), plan
    assert found == {("agent1", None), ("agent2", None), (None, "agent2")}


def test_ipass_update_edit_and_remove_are_versions_not_duplicates(store_app):
    rows = example_rows("ipass", 2, 100)
    for row in rows:
        row.update({"fname": "Ann", "lname": "Lee"})
    created = submit(store_app, "ipass", rows)
    update = dict(rows[0], action="update", lname="Lee-Smith")
    remove = dict(rows[1], action="remove")  # the same values, another action: a change all the same
    stranger = dict(example_rows("ipass", 1, 900)[0], fname="Bo", lname="Ray", action="edit")
    result = submit(store_app, "ipass", [update, remove, stranger])
    assert [r["status"] for r in result.rows] == ["accepted"] * 3
    assert f"(batch {created.batch_id}, row 1); this update is stored as the user's new version" in \
        result.rows[0]["notes"][0]["message"]
    assert result.rows[0]["notes"][1:] == [
        {"column": "lname", "message": "lname: was 'Lee', now 'Lee-Smith'"},
        {"column": "action", "message": "action: was 'create', now 'update'"}]
    assert "this remove is stored as the user's new version" in result.rows[1]["notes"][0]["message"]
    assert result.rows[2]["notes"] == [{"column": "username", "message": (
        "username: 'user900@acme.ipass.com' has no stored version here, so this edit is imported as sent "
        "(the user may predate rosterbook)")}]
    again = submit(store_app, "ipass", [update])
    assert again.rows[0]["status"] == "duplicate"  # the same change twice: already imported
    lines = export_text(store_app, result.batch_id).splitlines()
    assert [line.split(",")[-1] for line in lines[1:]] == ["update", "remove", "edit"]


def test_a_conflict_imported_later_replaces_the_stored_user_with_its_password(store_app):
    first = submit(store_app, "controlpanel", example_rows("controlpanel", 2))
    changed = example_rows("controlpanel", 2)
    changed[0].update({"Plan name": "gold", "Password": "New-Secret-0"})
    result = submit(store_app, "controlpanel", changed)
    assert [r["status"] for r in result.rows] == ["conflict", "duplicate"]
    row_id = stored(store_app, batch_id=result.batch_id)[0].id
    with session_scope(store_app) as session:
        replaced = import_conflict(session, result.batch_id, row_id, "alice")
    assert (replaced.status, replaced.login_key, replaced.accepted_by) == ("accepted", "user0", "alice")
    assert replaced.notes[1] == {"column": "Plan name", "message": "Plan name: was 'plan1', now 'gold'"}
    old = stored(store_app, batch_id=first.batch_id)[0]
    assert (old.login_key, old.former_key) == (None, "user0")
    with session_scope(store_app) as session:
        batch = session.get(Batch, result.batch_id)
        assert (batch.accepted, batch.conflicts, batch.duplicates) == (1, 0, 1)
        with pytest.raises(ReplaceRefused, match="is not a conflict"):
            import_conflict(session, result.batch_id, row_id, "alice")
    assert export_text(store_app, result.batch_id).splitlines() == [
        "user0,New-Secret-0,gold,John,,Smith,FALSE,info@acme.com,+64215552624,user 3 description,TRUE"]


def test_concurrent_replacements_of_the_same_users_leave_one_current_version_each(store_app):
    submit(store_app, "pbx", example_rows("pbx", 30, 600))
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        rows = example_rows("pbx", 30, 600)
        for row in rows:
            row["FirstName"] = f"Worker{n}"
        barrier.wait()
        try:
            results.append(submit(store_app, "pbx", rows, on_existing="replace"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and all(r.accepted == 30 for r in results)
    current = [r for r in stored(store_app) if r.login_key is not None]
    assert len(current) == 30 and len({r.login_key for r in current}) == 30
    with session_scope(store_app) as session:
        found = histories(session, get_profile("pbx"), [r.login_key for r in current])
    assert all(len(versions) == 5 and sum(v.current for v in versions) == 1 for versions in found.values())


def test_on_existing_is_part_of_a_batch_and_its_fingerprint(store_app):
    rows = example_rows("iplum", 2)
    submit(store_app, "iplum", rows, key="k-skip")
    with pytest.raises(IdempotencyConflict):
        submit(store_app, "iplum", rows, on_existing="replace", key="k-skip")
    plain = request_hash("iplum", rows, None, None, "x")
    assert request_hash("iplum", rows, None, None, "x", None) == plain  # fingerprints made before options hold
    assert request_hash("iplum", rows, None, None, "x", {"on_existing": "replace"}) != plain
    with pytest.raises(ValueError, match="on_existing"):
        submit(store_app, "iplum", rows, on_existing="overwrite")


def test_the_api_takes_on_existing_and_answers_conflicts_and_notes(served_sqlite):
    served = served_sqlite

    def post(body):
        return requests.post(served.url + "/api/v1/imports", json=body, headers=served.headers(str(uuid.uuid4())),
                             timeout=60)

    rows = example_rows("pbx", 2, 880_000)
    assert post({"profile": "pbx", "rows": rows}).status_code == 201
    rows[0]["LastName"] = "Changed"
    skipped = post({"profile": "pbx", "rows": rows}).json()
    assert (skipped["conflicts"], skipped["rows"][0]["status"]) == (1, "conflict")
    assert skipped["rows"][0]["errors"][1]["message"] == "LastName: was 'García', now 'Changed'"
    replaced = post({"profile": "pbx", "rows": rows, "on_existing": "replace"}).json()
    assert [r["status"] for r in replaced["rows"]] == ["accepted", "duplicate"]
    assert replaced["rows"][0]["notes"][1]["message"] == "LastName: was 'García', now 'Changed'"
    detail = requests.get(f"{served.url}/api/v1/imports/{skipped['batch_id']}", headers=served.headers(), timeout=30)
    assert detail.json()["conflicts"] == 1 and detail.json()["rows"][0]["status"] == "conflict"
    wrong = post({"profile": "pbx", "rows": rows, "on_existing": "overwrite"})
    assert wrong.status_code == 422 and "on_existing" in wrong.text


def test_the_batch_page_lists_conflicts_replaces_one_and_shows_the_history(app):
    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    first = submit(app, "iplum", example_rows("iplum", 2))
    changed = example_rows("iplum", 2)
    changed[1]["Name"] = "Jane Changed"
    result = submit(app, "iplum", changed)
    page = web.get(f"/batches/{result.batch_id}").text
    assert "Name: was &#39;Jane Doe&#39;, now &#39;Jane Changed&#39;" in page
    assert "<dt>Conflicts</dt><dd>1</dd>" in page
    assert web.post(f"/batches/{result.batch_id}/rows/1/replace").status_code == 400  # no CSRF token: refused
    answer = web.press(page, "Replace the stored user")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/batches/{result.batch_id}#row-4")
    page = web.get(f"/batches/{result.batch_id}").text
    assert "Row 2 is now the stored version of its user" in page
    assert "History: 2 versions" in page and f"batch {first.batch_id}, row 2" in page
    assert "Replace the stored user" not in page
    old_page = web.get(f"/batches/{first.batch_id}").text
    assert "History: 2 versions" in old_page and "(current)" in old_page


def test_the_upload_page_offers_the_choice_and_imports_as_chosen(app):
    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    submit(app, "iplum", [{"iPlum ID (phone/email)": "email", "Email": "ann@example.com", "Name": "Ann"}])
    content = b"iPlum ID (phone/email),Phone #,Email,Name\r\nemail,,ann@example.com,Ann Other\r\n"
    data = {"csrf_token": web.token("/upload"), "profile": "iplum", "file": (io.BytesIO(content), "a.csv")}
    page = web.post("/upload", data=data, content_type="multipart/form-data").text
    assert 'name="on_existing" value="skip" checked' in page
    answer = web.press(page, "Import", on_existing="replace")
    assert answer.status_code == 302
    [batch] = [b for b in stored(app) if b.values.get("name") == "Ann Other"]
    assert batch.status == "accepted" and batch.login_key == "ann@example.com"
    assert "1 imported" in web.get(answer.headers["Location"]).text


def test_submit_marks_conflicts_and_replaces_when_the_template_says_so(press, client, api_token):
    profile = get_profile("controlpanel")
    press(WorkbookModel.from_template(profile, control_panel_rows(4, prefix="ver")), "submit")
    rows = control_panel_rows(4, prefix="ver")
    rows[1]["Lastname"] = "Other"
    second = WorkbookModel.from_template(profile, rows)
    assert second.config("rosterbook.on_existing") == "skip"
    press(second, "submit")
    values = grid(second, profile)
    assert values[4]["Status"] == "Conflict" and "Lastname: was 'Lee', now 'Other'" in values[4]["Errors"]
    assert values[4]["Marks"] == "." * 5 + "W" + "." * 5 and values[4]["Password"]  # not imported: kept
    assert "1 row is a conflict" in second.alerts[-1]["prompt"]
    second.set_config("rosterbook.on_existing", "Replace")
    press(second, "submit")
    values = grid(second, profile)
    assert values[4]["Status"].startswith("Imported") and "stored as the user's new version" in values[4]["Errors"]
    second.set_config("rosterbook.on_existing", "overwrite")
    third = WorkbookModel.from_template(profile, control_panel_rows(1, prefix="ver-new"))
    third.set_config("rosterbook.on_existing", "overwrite")
    press(third, "submit")
    assert third.alerts[-1]["mode"] == "critical"
    assert "rosterbook.on_existing on the xlwings.conf sheet is 'overwrite': write skip or replace" in \
        third.alerts[-1]["prompt"]
    imports = client.get("/api/v1/imports", headers=authorization(api_token)).get_json()["items"]
    assert [b["conflicts"] for b in imports] == [0, 1, 0]


def test_a_batch_that_keeps_meeting_changed_users_gets_503_and_stores_nothing(app, client, runner, monkeypatch):
    """After its retries, a batch whose users other requests keep replacing or withdrawing is
    answered 503 with a sentence to send it again, not a 500 (the race itself is provoked by
    four concurrent replacements above; here every attempt meets it)."""
    import server.imports
    from server.versions import ChangedMeanwhile

    def always_changed(*args, **kwargs):
        raise ChangedMeanwhile()

    monkeypatch.setattr(server.imports, "_store", always_changed)
    token = runner.invoke(["token", "create", "racer"]).stdout.strip()
    answer = client.post("/api/v1/imports", json={"profile": "controlpanel", "rows": example_rows("controlpanel", 2)},
                         headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "race-1"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "2"
    assert answer.get_json()["error"] == "users_changing" and "Send the rows again" in answer.get_json()["message"]
    with session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 0
