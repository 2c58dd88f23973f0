"""Merged cells and hidden rows: a merged range is named where its empty cells are reported, a
hidden (or filtered-out) row is reported as hidden, and --skip-hidden (the template's
setting.skip_hidden, the upload page's choice) leaves such rows out."""
from __future__ import annotations

import json

from openpyxl import Workbook, load_workbook

from addin.profiles import get_profile
from addin.sheet.validation import HIDDEN_UNKNOWN
from addin.rules.settings import CONF_SHEET, PROFILE_KEY, SETTING_PREFIX
from tests.cli import run_validate
from tests.plugin_xlwings import WorkbookModel, authorization, control_panel_rows
from tests.web_client import admin, web  # noqa: F401

HEADER = ["Type", "LastName", "FirstName", "Email", "Extension"]


def staff(path, *, merged=(), hidden=(), filtered=False, skip_hidden=None):
    """Rows 2-6: Poe, Lee, Kim (same email as Poe), Orr, Ash; the Type of rows 3-4 typed once and merged."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Staff"
    sheet.append(HEADER)
    sheet.append(["User", "Poe", "Ed", "ed@example.com", "2001"])
    sheet.append(["Location", "Lobby", None, None, "2002"])
    sheet.append([None, "Hall", None, None, "2003"])
    sheet.append(["User", "Kim", "Jo", "ed@example.com", "2004"])
    sheet.append(["User", "Orr", "Al", "al@example.com", "2005"])
    for cells in merged:
        sheet.merge_cells(cells)
    for row in hidden:
        sheet.row_dimensions[row].hidden = True
    if filtered:
        sheet.auto_filter.ref = "A1:E6"
        sheet.auto_filter.add_filter_column(1, ["Poe", "Lobby", "Hall", "Orr"])
    if skip_hidden is not None:
        conf = book.create_sheet(CONF_SHEET)
        conf.append([PROFILE_KEY, "pbx"])
        conf.append([SETTING_PREFIX + "skip_hidden", skip_hidden])
        conf.sheet_state = "hidden"
    book.save(path)
    return path


def findings(done) -> list[tuple]:
    return [(f["row"], f["column"], f["level"], f["message"]) for f in json.loads(done.stdout)["findings"]]


def test_merged_cells_are_named_in_the_finding(tmp_path):
    """The issue's case: merged Type cells gave "Type: required, but the cell is empty", no word of the merge."""
    done = run_validate(staff(tmp_path / "m.xlsx", merged=["A3:A4"]), "--json", "--no-copy", check_exit=1)
    [(row, column, level, message)] = [f for f in findings(done) if f[1] == "Type"]
    assert (row, column, level) == (4, "Type", "error")
    assert message == ("Type: required, but the cell is empty (A3:A4 are merged: only A3 holds a value; unmerge the "
                       "cells and fill in each one)")


def test_a_merged_optional_cell_is_a_warning_since_the_admin_sees_a_value_there(tmp_path):
    path = staff(tmp_path / "m.xlsx", merged=["E5:E6"])  # Extension typed once for Kim and Orr
    done = run_validate(path, "--json", "--no-copy", "--profile", "pbx")
    [merged] = [f for f in findings(done) if f[1] == "Extension"]
    assert merged == (6, "Extension", "warning", "Extension: E5:E6 are merged: only E5 holds a value, so this row's "
                      "Extension is read as empty; unmerge the cells and fill in each one")
    wide = run_validate(staff(tmp_path / "w.xlsx", merged=["B2:C2"]), "--json", "--no-copy")
    [first_name] = [f for f in findings(wide) if f[1] == "FirstName"]
    assert first_name == (2, "FirstName", "warning", "FirstName: B2:C2 are merged: only B2 holds a value, so this "
                          "row's FirstName is read as empty; unmerge the cells and fill in each one")


