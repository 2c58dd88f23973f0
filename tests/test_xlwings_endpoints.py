"""Server mode: what Remote.bas sends, posted to /xlwings/*, and the answer applied to the template."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest
import xlwings
from openpyxl import load_workbook

from addin.profiles import all_profiles, get_profile
from addin.rules.columns import header_token
from addin.rules.engine import validate
from server.xlwings_endpoints import NO_LICENSE, alert_answer
from tests.conftest import EXAMPLES, ROOT
from tests.plugin_xlwings import (AMBER, PINNED_XLWINGS, RED, REMOTE_BAS, WorkbookModel, authorization, colours,
                                  control_panel_rows, grid, remote_actions)

PROFILE = get_profile("controlpanel")
COLOUR = {"error": RED, "fixed": AMBER}
LEVEL_ORDER = {"error": 0, "warning": 1, "fixed": 2}


def test_the_pinned_remote_bas_is_the_one_read():
    assert xlwings.__version__ == PINNED_XLWINGS
    assert REMOTE_BAS.is_file()
    assert {"setValues", "setNumberFormat", "rangeClearContents", "alert"} <= remote_actions()
    assert not {"addNote", "setComment", "setRangeColors"} & remote_actions()  # what it lacks


def test_every_action_we_answer_with_is_one_remote_bas_implements(press, api_token):
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(30, errors=5, repairs=5))
    used = set()
    for button in ("validate", "submit", "submit", "clear"):
        used |= {a["func"] for a in press(model, button)["actions"]}
    used |= {a["func"] for a in press(model, "validate", token="rb_wrong")["actions"]}
    used |= {a["func"] for a in alert_answer("x")["actions"]}
    assert used == {"setValues", "setNumberFormat", "rangeClearContents", "alert"}
    assert used <= remote_actions()


# --------------------------------------------------------------------------- the example workbooks

def example_model(profile_id: str):
    """The example file's rows typed into the profile's template (example row r -> template row r + 1)."""
    profile = get_profile(profile_id)
    book = load_workbook(EXAMPLES / f"{profile_id}.xlsx")
    sheet = book["Users"]
    headers = [c.value for c in sheet[1]]
    rows = [dict(zip(headers, values)) for values in sheet.iter_rows(min_row=2, values_only=True)]
    expected = defaultdict(set)
    for row, column, level, _why in book["What to expect"].iter_rows(min_row=2, values_only=True):
        if level != "ok":
            expected[row + 1].add((column, level))
        else:
            expected[row + 1]
    by_token = {h: profile.by_token[header_token(h)].header for h in headers}
    model = WorkbookModel.from_template(profile, [{by_token[h]: v for h, v in r.items()} for r in rows])
    return profile, model, expected, [headers, *[list(r.values()) for r in rows]]


def expected_colours(expected) -> dict[tuple[int, str], str]:
    colours_ = {}
    for row, findings in expected.items():
        worst: dict[str, str] = {}
        for column, level in findings:
            if column and (column not in worst or LEVEL_ORDER[level] < LEVEL_ORDER[worst[column]]):
                worst[column] = level
        colours_.update({(row, column): COLOUR[level] for column, level in worst.items() if level in COLOUR})
    return colours_


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_example_workbooks_come_back_coloured_as_their_expectations_say(press, profile_id):
    profile, model, expected, table = example_model(profile_id)
    answer = press(model)
    assert len(answer["actions"]) <= 2 + 2 * len(profile.columns)
    assert colours(model, profile) == expected_colours(expected)
    values = grid(model, profile)
    for row, findings in expected.items():
        status = values[row]["Status"]
        levels = {level for _, level in findings}
        if "error" in levels:
            assert status.endswith(("1 error", "errors")), (row, status)
        elif "fixed" in levels:
            assert status == "Fixed", (row, status)
        elif "warning" in levels:
            assert status.startswith("OK ("), (row, status)
        else:
            assert status == "OK" and values[row]["Errors"] is None, (row, status)
        for column, _level in findings:
            assert f"{column}:" in values[row]["Errors"] or column is None, (row, column)


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_example_repairs_are_written_back_exactly(press, profile_id):
    """Each repaired cell holds the engine's normalized value, as text; phones keep their '+'."""
    profile, model, _expected, table = example_model(profile_id)
    report = validate(profile, table)
    press(model)
    values = grid(model, profile)
    repaired = 0
    for result in report.rows:
        for finding in result.findings:
            if str(finding.level) != "fixed" or finding.column is None:
                continue
            column = next(c for c in profile.columns if c.header == finding.column)
            if any(str(f.level) == "error" and f.column == finding.column for f in result.findings):
                continue
            cell = values[result.row + 1][column.header]
            expected = result.values[column.key]
            if column.kind == "date":
                assert cell.date().isoformat() == expected
            else:
                assert cell == expected, (result.row, column.header, cell, expected)
            if column.kind == "phone" and not column.digits_only:
                assert cell.startswith("+")
            repaired += 1
    assert repaired > 0


# --------------------------------------------------------------------------- generated sheets, the budget

