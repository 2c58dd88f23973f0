"""Validate as the in-sheet button does it: the rows of a data region in, the bulk writes out.

Pure: the values come in as read from the sheet, the plan goes out as a few rectangular writes
(see writes). The rules all come from the profile through the engine.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..rules.annotations import ERRORS_HEADER, MARKS_HEADER, STATUS_HEADER
from ..rules.cells import is_blank, to_text
from ..rules.columns import Profile, ProfileSettings
from ..rules.engine import Report, RowResult, validate
from ..rules.fields import Kind
from ..rules.findings import Finding, Level
from .region import Region
from .writes import Alert, ColumnChange, Plan, ValuesWrite, Write, column_writes

IMPORTED_PREFIX = "Imported"  # a row's Status after the server stored it; such rows are done
# The buttons read a sheet's values only (xlwings' remote engine gets nothing else), so they
# cannot honour skip_hidden; rather than import rows the admin asked to leave out, they say so.
HIDDEN_UNKNOWN = ("setting.skip_hidden is TRUE, but the template's buttons cannot tell which rows are hidden (Excel "
                  "hands them the cells' values only): every row was checked, and nothing is submitted while the "
                  "setting is TRUE. Delete the rows to leave out (or unhide them) and set setting.skip_hidden to "
                  "FALSE on the xlwings.conf sheet; or check the workbook on the import server's Check a file page "
                  "or with rosterbook validate, which leave hidden rows out")
MAX_CELL_TEXT = 32000  # Excel holds at most 32,767 characters in a cell
SUMMARY_FILE_PROBLEMS = 4  # the alert is a MsgBox: short


@dataclass(slots=True)
class RowMarks:
    status: str = ""
    errors: str = ""
    marks: str = ""


@dataclass(slots=True)
class SheetCheck:
    profile: Profile
    region: Region
    report: Report
    values: Sequence[Sequence[Any]]
    results: dict[int, RowResult]  # sheet row -> result, for rows that were validated
    imported: set[int]  # sheet rows already imported (left alone)
    marks: dict[int, RowMarks]  # sheet row -> what its Status/Errors/Marks cells get, every data row
    changes: dict[int, dict[int, Any]] = field(default_factory=dict)  # 0-based column -> {sheet row: value}

    def cell(self, row: int, column: int) -> Any:
        cells = self.values[row - 1]
        return cells[column] if column < len(cells) else None


def is_imported(status: Any) -> bool:
    return isinstance(status, str) and status.strip().startswith(IMPORTED_PREFIX)


def check_sheet(profile: Profile, values: Sequence[Sequence[Any]], region: Region,
                settings: Mapping[str, Any] | ProfileSettings | None = None) -> SheetCheck:
    """Validate every data row except those already imported; plan each row's annotation."""
    annotation = set(region.annotation.values())
    status_column = region.annotation.get(STATUS_HEADER)
    header = _masked(values[region.header_index], annotation)
    table: list[list[Any]] = [header]
    numbers = [region.header_row]
    imported: set[int] = set()
    for index in region.data_indexes:
        row = values[index]
        if status_column is not None and status_column < len(row) and is_imported(row[status_column]):
            imported.add(index + 1)
            continue
        table.append(_masked(row, annotation))
        numbers.append(index + 1)
    # The header row was found by content, so even a headerless format is read by its headers.
    by_headers = profile.model_copy(update={"headerless": False}) if profile.headerless else profile
    report = validate(by_headers, table, settings=settings, row_numbers=numbers)
    report.profile = profile
    if report.settings.skip_hidden:
        report.file_findings.append(Finding(Level.ERROR, HIDDEN_UNKNOWN))
    results = {r.row: r for r in report.rows}
    marks: dict[int, RowMarks] = {}
    for row in range(region.first_data_row, region.last_row + 1):
        if row in imported:
            cells = values[row - 1]
            marks[row] = RowMarks(_text_at(cells, status_column),
                                  _text_at(cells, region.annotation.get(ERRORS_HEADER)), "")
        elif row in results:
            result = results[row]
            marks[row] = RowMarks(result.status_text, _cell_text(result.errors_text), result.marks(profile.columns))
        else:
            marks[row] = RowMarks()  # blank row: old marks go
    check = SheetCheck(profile, region, report, values, results, imported, marks)
    check.changes = _repairs(check)
    return check


def _masked(row: Sequence[Any], annotation: set[int]) -> list[Any]:
    """The row without our own Status/Errors/Marks cells, which are not data."""
    return [None if i in annotation else c for i, c in enumerate(row)]


def _text_at(cells: Sequence[Any], column: int | None) -> str:
    if column is None or column >= len(cells) or is_blank(cells[column]):
        return ""
    return to_text(cells[column])


def _cell_text(text: str) -> str:
    if len(text) <= MAX_CELL_TEXT:
        return text
    return text[:MAX_CELL_TEXT - 40] + " ... (more problems in this row)"


