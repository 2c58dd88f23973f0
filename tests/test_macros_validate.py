"""Validate in local mode: addin.macros.validate on the Book xlwings builds (its remote engine is
the one that runs here), with every engine call counted and the actions applied to the template."""
from __future__ import annotations

import pytest
import xlwings

from addin import macros
from addin.profiles import get_profile
from tests.plugin_xlwings import AMBER, RED, WorkbookModel, colours, control_panel_rows, grid, run_local

PROFILE = get_profile("controlpanel")
SIZES_AND_BAD_CELLS = [(10, 0), (10, 10), (1000, 0), (1000, 10), (1000, 1000),
                       (10_000, 0), (10_000, 10), (10_000, 1000)]


@pytest.mark.parametrize("size,bad", SIZES_AND_BAD_CELLS)
def test_excel_calls_do_not_grow_with_rows_or_bad_cells(size, bad):
    """2 reads (conf sheet, data sheet) + 1 Status/Errors/Marks write + 1 alert, and 2 per column
    that receives repaired values (here: Phone, whatever the number of repaired phones)."""
    repairs = max(1, bad // 2)
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(size, errors=bad, repairs=repairs))
    counts = run_local(model, macros.validate)
    assert counts["reads"] == 2
    assert counts["writes"] == 2 + 2
    assert counts["reads"] + counts["writes"] == 4 + 2 * 1
    assert (counts["setValues"], counts["setNumberFormat"], counts["alert"]) == (2, 1, 1)
    found = colours(model, PROFILE)
    assert sum(1 for c in found.values() if c == RED) == bad
    assert sum(1 for c in found.values() if c == AMBER) == repairs
    phones = [row["Phone"] for row in grid(model, PROFILE).values()]
    assert all(isinstance(p, str) and p.startswith("+1408") and len(p) == 12 for p in phones)


def test_a_clean_sheet_costs_four_calls():
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(50))
    counts = run_local(model, macros.validate)
    assert counts["reads"] + counts["writes"] == 4
    assert all(row["Status"] == "OK" and row["Errors"] is None for row in grid(model, PROFILE).values())


def test_each_repaired_column_adds_two_calls():
    rows = control_panel_rows(30, repairs=5)
    for row in rows[::7]:
        row["Email"] = row["Email"].upper().replace("USER", "user")  # domain in capitals: repaired
        row["Admin?"] = "yes"  # written TRUE
    model = WorkbookModel.from_template(PROFILE, rows)
    counts = run_local(model, macros.validate)
    assert counts["reads"] + counts["writes"] == 4 + 2 * 3
    values = grid(model, PROFILE)
    assert {values[r]["Admin?"] for r in range(3, 33, 7)} == {"TRUE"}
    assert all(values[r]["Email"].endswith("@example.com") for r in values)


def test_statuses_errors_and_colours_per_row():
    rows = control_panel_rows(4)
    rows[1]["Username"] = "bad user"
    rows[2]["Phone"] = 14085550177.0
    rows[3]["Password"] = None
    model = WorkbookModel.from_template(PROFILE, rows)
    run_local(model, macros.validate)
    values = grid(model, PROFILE)
    assert values[3]["Status"] == "OK" and values[3]["Errors"] is None and values[3]["Marks"] == "." * 11
    assert values[4]["Status"] == "1 error"
    assert values[4]["Errors"].startswith("Username: 'bad user' may contain only letters and digits")
    assert values[5]["Status"] == "Fixed" and values[5]["Phone"] == "+14085550177"
    assert "Restored as '+14085550177'" in values[5]["Errors"]
    assert values[6]["Errors"] == "Password: required, but the cell is empty"
    assert colours(model, PROFILE) == {(4, "Username"): RED, (5, "Phone"): AMBER, (6, "Password"): RED}


def test_a_phone_pasted_with_a_general_format_keeps_its_plus():
    """Values pasted with their formats replace the column's Text format cell by cell: the repaired
    phone is only safe because its cell gets the Text format before the value."""
    rows = control_panel_rows(20, repairs=20)
    model = WorkbookModel.from_template(PROFILE, rows)
    users = model.sheet("Users")
    for row in model.users_rows():
        users.cell_formats[(row, 9)] = "General"
    run_local(model, macros.validate)
    phones = [grid(model, PROFILE)[r]["Phone"] for r in model.users_rows()]
    assert sorted(phones) == sorted(f"+{14085550100 + i}" for i in range(20))


def test_old_marks_go_when_the_cell_is_fixed():
    rows = control_panel_rows(5, errors=3)
    model = WorkbookModel.from_template(PROFILE, rows)
    run_local(model, macros.validate)
    assert len(colours(model, PROFILE)) == 3
    model.fill_rows(PROFILE, control_panel_rows(5))  # the admin corrects every cell
    run_local(model, macros.validate)
    assert colours(model, PROFILE) == {}
    assert {row["Status"] for row in grid(model, PROFILE).values()} == {"OK"}


def test_sorted_rows_keep_their_own_marks():
    rows = control_panel_rows(6, errors=2, seed=3)
    model = WorkbookModel.from_template(PROFILE, rows)
    run_local(model, macros.validate)
    users = model.sheet("Users")
    width = users.extent()[1]
    before = {tuple(users.row_values(r, 11)): users.row_values(r, width)[11:] for r in model.users_rows()}
    table = [users.row_values(r, width) for r in model.users_rows()]
    table.sort(key=lambda cells: str(cells[0]), reverse=True)  # Excel sorts whole table rows
    for offset, cells in enumerate(table):
        for column, value in enumerate(cells, start=1):
            users.put(3 + offset, column, value)
    run_local(model, macros.validate)
    after = {tuple(users.row_values(r, 11)): users.row_values(r, width)[11:] for r in model.users_rows()}
    assert after == before