def test_a_hidden_row_is_reported_and_so_is_a_duplicate_pointing_at_it(tmp_path):
    """The issue's case: a hidden row was checked and would be imported, and its duplicate was
    reported on a visible row pointing at a row the admin cannot see."""
    done = run_validate(staff(tmp_path / "h.xlsx", hidden=[5]), "--json", "--no-copy", check_exit=1)
    found = findings(done)
    assert (5, None, "warning", "This row is hidden in the sheet (or filtered out), so you may not see it: it is "
            "checked and imported like the others") in found
    [pointing] = [f for f in found if f[0] == 2]
    assert pointing[3] == "Email: 'ed@example.com' is also in row 5 (hidden); each user must appear only once"
    assert json.loads(done.stdout)["read"]["hidden_rows"] == [5]
    summary = run_validate(tmp_path / "h.xlsx", "--no-copy", check_exit=1).stdout
    assert "Read: Row 5 is hidden in the sheet (or filtered out): checked and imported like the others" in summary


def test_filtered_out_rows_count_as_hidden(tmp_path):
    path = staff(tmp_path / "f.xlsx", hidden=[5], filtered=True)
    assert json.loads(run_validate(path, "--json", "--no-copy").stdout)["read"]["hidden_rows"] == [5]


def test_skip_hidden_leaves_hidden_rows_out(tmp_path):
    path = staff(tmp_path / "h.xlsx", hidden=[5])
    done = run_validate(path, "--skip-hidden", "--json", check_exit=1)  # row 4 still lacks its Type
    report = json.loads(done.stdout)
    assert report["rows"] == 4 and {f["row"] for f in report["findings"]} == {4}
    assert report["read"]["hidden_rows_left_out"] is True
    copy = load_workbook(tmp_path / "h.checked.xlsx").active
    assert [copy.cell(row=r, column=1).value for r in range(2, 7)] == ["OK", "OK", "1 error", "Hidden: left out", "OK"]
    assert copy["C5"].value == "Kim"  # the row's values are still there


def test_a_workbooks_skip_hidden_setting_is_honoured(tmp_path):
    on = json.loads(run_validate(staff(tmp_path / "on.xlsx", hidden=[5], skip_hidden="TRUE"), "--json",
                                 "--no-copy").stdout)
    off = json.loads(run_validate(staff(tmp_path / "off.xlsx", hidden=[5], skip_hidden="FALSE"), "--json",
                                  "--no-copy").stdout)
    assert (on["rows"], on["read"]["hidden_rows_left_out"]) == (4, True)
    assert (off["rows"], off["read"]["hidden_rows_left_out"]) == (5, False)


# --------------------------------------------------------------------------- the upload page

def test_the_upload_page_names_merges_and_hidden_rows_and_can_leave_them_out(web, tmp_path):
    content = staff(tmp_path / "s.xlsx", merged=["A3:A4"], hidden=[5]).read_bytes()
    page = web.upload(content, "s.xlsx", "pbx").text.replace("&#39;", "'")
    assert "(A3:A4 are merged: only A3 holds a value; unmerge the cells and fill in each one)" in page
    assert "This row is hidden in the sheet (or filtered out)" in page
    assert "is also in row 5 (hidden)" in page and "Import the 2 valid rows" in page
    left_out = web.upload(content, "s.xlsx", "pbx", skip_hidden="1").text
    assert "Row 5 is hidden in the sheet (or filtered out): left out, as asked." in left_out
    assert "Import the 3 valid rows" in left_out and "(hidden)" not in left_out


# --------------------------------------------------------------------------- the template's buttons

def test_the_templates_buttons_say_they_cannot_see_hidden_rows_and_submit_nothing(press, client, api_token):
    """Server mode: Excel sends the values only, so setting.skip_hidden cannot be honoured there."""
    profile = get_profile("controlpanel")
    model = WorkbookModel.from_template(profile, control_panel_rows(5, prefix="hid"))
    model.set_config(SETTING_PREFIX + "skip_hidden", "TRUE")
    press(model, "validate")
    assert HIDDEN_UNKNOWN in model.alerts[-1]["prompt"].replace("\n- ", " ")
    press(model, "submit")
    assert model.alerts[-1]["prompt"].startswith("Nothing was sent: the sheet as a whole has a problem to fix first.")
    assert client.get("/api/v1/imports", headers=authorization(api_token)).get_json()["items"] == []
    model.set_config(SETTING_PREFIX + "skip_hidden", "FALSE")
    press(model, "submit")
    assert model.alerts[-1]["prompt"].startswith("Sent 5 rows to the import server: 5 imported")