def _repairs(check: SheetCheck) -> dict[int, dict[int, Any]]:
    """Repaired values by sheet column, only where the cell's value actually changes."""
    by_header = {c.header: c for c in check.profile.columns}
    index_of = {c.key: i for i, c in check.report.header.positions}
    changes: dict[int, dict[int, Any]] = {}
    for row, result in check.results.items():
        for finding in result.findings:
            if finding.level is not Level.FIXED or finding.column not in by_header:
                continue
            column = by_header[finding.column]
            index = index_of.get(column.key)
            if index is None:
                continue
            new = result.values.get(column.key, "")
            raw = check.cell(row, index)
            if type(raw) is str and raw == new:
                continue
            changes.setdefault(index, {})[row] = new
    return changes


def is_text_column(profile: Profile, report: Report, index: int) -> bool:
    """Everything but dates is written as Text, so Excel keeps the value exactly as given."""
    for i, column in report.header.positions:
        if i == index:
            return column.kind is not Kind.DATE
    return True


# --------------------------------------------------------------------------- writes

def annotation_writes(region: Region, marks: Mapping[int, RowMarks]) -> list[Write]:
    """Status, Errors and Marks for every data row in one block (three when an admin split the
    columns apart), with the header names when the sheet lacked them."""
    columns = region.annotation_columns()
    with_header = bool(region.missing_annotation)
    first = region.header_row if with_header else region.first_data_row
    rows: list[list[Any]] = []
    if with_header:
        rows.append([STATUS_HEADER, ERRORS_HEADER, MARKS_HEADER])
    for row in range(region.first_data_row, region.last_row + 1):
        m = marks.get(row) or RowMarks()
        rows.append([m.status, m.errors, m.marks])
    if not rows:
        return []
    if columns == list(range(columns[0], columns[0] + 3)):
        return [ValuesWrite(first, columns[0] + 1, rows)]
    return [ValuesWrite(first, column + 1, [[r[i]] for r in rows]) for i, column in enumerate(columns)]


def change_writes(check: SheetCheck, changes: Mapping[int, Mapping[int, Any]]) -> tuple[list[Write], int]:
    writes: list[Write] = []
    skipped = 0
    for index in sorted(changes):
        current = {row: cells[index] if index < len(cells) else None
                   for row, cells in enumerate(check.values, start=1) if row >= check.region.first_data_row}
        column_change = ColumnChange(index + 1, is_text_column(check.profile, check.report, index), changes[index])
        found, lost = column_writes(column_change, current)
        writes.extend(found)
        skipped += lost
    return writes, skipped


def validation_plan(check: SheetCheck) -> Plan:
    plan = Plan()
    repairs, plan.skipped_repairs = change_writes(check, check.changes)
    plan.writes.extend(repairs)
    plan.writes.extend(annotation_writes(check.region, check.marks))
    plan.alert = Alert("rosterbook: Validate", validation_summary(check, plan.skipped_repairs))
    return plan


# --------------------------------------------------------------------------- words

def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def validation_summary(check: SheetCheck, skipped_repairs: int = 0) -> str:
    results = check.results.values()
    errors = sum(1 for r in results if not r.ok)
    fixed = sum(1 for r in results if r.ok and r.count(Level.FIXED))
    ok = len(check.results) - errors
    lines = [f"Checked {_count(len(check.results), 'user')}: {ok:,} OK, {errors:,} with errors"
             + (f", {fixed:,} repaired" if fixed else "") + "."]
    if check.imported:
        lines.append(f"{_count(len(check.imported), 'row')} already imported: left as "
                     f"{'it is' if len(check.imported) == 1 else 'they are'}.")
    if errors:
        lines.append("Red cells have a problem: the Errors column of each row says what is wrong and what to do.")
    if fixed:
        lines.append("Amber cells were repaired (for example a phone number given its + back): check them.")
    if skipped_repairs:
        lines.append(f"{_count(skipped_repairs, 'repaired value')} could not be written without Excel changing it; "
                     "retype those cells as the Errors column says.")
    lines.extend(file_problem_lines(check.report))
    if not errors and not check.report.file_findings:
        lines.append("Everything can be submitted.")
    lines.extend(check.report.notes)
    return "\n".join(lines)


def file_problem_lines(report: Report) -> list[str]:
    problems = [f for f in report.file_findings if f.level is not Level.FIXED]
    if not problems:
        return []
    lines = ["", "About the whole sheet:"]
    lines.extend(f"- {f.message}" for f in problems[:SUMMARY_FILE_PROBLEMS])
    if len(problems) > SUMMARY_FILE_PROBLEMS:
        lines.append(f"- and {len(problems) - SUMMARY_FILE_PROBLEMS} more")
    return lines


def file_errors(report: Report) -> list[str]:
    return [f.message for f in report.file_findings if f.level is Level.ERROR]
