"""A file's rows as read, and where they start: the Table every reader makes, the admin's
ReadOptions, and the header row placed (header_choice) with the rows above it left out."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..rules.columns import Profile
from .encodings import TextEncoding
from .header_choice import HEADER_BY_CONTENT, HEADER_BY_OPTION, HEADER_FIRST, best_header
from .xlsx_package import SheetScan

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
MAX_LINE = 1024 * 1024  # characters in one line of a CSV file; a roster's line is a few hundred
PROGRESS_EVERY = 4096  # rows between two progress reports
SHARED_LENGTH = 12  # texts shorter than this are kept once per file: they repeat, and memory counts
PADDED_ROWS = 1000

# (stage, done, total): what a long read or write reports, for a progress bar
Progress = Callable[[str, int, int], None]


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message says why, for a person."""


# How the worksheet was chosen, as the reports say it.
SHEET_BY_OPTION, SHEET_OF_TEMPLATE, SHEET_ONLY, SHEET_BY_CONTENT = "option", "template", "only", "headers"


@dataclass(frozen=True)
class ReadOptions:
    """What the admin chose about reading a file (None: rosterbook chooses)."""

    sheet: str | None = None  # a worksheet's name
    header_row: int | None = None  # the header's row number in the sheet (a CSV's line number)
    encoding: str | None = None  # a Python codec, as encodings.named gives it
    profile: Profile | None = None  # the format asked for: the header row is the one matching it


@dataclass
class Table:
    rows: list[list[Any]]  # from the header row (or the first data line of a headerless file)
    sheet: str | None  # the worksheet name, None for CSV
    settings: dict[str, str]  # from the template's xlwings.conf sheet, if any
    encoding: TextEncoding | None = None
    delimiter: str | None = None
    start_row: int = 1  # the sheet row number (CSV line number) of rows[0]
    layout: SheetScan | None = None  # a worksheet's hidden rows, merged ranges and column widths
    sheets: tuple[str, ...] = ()  # the workbook's visible worksheets
    sheet_from: str | None = None  # how the worksheet was chosen (SHEET_BY_OPTION...)
    header_row: int | None = None  # the header's row number; None: values are read by position
    header_from: str | None = None  # how the header row was found (HEADER_BY_OPTION...)
    above: int = 0  # filled rows above the header, not read (a title)
    copy_header: list[Any] | None = None  # the header row as the file has it, when the check reads it
    # through a column mapping (column_mapping.py); the checked copy shows this one


def place_header(table: Table, profiles: list[Profile], header_row: int | None, name: str) -> None:
    """Start the table at its header row: the one named, else the one matching the formats best
    among the first rows; the rows above it (a title) are not read."""
    rows = table.rows
    if header_row is not None:
        index = header_row - table.start_row
        if index < 0 or index >= len(rows) or _blank(rows[index]):
            where = f"sheet {table.sheet!r}" if table.sheet else "the file"
            raise UnreadableFile(f"{name}: row {header_row} of {where} is empty or outside its filled rows "
                                 f"({table.start_row} to {table.start_row + len(rows) - 1}): name the row that "
                                 "holds the column names")
        how = HEADER_BY_OPTION
    else:
        index, _ = best_header(rows, profiles)
        if index is None:
            # no row names a column: a headerless file's first line is data; any other file's
            # first row is taken as its header, and the check says which columns it lacks
            headerless = all(p.headerless for p in profiles)
            table.header_row = None if headerless else table.start_row
            table.header_from = None if headerless else HEADER_FIRST
            return
        how = HEADER_BY_CONTENT
    if index:
        table.above = sum(1 for row in rows[:index] if not _blank(row))
        del rows[:index]
        table.start_row += index
    table.header_row, table.header_from = table.start_row, how


def _blank(row: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def strip_blank_edges(rows: list[list[Any]]) -> tuple[list[list[Any]], int]:
    """Drop blank rows before the header (a template's button bar) and after the data
    (Excel's used range often runs past it); return the rows and the first one's number."""
    start, end = 0, len(rows)
    while start < end and _blank(rows[start]):
        start += 1
    while end > start and _blank(rows[end - 1]):
        end -= 1
    if start or end < len(rows):
        rows = rows[start:end]
    return rows, start + 1
