"""The sheet and the header row the users are on: found by what matches the format (a cover sheet
first, a title above the header), named with --sheet / --header-row (and the upload page's fields),
and said in every report."""
from __future__ import annotations

import json
import shutil

import pytest
from openpyxl import Workbook, load_workbook

from addin.files.readers import ReadOptions, read_workbook
from addin.profiles import get_profile
from addin.rules.settings import CONF_SHEET, PROFILE_KEY, SHEET_KEY
from tests.cli import run_validate, write_csv
from tests.conftest import EXAMPLES
from tests.web_client import admin, web  # noqa: F401

HEADER = ["Type", "LastName", "FirstName", "Email", "Extension"]
USERS = [["User", "Poe", "Ed", "ed@example.com", "2001"], ["User", "Lee", "Ann", "ann@example.com", "2002"]]


def covered_workbook(path, title_rows=(("Users for March 2026",),), cover=True, other_first=False):
    """A cover sheet first, then the users under a title; optionally another sheet with a few
    format words in it."""
    book = Workbook()
    first = book.active
    if cover:
        first.title = "Cover"
        first.append(["ACME staff import"])
        first.append(["Prepared by HR", "Type of file: users"])
        users = book.create_sheet("Staff")
    else:
        first.title = "Staff"
        users = first
    if other_first:
        notes = book.create_sheet("Notes", 0)
        notes.append(["Email", "is the login"])
    for row in title_rows:
        users.append(list(row))
    users.append(HEADER)
    for row in USERS:
        users.append(row)
    book.save(path)
    return path


def test_a_cover_sheet_and_a_title_row_are_passed_over_and_named(tmp_path):
    """The issue's case: the cover sheet was read, and a title row gave "Required column 'Type' is
    missing", with no word of the sheet or row used."""
    path = covered_workbook(tmp_path / "staff.xlsx")
    done = run_validate(path, check_exit=0)
    assert "2 rows, 0 errors" in done.stdout
    assert "Read: Sheet 'Staff', the one of the workbook's 2 sheets whose header row matches the format best." \
        in done.stdout
    assert "Read: Header on row 2, the row naming the format's columns (1 filled row above it, such as a title, " \
           "not read)." in done.stdout
    report = json.loads(run_validate(path, "--json", "--no-copy", check_exit=0).stdout)
    assert report["read"] | {"sheets": None} == {
        "sheet": "Staff", "sheet_from": "headers", "sheets": None, "header_row": 2, "header_from": "headers",
        "rows_above_header": 1, "encoding": None, "encoding_certain": None, "separator": None, "hidden_rows": [],
        "hidden_rows_left_out": False}
    assert report["read"]["sheets"] == ["Cover", "Staff"]
    copy = load_workbook(tmp_path / "staff.checked.xlsx").active
    assert copy.title == "Staff" and [c.value for c in copy[2]][:3] == ["Status", "Type", "LastName"]
    assert [c.value for c in copy[3]][:3] == ["OK", "User", "Poe"]  # on its own row number


def test_the_sheet_with_the_better_header_wins_over_one_naming_a_column_in_passing(tmp_path):
    path = covered_workbook(tmp_path / "staff.xlsx", other_first=True)
    report = json.loads(run_validate(path, "--json", "--no-copy", check_exit=0).stdout)
    assert report["read"]["sheet"] == "Staff" and report["read"]["sheets"] == ["Notes", "Cover", "Staff"]


@pytest.mark.parametrize("titles", [[], [("Users",)], [("ACME",), (), ("Staff list", "March")]])
def test_title_rows_above_the_header(tmp_path, titles):
    path = covered_workbook(tmp_path / "staff.xlsx", title_rows=titles, cover=False)
    table = read_workbook(path, options=ReadOptions(profile=get_profile("pbx")))
    filled_above = sum(1 for t in titles if t)
    assert (table.header_row, table.above, table.rows[0]) == (len(titles) + 1, filled_above, HEADER)
    assert table.sheet_from == "only"


def test_a_csv_with_a_title_line(tmp_path):
    text = "Users for March;;;;\r\n" + ";".join(HEADER) + "\r\n" + "\r\n".join(";".join(r) for r in USERS) + "\r\n"
    report = json.loads(run_validate(write_csv(tmp_path / "t.csv", text), "--json", "--no-copy",
                                     check_exit=0).stdout)
    assert report["profile"] == "pbx" and report["rows"] == 2
    assert (report["read"]["header_row"], report["read"]["separator"]) == (2, ";")
    assert report["findings"] == []


