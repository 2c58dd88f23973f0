"""The example workbooks: each row's findings are exactly what its 'What to expect' sheet says."""
from collections import defaultdict

import pytest
from openpyxl import load_workbook

from addin.files.offline import check_file
from addin.profiles import all_profiles
from tests.conftest import EXAMPLES


def expectations(path):
    book = load_workbook(path, read_only=True)
    expected = defaultdict(set)
    for row, column, level, _why in book["What to expect"].iter_rows(min_row=2, values_only=True):
        expected[row]  # rows expected clean still appear
        if level != "ok":
            expected[row].add((column, level))
    book.close()
    return expected


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_example_findings_match_what_the_sheet_expects(profile_id):
    path = EXAMPLES / f"{profile_id}.xlsx"
    result = check_file(path, profile_id, annotate=False)
    expected = expectations(path)
    actual = {r.row: {(f.column, str(f.level)) for f in r.findings} for r in result.report.rows}
    assert result.report.file_findings == []
    assert actual == dict(expected)


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_examples_mix_good_and_bad_rows(profile_id):
    report = check_file(EXAMPLES / f"{profile_id}.xlsx", profile_id, annotate=False).report
    levels = {str(f.level) for f in report.findings()}
    assert {"error", "fixed"} <= levels
    assert any(r.status_text == "OK" for r in report.rows)


# --------------------------------------------------------------------------- files as admins have them

def test_the_staff_list_is_read_from_its_sheet_and_row_and_reports_what_its_sheet_expects():
    """A cover sheet, a title, a header spelt its own way, a merged Type cell and a hidden row;
    no template settings: the format comes from the header row."""
    path = EXAMPLES / "pbx-staff-list.xlsx"
    result = check_file(path, None, annotate=False)
    assert (result.profile.id, result.report.profile_from) == ("pbx", "headers")
    assert (result.table.sheet, result.table.header_row, result.table.above) == ("Staff", 3, 1)
    assert result.hidden == frozenset({7})
    actual = {r.row: {(f.column, str(f.level)) for f in r.findings} for r in result.report.rows}
    assert actual == dict(expectations(path))
    [notes] = result.report.file_findings
    assert "'Notes' (column G)" in notes.message
    merged = next(f for f in result.report.rows[2].findings if f.column == "Type")
    assert "A5:A6 are merged: only A5 holds a value" in merged.message
    left_out = check_file(path, None, annotate=False, overrides={"skip_hidden": True})
    assert [r.row for r in left_out.report.rows] == [4, 5, 6, 8]


@pytest.mark.parametrize("name, encoding, separator, names", [
    ("pbx-windows-1250.csv", "cp1250", ";", ["Łukasz Wałęsa", "Małgorzata Żółkiewska", "Tomáš Dvořák", "Gréta Szűcs"]),
    ("pbx-unicode-text.txt", "utf-16", "\t", ["Łukasz Wałęsa", "Иван Петров", "Γιώργος Παπαδόπουλος",
                                             "Şükrü Öztürk", "Jānis Bērziņš"]),
])
def test_the_text_examples_are_read_in_their_encoding(name, encoding, separator, names):
    result = check_file(EXAMPLES / name, None, annotate=False)
    table = result.table
    assert (table.encoding.codec, table.encoding.certain, table.delimiter) == (encoding, True, separator)
    assert [f"{row[2]} {row[1]}" for row in table.rows[1:]] == names
    errors = [(f.row, f.column) for f in result.report.findings() if str(f.level) == "error"]
    assert errors == ([] if encoding == "cp1250" else [(6, "Type")])  # the Unicode Text's Robot
