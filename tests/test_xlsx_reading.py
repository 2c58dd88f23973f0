"""The fast .xlsx reader (python-calamine, after addin/files/xlsx_package.py's checks) gives the values
the rules need, the same as openpyxl gives them: on the example workbooks and on a workbook
LibreOffice wrote (numbers stay numbers, so an Excel-damaged phone is still caught; dates,
booleans, formulas' cached values, formula errors). And the annotated copy, written by streaming,
read back by LibreOffice and by openpyxl."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook

from addin.files.checked_copy import ERROR_FILL, FIXED_FILL, HEADER_FILL
from addin.files.limits import ReadLimits
from addin.files.offline import check_file
from addin.files.readers import read_workbook, strip_blank_edges
from addin.files.xlsx_package import XlsxPackage
from addin.files.xlsx_stream import StreamingBook, cell_xml
from addin.profiles import all_profiles
from tests import hostile_files as hostile
from tests import lo_workbook as lw
from tests.conftest import EXAMPLES, ROOT

pytest_plugins = ["tests.conftest_libreoffice"]

XLSX_FILTER = "Calc MS Excel 2007 XML"


def openpyxl_rows(path: Path) -> tuple[list[list], int]:
    """The reference: what openpyxl's read-only reader gives (the reader rosterbook used before)."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    return strip_blank_edges(rows)


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_the_examples_read_as_openpyxl_reads_them(profile_id):
    table = read_workbook(EXAMPLES / f"{profile_id}.xlsx")
    rows, start = openpyxl_rows(EXAMPLES / f"{profile_id}.xlsx")
    width = max(map(len, rows))
    assert table.start_row == start
    assert [r + [None] * (width - len(r)) for r in table.rows] == rows
    assert [[type(v) for v in r] for r in table.rows] == [[type(v) for v in r] for r in rows]


def test_a_workbook_libreoffice_wrote(libreoffice, tmp_path):
    seed = tmp_path / "seed.xlsx"
    book = xlsxwriter.Workbook(seed)
    sheet = book.add_worksheet("Users")
    text = book.add_format({"num_format": "@"})
    sheet.set_column(1, 1, 16, text)  # the phone column, formatted as Text the way the template does
    sheet.set_column(9, 9, 8, text)
    sheet.write_row(0, 0, ["Type", "MobilePhone", "HomePhone", "Email", "Start", "Active", "Sum", "Broken",
                           "Joined", "Code", "Time"])
    book.close()
    typed = {  # (column, row): what an admin types, read through the cell's format
        (0, 1): "User", (1, 1): "+14081231234", (2, 1): "14081231234", (3, 1): "ana@example.com",
        (4, 1): "2026-01-31", (5, 1): "TRUE", (6, 1): "=1+1", (7, 1): "=1/0", (8, 1): '=A2&"-x"',
        (9, 1): "0042", (10, 1): "10:30", (0, 2): "Location", (2, 2): "1.40812E+10", (15, 4): "far away",
        (3, 4): " spaced ",
    }
    with libreoffice.document(seed) as doc:
        users = lw.sheet(doc, "Users")
        for (col, row), value in typed.items():
            lw.type_into(users, col, row, value)
        saved = lw.save_as(doc, tmp_path / "typed.xlsx", XLSX_FILTER)
    table = read_workbook(saved)
    rows, start = openpyxl_rows(saved)
    assert table.start_row == start == 1
    assert table.rows == rows
    assert [[type(v) for v in r] for r in table.rows] == [[type(v) for v in r] for r in rows]
    second = table.rows[1]
    assert second[1] == "+14081231234" and second[2] == 14081231234  # the Text cell kept its '+'
    assert second[4] == dt.datetime(2026, 1, 31) and second[5] is True and second[6] == 2
    assert second[7] == "#DIV/0!" and second[8] == "User-x" and second[9] == "0042"
    assert table.rows[4][15] == "far away" and table.rows[4][3] == " spaced "


def test_merged_ranges_hidden_rows_and_widths_are_known_without_reading_cells(tmp_path):
    path = tmp_path / "layout.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Users")
    sheet.set_column(0, 0, 30)
    sheet.write_row(0, 0, ["Type", "LastName"])
    sheet.write_row(1, 0, ["User", "Poe"])
    sheet.set_row(2, None, None, {"hidden": True})
    sheet.write_row(2, 0, ["User", "Hidden"])
    sheet.merge_range("C1:D1", "merged")
    book.close()
    package = XlsxPackage(path, ReadLimits())
    try:
        scan = package.scan(package.sheets[0])
    finally:
        package.close()
    assert scan.hidden_rows == [3] and scan.merged == ["C1:D1"]
    assert (scan.first_row, scan.last_row) == (1, 3)
    assert scan.columns[0].first == 1 and scan.columns[0].width == pytest.approx(30.7109375)


def test_a_sheet_starting_away_from_a1_keeps_its_row_and_column_numbers(tmp_path):
    path = tmp_path / "offset.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Users")
    sheet.write_row(4, 2, ["Type", "LastName"])
    sheet.write_row(6, 3, ["Poe", 14081231234])
    book.close()
    table = read_workbook(path)
    rows, start = openpyxl_rows(path)
    assert (table.start_row, table.rows) == (start, rows) == (5, [[None, None, "Type", "LastName", None],
                                                                  [None] * 5, [None, None, None, "Poe", 14081231234]])


