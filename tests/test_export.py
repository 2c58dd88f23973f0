"""Vendor exports: exactly the file each seed describes, formulas neutralised, passwords while kept."""
from __future__ import annotations

import csv
import io
import uuid

import pytest
import requests

from addin.files.export import CSV_TYPE, XLSX_TYPE, export_rows, is_formula_risk
from addin.profiles import get_profile
from addin.rules.engine import validate_records
from tests.server_rows import example_row, example_rows


def normalized(profile_id: str, rows: list[dict], passwords: bool = True) -> list[dict[str, str]]:
    """What the export gets for accepted rows: the engine's values, with the passwords (kept
    apart, encrypted, while the batch holds them) or without."""
    profile = get_profile(profile_id)
    report = validate_records(profile, rows)
    assert report.errors == 0, [f.message for f in report.findings()]
    return [{k: v for k, v in r.values.items() if v and (passwords or not profile.by_key[k].secret)}
            for r in report.rows]


def lines(exported) -> list[list[str]]:
    assert exported.mimetype == CSV_TYPE
    return list(csv.reader(io.StringIO(exported.content.decode("utf-8"), newline="")))


def test_controlpanel_is_headerless_positional_with_trailing_empties_trimmed():
    rows = [
        {"Username": "User1", "Password": "pwd-secret-1"},
        {"Username": "User3", "Password": "pwd-secret-3", "Firstname": "firstname", "Lastname": "lastname",
         "Admin?": "1", "Description": "user 3 description", "Enabled?": "yes"},
        {"Username": "User4", "Password": "pwd-secret-4", "Plan name": "plan2", "Enabled?": "no"},
    ]
    exported = export_rows(get_profile("controlpanel"), normalized("controlpanel", rows), "cp")
    assert exported.filename == "cp.csv"
    # The seed's own example lines
    assert exported.content.decode().split("\r\n") == [
        "User1,pwd-secret-1",
        "User3,pwd-secret-3,,firstname,,lastname,TRUE,,,user 3 description,TRUE",
        "User4,pwd-secret-4,plan2,,,,,,,,FALSE",
        "",
    ]
    # and without passwords (after they were erased) the password cells are empty
    erased = export_rows(get_profile("controlpanel"), normalized("controlpanel", rows, passwords=False), "cp")
    assert erased.content.decode().split("\r\n")[:2] == ["User1", "User3,,,firstname,,lastname,TRUE,,,user 3 description,TRUE"]


def test_ipass_header_uses_the_vendor_spelling_and_true_false():
    row = example_row("ipass", 1) | {"fname": "Ann", "lname": "Lee", "activateNotification": "no"}
    del row["suspendNotifcation"]
    row["suspendNotification"] = "1"  # the accepted spelling on input
    exported = export_rows(get_profile("ipass"), normalized("ipass", [row]), "ipass")
    header, line = lines(exported)
    assert header == ["fname", "lname", "username", "email", "company", "password", "departmentCode", "trialStart",
                      "trialEnd", "activateNotification", "suspendNotifcation", "homeCountry", "action"]
    values = dict(zip(header, line))
    assert (values["activateNotification"], values["suspendNotifcation"]) == ("False", "True")
    assert values["password"] == ""


def test_ipass_with_international_names_is_xlsx(libreoffice, tmp_path):
    rows = normalized("ipass", [example_row("ipass", 1) | {"fname": "Zoë", "lname": "Müller"},
                                example_row("ipass", 2) | {"fname": "Ann", "departmentCode": "=1+2"}])
    exported = export_rows(get_profile("ipass"), rows, "ipass-7")
    assert (exported.filename, exported.mimetype) == ("ipass-7.xlsx", XLSX_TYPE)
    path = tmp_path / exported.filename
    path.write_bytes(exported.content)
    with libreoffice.document(path) as doc:  # LibreOffice as the independent reader
        sheet = doc.Sheets.getByIndex(0)
        cell = lambda c, r: sheet.getCellByPosition(c, r)  # noqa: E731
        header = [cell(c, 0).String for c in range(13)]
        assert header[10] == "suspendNotifcation"
        assert (cell(0, 1).String, cell(1, 1).String) == ("Zoë", "Müller")
        department = cell(header.index("departmentCode"), 2)
        assert department.String == "=1+2" and department.getType().value == "TEXT"  # text, never a formula
        company = cell(header.index("company"), 1)
        assert company.String == "12345" and company.getType().value == "TEXT"