def test_blank_rows_in_the_middle_are_skipped_and_lose_old_marks():
    rows = control_panel_rows(5, errors=1, seed=2)
    rows[2] = {}
    model = WorkbookModel.from_template(PROFILE, rows)
    users = model.sheet("Users")
    users.put(5, 12, "3 errors")  # a stale status on the now blank row
    users.put(5, 14, "EEE........")
    run_local(model, macros.validate)
    values = grid(model, PROFILE)
    assert values[5]["Status"] is None and values[5]["Marks"] is None
    assert {values[r]["Status"] for r in (3, 4, 6, 7)} <= {"OK", "1 error"}
    assert sum(1 for r in values.values() if r["Status"] == "1 error") == 1


def test_extra_columns_at_the_right_are_left_alone_and_named_in_the_alert():
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3))
    users = model.sheet("Users")
    users.put(2, 15, "Notes")
    for row in (3, 4, 5):
        users.put(row, 15, f"note {row}")
    run_local(model, macros.validate)
    assert [users.get(r, 15) for r in (2, 3, 4, 5)] == ["Notes", "note 3", "note 4", "note 5"]
    assert "'Notes' (column O) is not part of the Control Panel format" in model.alerts[-1]["prompt"]


def test_a_renamed_data_sheet_is_found_by_its_header_from_any_active_sheet():
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3, errors=1))
    model.sheet("Users").name = "Staff (March)"
    model.active = 1  # the Instructions sheet is active
    run_local(model, macros.validate)
    statuses = [row["Status"] for row in grid(model, PROFILE, sheet="Staff (March)").values()]
    assert sorted(statuses) == ["1 error", "OK", "OK"]


def test_a_title_row_above_the_header_and_missing_status_columns():
    """A plain sheet pasted in: title in row 1, header in row 3, no Status/Errors/Marks yet."""
    model = WorkbookModel.from_template(PROFILE)
    users = model.sheet("Users")
    users.cells.clear()
    users.put(1, 1, "New starters, March")
    for column, c in enumerate(PROFILE.columns[:2], start=1):
        users.put(3, column, c.header)
    users.put(4, 1, "alice1")
    users.put(4, 2, "secret")
    users.put(5, 1, "bob smith")
    users.put(5, 2, "secret")
    run_local(model, macros.validate)
    assert [users.get(3, c) for c in (3, 4, 5)] == ["Status", "Errors", "Marks"]
    assert [users.get(r, 3) for r in (4, 5)] == ["OK", "1 error"]


def test_imported_rows_are_left_as_they_are():
    rows = control_panel_rows(2)
    rows[0]["Password"] = None  # emptied by Submit
    model = WorkbookModel.from_template(PROFILE, rows)
    model.sheet("Users").put(3, 12, "Imported 2026-01-31 10:00 UTC (id 7, batch 2)")
    run_local(model, macros.validate)
    values = grid(model, PROFILE)
    assert values[3]["Status"] == "Imported 2026-01-31 10:00 UTC (id 7, batch 2)"
    assert values[3]["Marks"] is None and values[4]["Status"] == "OK"
    assert "1 row already imported: left as it is." in model.alerts[-1]["prompt"]


def test_the_caller_book_is_used_when_no_book_is_given():
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3, errors=1))
    book = xlwings.Book(json=model.payload())
    book.set_mock_caller()
    try:
        macros.validate()
        model.apply_actions(book.json())
    finally:
        del xlwings.Book._mock_caller
        book.close()
    assert len(colours(model, PROFILE)) == 1


@pytest.mark.parametrize("damage,words", [
    ("no conf", "not a rosterbook template"),
    ("unknown profile", "import format 'acme'"),
    ("no header", "No sheet in this workbook has the Control Panel header row"),
])
def test_a_workbook_that_cannot_be_checked_gets_one_alert_and_nothing_else(damage, words):
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3))
    if damage == "no conf":
        model.sheets = [s for s in model.sheets if s.name != "xlwings.conf"]
    elif damage == "unknown profile":
        model.set_config("rosterbook.profile", "acme")
    else:
        for column in range(1, 15):
            model.sheet("Users").put(2, column, None)  # header row deleted
    before = dict(model.sheet("Users").cells)
    counts = run_local(model, macros.validate)
    assert counts["writes"] == counts["alert"] == 1
    assert words in model.alerts[-1]["prompt"]
    assert model.alerts[-1]["mode"] == "critical"
    assert model.sheet("Users").cells == before


def test_the_alert_fits_a_message_box():
    """VBA's MsgBox shows at most 1,024 characters: a sheet with many problems still gets a readable alert."""
    model = WorkbookModel.from_template(PROFILE, control_panel_rows(3))
    users = model.sheet("Users")
    for offset in range(40):
        users.put(2, 15 + offset, f"Extra column number {offset} that nobody asked for")
    run_local(model, macros.validate)
    prompt = model.alerts[-1]["prompt"]
    assert len(prompt) <= 1024
    assert prompt.startswith("Checked 3 users: 3 OK, 0 with errors.")
    assert "- and 36 more" in prompt