@pytest.mark.parametrize("size,bad", [(10, 0), (10, 10), (1000, 0), (1000, 10), (1000, 1000),
                                      (10_000, 0), (10_000, 10), (10_000, 1000)])
def test_validate_answers_with_the_same_actions_for_any_size(press, size, bad):
    repairs = max(1, bad // 2)
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(size, errors=bad, repairs=repairs))
    answer = press(model)
    assert [a["func"] for a in answer["actions"]] == ["setNumberFormat", "setValues", "setValues", "alert"]
    found = colours(model, PROFILE)
    assert sum(1 for c in found.values() if c == RED) == bad
    assert sum(1 for c in found.values() if c == AMBER) == repairs
    assert all(row["Phone"].startswith("+1408") for row in grid(model, PROFILE).values())


# --------------------------------------------------------------------------- Clear marks

def test_clear_marks_removes_every_status_error_and_colour_and_nothing_else(press):
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(200, errors=40, repairs=20))
    press(model)
    assert colours(model, PROFILE)
    users = model.sheet("Users")
    annotation = {12, 13, 14}
    data_before = {k: v for k, v in users.cells.items() if k[1] not in annotation or k[0] <= 2}
    formats_before = dict(users.cell_formats)
    answer = press(model, "clear")
    assert [a["func"] for a in answer["actions"]] == ["rangeClearContents"]
    assert colours(model, PROFILE) == {}
    assert all(users.get(r, c) is None for r in range(3, 203) for c in annotation)
    assert users.cells == data_before
    assert users.cell_formats == formats_before


# --------------------------------------------------------------------------- refusals: one alert each

def only_alert(answer) -> str:
    assert [a["func"] for a in answer["actions"]] == ["alert"]
    return answer["actions"][0]["args"][0]


@pytest.mark.parametrize("button", ["validate", "submit", "clear"])
def test_a_wrong_or_missing_token_gets_an_alert_and_no_change(client, button):
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3))
    for headers in ({}, authorization("rb_not-a-token")):
        response = client.post(f"/xlwings/{button}", data=model.payload_json(), content_type="application/json",
                               headers=headers)
        assert response.status_code == 200
        assert "did not accept your token" in only_alert(response.get_json())


def test_a_client_of_another_xlwings_version_is_told_to_get_a_fresh_template(client, api_token):
    payload = WorkbookModel.from_template(PROFILE, control_panel_rows(3)).payload()
    payload["version"] = "0.30.0"
    response = client.post("/xlwings/validate", json=payload, headers=authorization(api_token))
    prompt = only_alert(response.get_json())
    assert "0.30.0" in prompt and PINNED_XLWINGS in prompt and "fresh template" in prompt


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'{"sheets": 3}'])
def test_what_is_not_a_workbook_gets_an_alert(client, api_token, body):
    response = client.post("/xlwings/validate", data=body, content_type="application/json",
                           headers=authorization(api_token))
    assert response.status_code == 200
    assert only_alert(response.get_json())


def test_a_long_digit_string_with_a_leading_zero_is_explained(press, client, api_token):
    """VBA-JSON writes a 16+ character digit string bare: with a leading zero that is not JSON."""
    rows = control_panel_rows(2)
    rows[0]["Description"] = "1234567890123456789"  # bare but valid JSON: fine
    model = WorkbookModel.from_template(PROFILE, rows)
    press(model)
    assert grid(model, PROFILE)[3]["Status"] == "OK"
    rows[1]["Description"] = "0012345678901234567"
    model = WorkbookModel.from_template(PROFILE, rows)
    response = client.post("/xlwings/validate", data=model.payload_json(), content_type="application/json",
                           headers=authorization(api_token))
    assert "16-digit or longer number typed as text starting with 0" in only_alert(response.get_json())


NO_KEY_SCRIPT = """
import json, sys
from pathlib import Path
from tests.plugin_server import make_app, new_token
app = make_app(None, Path(sys.argv[1]))
token = new_token(app)
response = app.test_client().post("/xlwings/validate", data=sys.stdin.read(), content_type="application/json",
                                  headers={"Authorization": "Bearer " + token})
print(json.dumps({"status": response.status_code, "answer": response.get_json()}))
"""


def test_without_a_licence_key_the_server_says_what_to_set(tmp_path):
    """A server started without XLWINGS_LICENSE_KEY: xlwings has no remote engine at all."""
    env = {k: v for k, v in os.environ.items() if k != "XLWINGS_LICENSE_KEY"}
    env["PYTHONPATH"] = str(ROOT)
    env["HOME"] = str(tmp_path)  # nor a LICENSE_KEY in an xlwings user config
    payload = WorkbookModel.from_template(PROFILE, control_panel_rows(3)).payload_json()
    done = subprocess.run([sys.executable, "-c", NO_KEY_SCRIPT, str(tmp_path / "instance")], input=payload,
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    assert only_alert(result["answer"]) == NO_LICENSE
    assert "XLWINGS_LICENSE_KEY" in NO_LICENSE and "noncommercial" in NO_LICENSE
    assert "Traceback" not in done.stdout
