"""What a worksheet's layout does to its values: rows the admin cannot see, and merged cells.

A hidden row (or one a filter hides, which Excel stores the same way) is read like any other,
so each gets a warning saying so, and a duplicate pointing at one says it is hidden; with the
skip_hidden setting such rows are left out instead. A merged range holds its value in its
first cell only: the other cells read as empty, so a finding about one of them names the range
("B4:B6 are merged: only B4 holds a value"), and a merged cell left empty without a finding
gets a warning, since the admin sees a value there.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from ..rules.annotations import column_letter
from ..rules.cells import is_blank
from ..rules.engine import Report, RowResult
from ..rules.findings import Finding, Level
from .readers import Table
from .xlsx_package import column_number

HIDDEN_ROW = ("This row is hidden in the sheet (or filtered out), so you may not see it: it is checked and "
              "imported like the others")
MAX_MERGED_CELLS = 100_000  # cells of merged ranges looked at, at most (a range can span a whole sheet)
_RANGE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?$")


def hidden_data_rows(table: Table) -> frozenset[int]:
    """The rows under the header (every row of a headerless file) that the sheet hides."""
    layout = table.layout
    if layout is None or not layout.hidden_rows or not table.rows:
        return frozenset()
    first = table.start_row + (1 if table.header_row is not None else 0)
    last = table.start_row + len(table.rows) - 1
    return frozenset(n for n in layout.hidden_rows if first <= n <= last)


def rows_shown(table: Table, hidden: frozenset[int]) -> tuple[list[list], list[int]]:
    """The table without its hidden data rows, and the sheet row number of each row kept."""
    rows, numbers = [], []
    for number, row in enumerate(table.rows, start=table.start_row):
        if number not in hidden:
            rows.append(row)
            numbers.append(number)
    return rows, numbers


def mark_hidden(report: Report, hidden: frozenset[int]) -> None:
    for result in report.rows:
        if result.row in hidden:
            result.findings.append(Finding(Level.WARNING, HIDDEN_ROW, None, result.row))


def explain_merged(table: Table, report: Report) -> None:
    """Name the merged range in what is said about its empty cells (see the module's note)."""
    layout = table.layout
    if layout is None or not layout.merged or not report.rows:
        return
    columns = dict(report.header.positions)  # cell index -> the format's column
    results = {r.row: r for r in report.rows}
    for text, first, cells in _ranges(layout.merged, columns, results):
        top_row, top_column = first
        top_value = _cell(table, top_row, top_column)
        for row, index in cells:
            result = results[row]
            column = columns[index]
            where = f"{text} are merged: only {column_letter(top_column)}{top_row} holds a value"
            found = [i for i, f in enumerate(result.findings) if f.column == column.header]
            if found:
                for i in found:
                    finding = result.findings[i]
                    result.findings[i] = replace(finding, message=f"{finding.message} ({where}; unmerge the "
                                                                  "cells and fill in each one)")
            elif not is_blank(top_value) and is_blank(_cell(table, row, index)):
                result.findings.append(Finding(Level.WARNING,
                    f"{column.header}: {where}, so this row's {column.header} is read as empty; unmerge the "
                    "cells and fill in each one", column.header, row))


def _ranges(merged: list[str], columns: dict, results: dict[int, RowResult]
            ) -> Iterator[tuple[str, tuple[int, int], list[tuple[int, int]]]]:
    """(range as written, its first cell as (row, 0-based column), its other cells that are data
    cells of a format column), for the ranges that have any; within MAX_MERGED_CELLS."""
    budget = MAX_MERGED_CELLS
    for text in merged:
        match = _RANGE.match(text)
        if match is None or match.group(3) is None:
            continue
        first_col, first_row = column_number(match.group(1).encode()) - 1, int(match.group(2))
        last_col, last_row = column_number(match.group(3).encode()) - 1, int(match.group(4))
        cells = []
        for row in range(first_row, last_row + 1):
            if row not in results:
                continue
            for index in range(first_col, last_col + 1):
                budget -= 1
                if budget < 0:
                    return
                if (row, index) != (first_row, first_col) and index in columns:
                    cells.append((row, index))
        if cells:
            yield text.replace("$", "").upper(), (first_row, first_col), cells


def _cell(table: Table, row: int, index: int):
    offset = row - table.start_row
    if not 0 <= offset < len(table.rows):
        return None
    cells = table.rows[offset]
    return cells[index] if index < len(cells) else None
