"""The annotated copy of a checked file: colours, repaired values, a Status and an Errors column.

Always written as .xlsx: colours need a workbook, and openpyxl would drop an .xlsm's buttons
(form controls) when saving, so a macro workbook's annotated copy is an .xlsx beside it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from ..rules.annotations import ERRORS_HEADER, MARKS_HEADER, STATUS_HEADER
from ..rules.engine import Report
from ..rules.findings import Level
from .readers import SPREADSHEET_SUFFIXES, Table

ERROR_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")  # Excel's light red
FIXED_FILL = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")  # Excel's amber
NO_FILL = PatternFill(fill_type=None)
_OUR_FILLS = {"00FFC7CE", "FFFFC7CE", "00FFEB9C", "FFFFEB9C"}
TEXT_FORMAT = "@"


def annotated_path(source: Path) -> Path:
    """FILE.xlsx -> FILE.checked.xlsx; .csv and .xlsm copies are .xlsx too."""
    return source.with_name(f"{source.stem}.checked.xlsx")


def set_text(cell: Cell, value: Any) -> None:
    """Write a value that must stay what it is: strings starting with '=' are not formulas.

    Control characters an .xlsx cannot hold are shown as <U+0007>, so the admin sees them.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"<U+{ord(m.group()):04X}>", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def write_annotated(source: Path | None, table: Table, report: Report, out: Path) -> None:
    if source is not None and source.suffix.lower() in SPREADSHEET_SUFFIXES:
        book = load_workbook(source)
        sheet = book[table.sheet] if table.sheet in book.sheetnames else book.worksheets[0]
    else:
        book, sheet = _workbook_from_rows(table, report)
    _annotate(sheet, table, report)
    _file_problems_sheet(book, report)
    book.save(out)


def _workbook_from_rows(table: Table, report: Report):
    book = Workbook()
    sheet = book.active
    sheet.title = report.profile.title[:31]
    text_columns = {i for i, c in report.header.positions if c.text_format}
    for r, row in enumerate(table.rows, start=table.start_row):
        for i, value in enumerate(row):
            if value is None:
                continue
            cell = sheet.cell(row=r, column=i + 1)
            set_text(cell, value)
            if i in text_columns:
                cell.number_format = TEXT_FORMAT
    return book, sheet


def _annotation_columns(sheet, report: Report, table: Table) -> tuple[int, int, int | None]:
    """(Status column, Errors column, Marks column if the sheet is a template), 1-based."""
    header_row = table.start_row
    headers = {}
    width = max((len(r) for r in table.rows), default=0)
    if report.header.has_header_row:
        for i, value in enumerate(table.rows[0] if table.rows else []):
            if isinstance(value, str):
                headers[value.strip().casefold()] = i + 1
    status = headers.get(STATUS_HEADER.casefold()) or width + 1
    errors = headers.get(ERRORS_HEADER.casefold()) or max(width, status) + 1
    if report.header.has_header_row:
        set_text(sheet.cell(row=header_row, column=status), STATUS_HEADER)
        set_text(sheet.cell(row=header_row, column=errors), ERRORS_HEADER)
    return status, errors, headers.get(MARKS_HEADER.casefold())


def _annotate(sheet, table: Table, report: Report) -> None:
    status_col, errors_col, marks_col = _annotation_columns(sheet, report, table)
    columns = [c for _, c in report.header.positions]
    index_of = {c.header: i for i, c in report.header.positions}
    text_format = {c.header for _, c in report.header.positions if c.text_format}
    first_data = table.start_row + (1 if report.header.has_header_row else 0)
    last_row = table.start_row + len(table.rows) - 1
    for r in range(first_data, last_row + 1):  # old marks from an earlier check go first
        for i in index_of.values():
            cell = sheet.cell(row=r, column=i + 1)
            if cell.fill is not None and cell.fill.fgColor is not None and cell.fill.fgColor.rgb in _OUR_FILLS:
                cell.fill = NO_FILL
    for result in report.rows:
        for finding in result.findings:
            index = index_of.get(finding.column or "")
            if index is None or finding.level is Level.WARNING:
                continue
            cell = sheet.cell(row=result.row, column=index + 1)
            if finding.level is Level.ERROR:
                cell.fill = ERROR_FILL
            elif cell.fill != ERROR_FILL:
                cell.fill = FIXED_FILL
                if finding.fixed_value is not None:
                    if finding.column in text_format:
                        cell.number_format = TEXT_FORMAT
                    set_text(cell, finding.fixed_value)
                    if finding.original_note:
                        cell.comment = Comment(finding.original_note, "rosterbook")
        set_text(sheet.cell(row=result.row, column=status_col), result.status_text)
        set_text(sheet.cell(row=result.row, column=errors_col), result.errors_text or None)
        if marks_col:  # a template colours from its Marks column: keep it in step with the fills
            set_text(sheet.cell(row=result.row, column=marks_col), result.marks(columns))


def _file_problems_sheet(book, report: Report) -> None:
    title = "File problems"
    if title in book.sheetnames:
        del book[title]
    if not report.file_findings:
        return
    sheet = book.create_sheet(title)
    set_text(sheet.cell(row=1, column=1), "Level")
    set_text(sheet.cell(row=1, column=2), "Problem with the whole file")
    for r, finding in enumerate(report.file_findings, start=2):
        set_text(sheet.cell(row=r, column=1), str(finding.level))
        set_text(sheet.cell(row=r, column=2), finding.message)
