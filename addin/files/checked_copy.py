"""The annotated copy of a checked file: colours, repaired values, a Status and an Errors column.

Always an .xlsx, written by streaming (xlsx_stream), so its time and memory grow with the rows
but no cell is ever an object. It shows the file's values where they were (the same row
numbers the findings name), with the Status column first and frozen beside the header so it
stays in view, then the file's columns in their order (its own Status, Errors and Marks columns
left out), then the Errors column, wrapped. Wrong cells are red, repaired cells amber holding
the repaired value and a note with what the cell held, as the template colours them; phone and
ID columns are formatted as Text.
A template's settings go along on a hidden xlwings.conf sheet, so the copy can be checked
again without naming its format; problems with the whole file are on a sheet of their own.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path
from typing import Any, BinaryIO

from ..rules.annotations import (ANNOTATION_HEADERS, ERRORS_HEADER, HEADER_FILL, MARK_COLOURS, STATUS_HEADER,
                                 column_letter)
from ..rules.collector import collector_paused
from ..rules.engine import Report, RowResult, status_text
from ..rules.findings import Level
from ..rules.settings import CONF_SHEET
from .readers import PROGRESS_EVERY, Progress, Table
from .xlsx_stream import MAX_TEXT, PLAIN_TEXT, ColumnFormat, StreamingBook, Style, Styles, cell_xml, is_plain, text_xml

(ERROR_FILL, ERROR_FONT), (FIXED_FILL, FIXED_FONT) = MARK_COLOURS["error"], MARK_COLOURS["fixed"]  # as the template's
TEXT_FORMAT = "@"
DATE_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss", "time": "hh:mm:ss", "duration": "[h]:mm:ss"}
BIG_NUMBER = 1e10  # whole numbers from here on get the format '0': General would show 1.40812E+10
STATUS_WIDTH, ERRORS_WIDTH = 14, 80
SAMPLE_ROWS = 500  # rows whose lengths fit a column's width
_ANNOTATIONS = {h.casefold() for h in ANNOTATION_HEADERS}
LEFT_OUT = "Hidden: left out"
_NOT_CHECKED = RowResult(0, {})  # a row left out has a Status but no findings
Mark = tuple[Level, str | None, str | None]  # error or fixed, the repaired value, the note of the original
NO_MARKS: dict[int, Mark] = {}


def annotated_path(source: Path) -> Path:
    """FILE.xlsx -> FILE.checked.xlsx; .csv and .xlsm copies are .xlsx too."""
    return source.with_name(f"{source.stem}.checked.xlsx")


def write_annotated(table: Table, report: Report, out: Path | BinaryIO, progress: Progress | None = None,
                    left_out: Collection[int] = ()) -> None:
    """left_out: rows not checked (hidden ones, when asked to leave them out), whose Status says so."""
    book = StreamingBook(out)
    with collector_paused():  # the rows' XML is made of strings, which hold no cycles
        _Copy(table, report, book.styles).write(book, progress, left_out)
    if report.file_findings:
        _file_problems_sheet(book, report)
    if table.settings:
        _conf_sheet(book, table.settings)
    book.close()


class _Copy:
    """Where each of the file's columns goes in the copy, and the formats its cells take."""

    def __init__(self, table: Table, report: Report, styles: Styles):
        self.table, self.report = table, report
        rows = table.rows
        self.has_header = report.header.has_header_row and bool(rows)
        width = max(map(len, rows), default=0)
        header = rows[0] if self.has_header else []
        left_out = {i for i, v in enumerate(header) if isinstance(v, str) and v.strip().casefold() in _ANNOTATIONS}
        self.target: list[int | None] = []  # the copy's 0-based column of each of the file's columns
        column = 1  # column A is the Status
        for i in range(width):
            self.target.append(None if i in left_out else column)
            column += i not in left_out
        self.errors_column = column
        self.index_of = {c.header: i for i, c in report.header.positions}
        self.text_columns = {i for i, c in report.header.positions if c.text_format}
        self.styles = styles
        self.status_style = {level: styles(_fill(level)) for level in (None, Level.ERROR, Level.FIXED)}
        self.header_style = styles(Style(bold=True, fill=HEADER_FILL, bottom_border=True))
        self.wrap_style = styles(Style(wrap=True))
        self.text_style = styles(Style(number_format=TEXT_FORMAT))
        self._style_ids: dict[tuple[Level | None, str | None], int] = {}

    def style(self, level: Level | None, number_format: str | None) -> int:
        key = (level, number_format)
        found = self._style_ids.get(key)
        if found is None:
            found = self._style_ids[key] = self.styles(_fill(level, number_format))
        return found

    def columns(self) -> list[ColumnFormat]:
        widths = self._source_widths()
        fitted = self._fitted_widths()
        formats = [ColumnFormat(STATUS_WIDTH)]
        for i, target in enumerate(self.target):
            if target is not None:
                formats.append(ColumnFormat(widths.get(i + 1) or fitted[i],
                                            self.text_style if i in self.text_columns else 0))
        formats.append(ColumnFormat(ERRORS_WIDTH, self.wrap_style))
        return formats

    def _source_widths(self) -> dict[int, float]:
        layout = self.table.layout
        if layout is None:
            return {}
        return {n: c.width for c in layout.columns if c.width for n in range(c.first, min(c.last, len(self.target)) + 1)}

    def _fitted_widths(self) -> list[float]:
        longest = [8] * len(self.target)
        for row in self.table.rows[:SAMPLE_ROWS]:
            for i, v in enumerate(row):
                if v is not None:
                    longest[i] = max(longest[i], len(v) if type(v) is str else 12)
        return [min(n + 2, 60) for n in longest]

    def write(self, book: StreamingBook, progress: Progress | None, left_out: Collection[int] = ()) -> None:
        table, report = self.table, self.report
        header_row = table.start_row if self.has_header else 0
        name = (table.sheet or report.profile.title)[:31]
        sheet = self._sheet = book.add_sheet(name, self.columns(), freeze=(header_row, 1))
        results = {r.row: r for r in report.rows}
        width = len(self.target)
        prefixes = [None if t is None else f'<c r="{column_letter(t)}' for t in self.target]
        # ' s="N" t="inlineStr"><is><t>' for a text in each column: plain, and marked red or amber
        opening = {level: [f'"{_s(self.style(level, TEXT_FORMAT if i in self.text_columns else None))} '
                           't="inlineStr"><is><t>' for i in range(width)]
                   for level in (None, Level.ERROR, Level.FIXED)}
        plain_opening = opening[None]
        self._prefixes, self._openings = prefixes, opening
        errors_opening = f'<c r="{column_letter(self.errors_column)}'
        errors_tail = f'"{_s(self.wrap_style)} t="inlineStr">'
        status_cells: dict[tuple[str, Level | None], str] = {}
        total = len(table.rows)
        pending: list[str] = []
        plain = PLAIN_TEXT
        cell = self._cell_xml
        for offset, cells in enumerate(table.rows):
            n = table.start_row + offset
            if offset == 0 and self.has_header:
                sheet.row(n, self._header_xml(table.copy_header or cells, n))
                continue
            result = results.get(n)
            findings = result.findings if result is not None else None
            if findings:
                status, level, marked = self._judged(result)
            else:
                status, level, marked = "OK", None, None
            if result is None and n in left_out:
                status, level, result = LEFT_OUT, None, _NOT_CHECKED
            if result is not None:
                tail = status_cells.get((status, level))
                if tail is None:
                    tail = status_cells[(status, level)] = \
                        f'"{_s(self.status_style[level])} t="inlineStr">{text_xml(status)}</c>'
                status_xml = f'<c r="A{n}{tail}'
            else:
                status_xml = ""
            # The usual cell, a short text needing no escape in a column the copy keeps, is made
            # right here; anything else (numbers, dates, marks, escapes) by _cell_xml.
            marked = marked or NO_MARKS
            if marked and any(i >= len(cells) or cells[i] is None for i in marked):
                cells = _with_empty_marked(cells, marked)  # an empty cell in error is coloured too
            body = "".join([f"{p}{n}{plain_opening[i]}{v}</t></is></c>"
                            if type(v) is str and i not in marked and (p := prefixes[i]) is not None
                            and len(v) <= MAX_TEXT and (v.isalnum() or plain(v) is not None)
                            else cell(i, n, v, marked.get(i)) for i, v in enumerate(cells) if v is not None])
            errors_xml = f"{errors_opening}{n}{errors_tail}{text_xml(result.errors_text)}</c>" if findings else ""
            pending.append(f'<row r="{n}">{status_xml}{body}{errors_xml}</row>')
            if len(pending) >= 512:
                sheet.rows("".join(pending))
                pending.clear()
            if progress is not None and offset and not offset % PROGRESS_EVERY:
                progress("Writing the checked copy", offset, total)
        sheet.rows("".join(pending))
        sheet.close()

    def _cell_xml(self, i: int, n: int, value: Any, mark: Mark | None) -> str:
        """Any cell of the file's: '' for a column the copy leaves out."""
        prefix = self._prefixes[i]
        if prefix is None:
            return ""
        level = None
        if mark is not None:
            level, fixed, note = mark
            if value is _EMPTY and fixed is None:
                return f'{prefix}{n}"{_s(self.style(level, TEXT_FORMAT if i in self.text_columns else None))}/>'
            if fixed is not None:
                value = fixed  # the repaired value (also where the file had none)
            if note:
                self._sheet.note(n, self.target[i], note)  # what the cell held
        if type(value) is not str:
            return self._value_xml(i, n, value, level)
        head = self._openings[level][i]
        if len(value) <= MAX_TEXT and is_plain(value):
            return f"{prefix}{n}{head}{value}</t></is></c>"
        return f"{prefix}{n}{head[:-len('<is><t>')]}{text_xml(value)}</c>"

    def _judged(self, result: RowResult) -> tuple[str, Level | None, dict[int, Mark]]:
        """A row with findings: its status text, its worst level (None for warnings only), and
        {column index: (error or fixed, the repaired value, the note of the original)} of its
        cells, errors first."""
        errors = fixed = warnings = 0
        marks: dict[int, Mark] = {}
        index_of = self.index_of
        for finding in result.findings:
            level = finding.level
            if level is Level.WARNING:
                warnings += 1
                continue
            index = index_of.get(finding.column or "")
            if level is Level.ERROR:
                errors += 1
                if index is not None:
                    marks[index] = (Level.ERROR, None, None)
            else:
                fixed += 1
                if index is not None and index not in marks:
                    marks[index] = (Level.FIXED, finding.fixed_value, finding.original_note)
        worst = Level.ERROR if errors else Level.FIXED if fixed else None
        return status_text(errors, fixed, warnings), worst, marks

    def _header_xml(self, cells: list[Any], n: int) -> str:
        style = self.header_style
        parts = [cell_xml(f"A{n}", STATUS_HEADER, style, {})]
        for i, v in enumerate(cells):
            if self.target[i] is not None:
                parts.append(cell_xml(f"{column_letter(self.target[i])}{n}", "" if v is None else v, style, {}))
        parts.append(cell_xml(f"{column_letter(self.errors_column)}{n}", ERRORS_HEADER, style, {}))
        return "".join(parts)

    def _value_xml(self, i: int, n: int, value: Any, level: Level | None) -> str:
        ref = f"{column_letter(self.target[i])}{n}"
        kind = type(value)
        if kind is str:
            number_format = TEXT_FORMAT if i in self.text_columns else None
        elif (kind is int or (kind is float and value.is_integer())) and abs(value) >= BIG_NUMBER:
            number_format = "0"
        elif isinstance(value, (dt.date, dt.time, dt.timedelta)):
            number_format = DATE_FORMATS[_date_kind(value)]
        else:
            number_format = None
        style = self.style(level, number_format)
        return cell_xml(ref, value, style, {kind: style} if number_format in DATE_FORMATS.values() else {})