def test_cells_without_references_are_read_where_calamine_puts_them(tmp_path):
    rows = ['<row r="2"><c t="inlineStr"><is><t>User</t></is></c><c t="inlineStr"><is><t>Poe</t></is></c></row>',
            '<row><c t="inlineStr"><is><t>User</t></is></c><c r="B4" t="inlineStr"><is><t>Doe</t></is></c></row>']
    table = read_workbook(hostile.workbook(tmp_path / "plain.xlsx", rows))
    assert table.rows == [["Type", "LastName"], ["User", "Poe"], ["User", None], [None, "Doe"]]


# --------------------------------------------------------------------------- the annotated copy

def test_the_checked_copy_as_libreoffice_and_openpyxl_read_it(libreoffice, tmp_path):
    source = Path(shutil.copy(EXAMPLES / "iplum.xlsx", tmp_path / "iplum.xlsx"))
    result = check_file(source, "iplum")
    copy = result.annotated
    header = ["Status", "iPlum ID (phone/email)", "Phone #", "Email", "Name", "Errors"]

    book = load_workbook(copy)
    users = book.worksheets[0]
    assert [c.value for c in users[1]] == header
    assert users.freeze_panes == "B2"  # under the header, beside the Status column
    assert users["C1"].font.b and users["C1"].fill.fgColor.rgb == "FF" + HEADER_FILL
    assert users.column_dimensions["C"].number_format == "@"
    assert users.column_dimensions["F"].width >= 60 and not users["F1"].alignment.wrap_text
    assert users["F6"].alignment.wrap_text
    assert users["C4"].value == "+14155550123" and users["C4"].fill.fgColor.rgb == "FF" + FIXED_FILL
    assert users["C6"].value == "1.40812E+10" and users["C6"].fill.fgColor.rgb == "FF" + ERROR_FILL
    assert users["A6"].value == "1 error" and users["A6"].fill.fgColor.rgb == "FF" + ERROR_FILL
    assert users["A2"].value == "OK" and users["C2"].fill.fill_type is None
    statuses = {r.row: r.status_text for r in result.report.rows}
    assert {row[0].row: row[0].value for row in users.iter_rows(min_row=2) if row[0].value} == statuses

    with libreoffice.document(copy) as doc:
        sheet = doc.Sheets.getByIndex(0)
        seen = {
            "rows": lw.used_rows(sheet)[:3],
            "restored": (sheet.getCellByPosition(2, 3).String, sheet.getCellByPosition(2, 3).CellBackColor,
                         lw.number_format(doc, sheet, 2, 3)),
            "error": (sheet.getCellByPosition(2, 5).String, sheet.getCellByPosition(2, 5).CellBackColor),
            "status": (sheet.getCellByPosition(0, 5).String, sheet.getCellByPosition(0, 5).CellBackColor),
            "wrapped": sheet.getCellByPosition(5, 5).IsTextWrapped,
            "bold header": sheet.getCellByPosition(1, 0).CharWeight,
            "frozen": doc.CurrentController.hasFrozenPanes(),
        }
    assert seen["rows"][0] == tuple(header)
    assert seen["restored"] == ("+14155550123", int(FIXED_FILL, 16), "@")
    assert seen["error"] == ("1.40812E+10", int(ERROR_FILL, 16))
    assert seen["status"] == ("1 error", int(ERROR_FILL, 16))
    assert seen["wrapped"] and seen["bold header"] == 150 and seen["frozen"]


def test_a_template_copy_keeps_its_settings_and_can_be_checked_again(tmp_path):
    book = load_workbook(ROOT / "workbooks" / "pbx.xlsm", keep_vba=True)
    users = book.worksheets[0]
    for column, value in enumerate(["User", "Poe", "Edgar", "EDGAR@Example.com"], start=1):
        users.cell(3, column, value)
    users.cell(4, 1, "Robot")
    users.cell(4, 2, "Doe")
    book.save(tmp_path / "team.xlsm")
    first = check_file(tmp_path / "team.xlsm", None)  # the template names its format
    copy = load_workbook(first.annotated)
    assert copy["xlwings.conf"].sheet_state == "hidden"
    again = check_file(first.annotated, None, out=tmp_path / "again.xlsx")
    assert again.profile.id == "pbx"
    assert [(r.row, r.status_text) for r in first.report.rows] == [(3, "Fixed"), (4, "2 errors")]
    # the copy holds the repaired value, so it is OK now; the rows keep their numbers
    assert [(r.row, r.status_text) for r in again.report.rows] == [(3, "OK"), (4, "2 errors")]
    header = [c.value for c in load_workbook(tmp_path / "again.xlsx").worksheets[0][2]]
    assert header.count("Status") == 1 and header.count("Errors") == 1 and "Marks" not in header


def test_notes_on_cells_as_libreoffice_and_openpyxl_read_them(libreoffice, tmp_path):
    """The streamed writer's cell notes (for a merged annotated copy that keeps each repaired cell's
    original value in a note), more than one block of 1,024 legacy-drawing shapes included."""
    path = tmp_path / "notes.xlsx"
    book = StreamingBook(path)
    sheet = book.add_sheet("Users")
    for n in range(1, 1201):
        sheet.row(n, cell_xml(f"C{n}", f"value {n}", 0, {}))
        sheet.note(n, 2, f"It held: <{n}> & more")
    sheet.close()
    book.close()
    users = load_workbook(path).active
    assert users["C1"].comment.text == "It held: <1> & more" and users["C1200"].comment.text == "It held: <1200> & more"
    with libreoffice.document(path) as doc:
        notes = lw.notes(doc.Sheets.getByIndex(0))
    assert len(notes) == 1200 and notes[(2, 0)] == "It held: <1> & more" and notes[(2, 1199)] == "It held: <1200> & more"
