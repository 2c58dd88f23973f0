"""Submit in server mode: /xlwings/submit stores through the import service in-process."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re

from addin.profiles import get_profile
from addin.sheet.book import open_data_sheet
from addin.sheet.submission import import_body, record_answer
from addin.sheet.validation import check_sheet
from tests.plugin_xlwings import RED, WorkbookModel, authorization, colours, control_panel_rows, grid

PROFILE = get_profile("controlpanel")
IMPORTED = re.compile(r"^Imported \d{4}-\d\d-\d\d \d\d:\d\d UTC \(id (\d+), batch (\d+)\)$")


def batches(client, token) -> list[dict]:
    return client.get("/api/v1/imports", headers=authorization(token)).get_json()["items"]


def test_submit_imports_the_valid_rows_and_writes_each_outcome(press, client, api_token):
    rows = control_panel_rows(20, errors=3, repairs=4, prefix="srv")
    model = WorkbookModel.from_template(PROFILE, rows)
    answer = press(model, "submit")
    assert [a["func"] for a in answer["actions"]] == ["setNumberFormat", "setValues", "setNumberFormat",
                                                      "setValues", "setValues", "alert"]
    values = grid(model, PROFILE)
    imported = {r: v for r, v in values.items() if IMPORTED.match(v["Status"] or "")}
    held_back = {r: v for r, v in values.items() if r not in imported}
    assert len(held_back) == 3 and all(v["Status"] == "1 error" for v in held_back.values())
    assert all(v["Password"] for v in held_back.values())  # not sent, so kept
    assert all(v["Password"] is None and v["Errors"] is None and v["Marks"] is None for v in imported.values())
    ids = {IMPORTED.match(v["Status"]).group(1) for v in imported.values()}
    assert len(ids) == 17
    found = colours(model, PROFILE)
    assert sum(1 for c in found.values() if c == RED) == 3
    assert {r for r, _ in found} == set(held_back)  # imported rows lose their colours
    [batch] = batches(client, api_token)
    assert (batch["accepted"], batch["rejected"], batch["duplicates"]) == (17, 0, 0)
    assert batch["source"]["workbook"] == "controlpanel.xlsm"
    export = client.get(f"/api/v1/imports/{batch['batch_id']}/export", headers=authorization(api_token))
    lines = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert len(lines) == 17
    phones = {line[8] for line in lines}
    assert all(p.startswith("+1408") for p in phones)  # the repaired values were sent, '+' included
    prompt = model.alerts[-1]["prompt"]
    assert prompt.startswith("Sent 17 rows to the import server: 17 imported, 0 rejected, 0 duplicates.")
    assert "3 rows with errors were not sent" in prompt


def test_pressing_again_or_submitting_a_copy_imports_nothing_twice(press, client, api_token):
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(12, prefix="again"))
    saved_copy = copy.deepcopy(model)  # the workbook as saved before Submit, opened again later
    press(model, "submit")
    first = grid(model, PROFILE)
    press(model, "submit")
    assert model.alerts[-1]["prompt"].startswith("Nothing to send")
    assert grid(model, PROFILE) == first
    press(saved_copy, "submit")
    again = grid(saved_copy, PROFILE)
    assert {r: IMPORTED.match(v["Status"]).groups() for r, v in again.items()} == \
           {r: IMPORTED.match(v["Status"]).groups() for r, v in first.items()}
    [batch] = batches(client, api_token)
    assert batch["accepted"] == 12


def test_users_imported_from_another_workbook_come_back_as_duplicates(press, client, api_token):
    first = WorkbookModel.from_template(PROFILE, control_panel_rows(10, prefix="dup"))
    press(first, "submit")
    overlapping = control_panel_rows(15, prefix="dup")[5:]  # dup5..dup14
    second = WorkbookModel.from_template(PROFILE, overlapping)
    second.name = "march.xlsm"
    press(second, "submit")
    values = grid(second, PROFILE)
    statuses = [values[r]["Status"] for r in range(3, 13)]
    assert statuses[:5] == ["Duplicate"] * 5
    assert all(IMPORTED.match(s) for s in statuses[5:])
    assert all("was already imported (batch" in values[r]["Errors"] for r in range(3, 8))
    assert all(values[r]["Password"] for r in range(3, 8))  # duplicates were not imported: kept
    assert sum(b["accepted"] for b in batches(client, api_token)) == 15
    assert "5 duplicates" in second.alerts[-1]["prompt"]


def test_a_problem_with_the_whole_sheet_sends_nothing(press, client, api_token):
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(5, prefix="whole"))
    model.sheet("Users").put(2, 2, "Secret")  # the Password header replaced: required column missing
    press(model, "submit")
    assert model.alerts[-1]["mode"] == "critical"
    assert "Nothing was sent" in model.alerts[-1]["prompt"]
    assert "Required column 'Password' is missing" in model.alerts[-1]["prompt"]
    assert batches(client, api_token) == []
    assert not any(IMPORTED.match(v["Status"] or "") for v in grid(model, PROFILE).values())


def test_when_the_import_service_refuses_nothing_is_marked_imported(app, press, client, api_token):
    app.config["MAX_BATCH_ROWS"] = 5
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(8, repairs=2, prefix="refused"))
    before = grid(model, PROFILE)
    press(model, "submit")
    alert = model.alerts[-1]
    assert alert["mode"] == "critical"
    assert "the server takes at most 5 per batch" in alert["prompt"]
    assert "Nothing was marked imported" in alert["prompt"]
    after = grid(model, PROFILE)
    assert {v["Status"] for v in after.values()} <= {"OK", "Fixed"}
    assert [v["Password"] for v in after.values()] == [v["Password"] for v in before.values()]
    assert batches(client, api_token) == []


def test_a_row_the_server_rejects_is_marked_on_the_cell_it_names(app, remote_book):
    """The server's answer for a row its own validation refuses, written back by record_answer."""
    from server.db import session_scope
    from server.imports import submit_batch

    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3, prefix="rej"))
    data = open_data_sheet(remote_book(model))
    check = check_sheet(data.profile, data.values, data.region)
    outbox = import_body(check, "controlpanel.xlsm", data.conf)
    outbox.body["rows"][1]["Username"] = "rej 1"  # what the server sees differs from the sheet
    with app.app_context(), session_scope(app) as session:
        answer = submit_batch(session, "controlpanel", outbox.body["rows"], idempotency_key=None,
                              submitted_by="tester", source=outbox.body["source"]).model_dump(mode="json")
    tally, clears = record_answer(check, outbox, answer, dt.datetime(2026, 1, 31, 10, 0, tzinfo=dt.UTC))
    assert (tally.imported, tally.rejected, tally.duplicates) == (2, 1, 0)
    rejected = check.marks[4]
    assert rejected.status == "Rejected"
    assert rejected.errors.startswith("Username: 'rej 1' may contain only letters and digits")
    assert rejected.marks == "E" + "." * 10
    assert check.marks[3].status.startswith("Imported 2026-01-31 10:00 UTC (id ")
    assert clears == {1: {3: None, 5: None}}  # the Password column of the two imported rows