def _fill(level: Level | None, number_format: str | None = None) -> Style:
    if level is Level.ERROR:
        return Style(number_format=number_format, fill=ERROR_FILL, font_color=ERROR_FONT)
    if level is Level.FIXED:
        return Style(number_format=number_format, fill=FIXED_FILL, font_color=FIXED_FONT)
    return Style(number_format=number_format)


_EMPTY = object()  # a cell the file leaves empty that has a finding: written with its colour, no value


def _with_empty_marked(cells: list[Any], marked: dict[int, Mark]) -> list[Any]:
    """CELLS with _EMPTY where a marked cell has no value (an empty required cell, or a short line)."""
    padded = list(cells) + [None] * (max(marked) + 1 - len(cells))
    for i in marked:
        if padded[i] is None:
            padded[i] = _EMPTY
    return padded


def _s(style: int) -> str:
    return f' s="{style}"' if style else ""


def _date_kind(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return "date" if value.time() == dt.time(0) else "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "time" if isinstance(value, dt.time) else "duration"


def _file_problems_sheet(book: StreamingBook, report: Report) -> None:
    header = book.styles(Style(bold=True, fill=HEADER_FILL, bottom_border=True))
    wrap = book.styles(Style(wrap=True))
    sheet = book.add_sheet("File problems", [ColumnFormat(10), ColumnFormat(100, wrap)], freeze=(1, 0))
    sheet.row(1, cell_xml("A1", "Level", header, {}) + cell_xml("B1", "Problem with the whole file", header, {}))
    for n, finding in enumerate(report.file_findings, start=2):
        sheet.row(n, cell_xml(f"A{n}", str(finding.level), 0, {}) + cell_xml(f"B{n}", finding.message, 0, {}))
    sheet.close()


def _conf_sheet(book: StreamingBook, settings: dict[str, str]) -> None:
    sheet = book.add_sheet(CONF_SHEET, [ColumnFormat(30), ColumnFormat(40)], hidden=True)
    for n, (key, value) in enumerate(settings.items(), start=1):
        sheet.row(n, cell_xml(f"A{n}", key, 0, {}) + cell_xml(f"B{n}", value, 0, {}))
    sheet.close()
