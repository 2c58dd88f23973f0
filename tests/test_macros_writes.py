"""The write plan: spans per column, and never a value that Remote.bas's setValues would change."""
from __future__ import annotations

import datetime as dt

import pytest

from addin.sheet.writes import ColumnChange, FormatWrite, ValuesWrite, column_writes, remote_reads_as_date
from tests.plugin_xlwings import parse_iso

# Strings an admin's sheet really holds, and the ones our own writes produce.
SAMPLES = [
    "2026-01-31", "2026-01-31T10:00:00.000Z", "555-123-4567", "10-20-30", "1-2-3", "+1-408-123-4567",
    "12-34", "CC-100", "Pw-00001", "a-b-c", "1-a-3", " 1 - 2 - 3 ", "1,000-2-3", "1.5-2-3", "&H10-1-1",
    "99999-1-1", "+14081231234", "14081231234", "TRUE", "OK", "1 error", "Fixed",
    "Imported 2026-01-31 10:00 UTC (id 7, batch 2)", "Username: 'bad user' may contain only letters",
    "Phone: Excel dropped the leading '+'", "E......F..", "...........", "-1-2-3", "1--2-3", "T1-2-3",
    "1-2-3T10:00", "1-2-3Tnope", "0-0-0", "2026-13-45", "",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_every_string_vba_would_read_as_a_date_is_flagged(text):
    """remote_reads_as_date may flag more than ParseIso accepts (one more write), never less (a
    corrupted cell). The reference is an emulation of WebHelpers.ParseIso written independently."""
    try:
        parse_iso(text)
    except (ValueError, IndexError, OverflowError):
        return
    assert remote_reads_as_date(text), f"{text!r} would become a date in Excel"


def test_the_texts_validate_writes_are_not_read_as_dates():
    for text in ("OK", "1 error", "12 errors", "Fixed", "OK (2 warnings)", "Rejected", "Duplicate",
                 "Imported 2026-01-31 10:00 UTC (id 7, batch 2)", "E.F.W......", "+14081231234"):
        assert not remote_reads_as_date(text)


def test_one_format_and_one_values_write_cover_the_span_of_changes():
    current = {r: f"+1408555{r:04d}" for r in range(3, 1003)}
    change = ColumnChange(9, True, {5: "+14085550005", 900: "+14085550900", 40: None})
    writes, skipped = column_writes(change, current)
    assert skipped == 0
    assert writes == [FormatWrite(5, 9, 896, 1, "@"),
                      ValuesWrite(5, 9, [[change.values.get(r, current[r])] for r in range(5, 901)])]


def test_a_cell_in_between_that_would_not_survive_a_rewrite_splits_the_span():
    current = {3: "x", 4: "555-123-4567", 5: "y", 6: dt.datetime(2026, 1, 1)}
    change = ColumnChange(2, True, {3: "a", 5: "b", 7: "c"})
    writes, _ = column_writes(change, current)
    assert [w for w in writes if isinstance(w, ValuesWrite)] == [
        ValuesWrite(3, 2, [["a"]]), ValuesWrite(5, 2, [["b"]]), ValuesWrite(7, 2, [["c"]])]


def test_a_new_value_excel_would_misread_is_skipped_not_written():
    writes, skipped = column_writes(ColumnChange(2, True, {3: "10-20-30"}), {3: " 10-20-30 "})
    assert (writes, skipped) == ([], 1)


def test_date_columns_get_no_text_format_and_keep_their_dates():
    current = {3: dt.datetime(2026, 1, 1), 4: None, 5: "2026/02/01"}
    writes, _ = column_writes(ColumnChange(8, False, {3: "2026-01-01", 5: "2026-02-01"}), current)
    assert writes == [ValuesWrite(3, 8, [["2026-01-01"], [None], ["2026-02-01"]])]