def test_iplum_keeps_the_plus_of_valid_phones():
    rows = [{"iPlum ID (phone/email)": "phone", "Phone #": "+1 408 123 1234", "Email": "a@example.com", "Name": "A"},
            {"iPlum ID (phone/email)": "email", "Phone #": 14155550123, "Email": "b@example.com", "Name": "B"}]
    header, first, second = lines(export_rows(get_profile("iplum"), normalized("iplum", rows), "iplum"))
    assert header == ["iPlum ID (phone/email)", "Phone #", "Email", "Name"]
    assert first[1] == "+14081231234" and second[1] == "+14155550123"


def test_pbx_flags_and_digits_in_vendor_form():
    row = example_row("pbx", 1) | {"Privacy": "yes", "VM": "TRUE", "HomePhone": "+1 (408) 555-0100",
                                   "OutgoingCLID": "-1", "KeyProfile": "-1", "IncomingDID": "+1 408 555 0123"}
    header, line = lines(export_rows(get_profile("pbx"), normalized("pbx", [row]), "pbx"))
    assert header[:5] == ["Type", "FirstName", "LastName", "Email", "HomePhone"]
    values = dict(zip(header, line))
    assert (values["Privacy"], values["VM"]) == ("y", "y")
    assert values["HomePhone"] == "14085550100"
    # declared vendor values and valid phones keep their leading '-' / '+'
    assert (values["OutgoingCLID"], values["KeyProfile"], values["IncomingDID"]) == ("-1", "-1", "+14085550123")


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\")", "+SUM(1)", "-2+3", "@SUM(A1)", "\tx"])
def test_cells_a_spreadsheet_would_run_are_neutralised(dangerous):
    profile = get_profile("commpeak")
    rows = [{"username": "agent1", "email": "a@example.com", "custom_uri": dangerous}]
    header, line = lines(export_rows(profile, rows, "c"))
    assert line[header.index("Custom URI")] == "'" + dangerous
    assert header[0] == "Username"


def test_formula_risk_rules_come_from_the_columns():
    pbx = get_profile("pbx")
    assert not is_formula_risk(pbx.by_key["incoming_did"], "+14085550123")
    assert is_formula_risk(pbx.by_key["incoming_did"], "+1408=")
    assert is_formula_risk(pbx.by_key["last_name"], "+14085550123")  # not a phone column
    assert not is_formula_risk(pbx.by_key["key_profile"], "-1")
    assert is_formula_risk(pbx.by_key["key_profile"], "-2")


@pytest.mark.parametrize("profile_id", ["commpeak", "iplum", "pbx", "controlpanel", "ipass"])
def test_export_over_the_api_has_only_the_accepted_rows(served_sqlite, profile_id):
    served = served_sqlite
    rows = example_rows(profile_id, 3, 500_000)
    rows.append({get_profile(profile_id).columns[0].header: "=bad"})  # rejected: not exported
    created = requests.post(served.url + "/api/v1/imports", json={"profile": profile_id, "rows": rows},
                            headers=served.headers(str(uuid.uuid4())), timeout=60).json()
    assert created["accepted"] == 3
    answer = requests.get(f"{served.url}/api/v1/imports/{created['batch_id']}/export", headers=served.headers(),
                          timeout=60)
    assert answer.status_code == 200
    expected = export_rows(get_profile(profile_id), normalized(profile_id, rows[:3]),
                           f"{profile_id}-batch-{created['batch_id']}")
    assert answer.content == expected.content or answer.headers["Content-Type"] == XLSX_TYPE
    assert answer.headers["Content-Type"].split(";")[0] == expected.mimetype
    assert f'filename="{expected.filename}"' in answer.headers["Content-Disposition"]
