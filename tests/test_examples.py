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