def test_sheet_and_header_row_named_on_the_command_line(tmp_path):
    path = covered_workbook(tmp_path / "staff.xlsx")
    done = run_validate(path, "--sheet", "staff", "--header-row", "2", "--no-copy", check_exit=0)
    assert "Read: Sheet 'Staff', as chosen." in done.stdout and "Read: Header on row 2, as chosen" in done.stdout
    wrong_row = run_validate(path, "--header-row", "1", "--profile", "pbx", "--json", "--no-copy", check_exit=1)
    findings = json.loads(wrong_row.stdout)["findings"]
    assert any("Required column 'Type' is missing" in f["message"] for f in findings)


@pytest.mark.parametrize("args, words", [
    (["--sheet", "Nope"], "has no sheet 'Nope'; its sheets are 'Cover', 'Staff'"),
    (["--header-row", "40"], "row 40 of sheet 'Staff' is empty or outside its filled rows (1 to 4)"),
    (["--header-row", "0"], "--header-row: 0 is not a row number"),
])
def test_a_sheet_or_row_that_is_not_there_is_refused(tmp_path, args, words):
    done = run_validate(covered_workbook(tmp_path / "staff.xlsx"), *args, "--no-copy", check_exit=2)
    assert words in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


def test_a_templates_data_sheet_stays_the_choice(tmp_path):
    """A workbook made from a template reads the sheet its xlwings.conf names, even when another
    sheet before it has a header row."""
    book = Workbook()
    decoy = book.active
    decoy.title = "Old list"
    decoy.append(HEADER)
    decoy.append(["Robot", "X", "Y", "bad", "1"])
    users = book.create_sheet("Users")
    users.append(HEADER)
    for row in USERS:
        users.append(row)
    conf = book.create_sheet(CONF_SHEET)
    conf.append([PROFILE_KEY, "pbx"])
    conf.append([SHEET_KEY, "Users"])
    conf.sheet_state = "hidden"
    book.save(tmp_path / "t.xlsx")
    done = run_validate(tmp_path / "t.xlsx", "--no-copy", check_exit=0)
    assert "Read: Sheet 'Users', the template's data sheet." in done.stdout


def test_an_example_says_its_sheet_and_row(tmp_path):
    source = shutil.copy(EXAMPLES / "iplum.xlsx", tmp_path / "iplum.xlsx")
    done = run_validate(source, "--no-copy", check_exit=1)
    assert "Read: Sheet 'Users', the template's data sheet.\nRead: Header on row 1.\n" in done.stdout


# --------------------------------------------------------------------------- the upload page

def test_the_upload_page_finds_the_sheet_and_row_and_says_which(web, tmp_path):
    content = covered_workbook(tmp_path / "staff.xlsx").read_bytes()
    page = web.upload(content, "staff.xlsx")
    assert page.status_code == 200, page.text
    text = page.text.replace("&#39;", "'")
    assert "staff.xlsx: checked as Hosted PBX" in text and "Import the 2 valid rows" in text
    assert "Sheet 'Staff', the one of the workbook's 2 sheets whose header row matches the format best." in text
    assert "Header on row 2, the row naming the format's columns (1 filled row above it" in text


def test_the_upload_pages_sheet_and_header_fields(web, tmp_path):
    content = covered_workbook(tmp_path / "staff.xlsx").read_bytes()
    page = web.upload(content, "staff.xlsx", profile="pbx", sheet="Staff", header_row="2").text
    assert "Sheet &#39;Staff&#39;, as chosen." in page and "Header on row 2, as chosen (" in page, page[-3000:]
    refused = web.upload(content, "staff.xlsx", profile="pbx", sheet="Nope")
    assert refused.status_code == 400 and "has no sheet &#39;Nope&#39;" in refused.text
    bad_row = web.upload(content, "staff.xlsx", header_row="two")
    assert bad_row.status_code == 400 and "give its row number" in bad_row.text


def test_a_sheet_named_for_a_csv_is_refused(tmp_path):
    csv = write_csv(tmp_path / "a.csv", ",".join(HEADER) + "\r\n" + ",".join(USERS[0]) + "\r\n")
    done = run_validate(csv, "--sheet", "Users", "--no-copy", check_exit=2)
    assert "is a text file, which has no sheets" in done.stderr
