"""Reading filled files: .xlsx/.xlsm through calamine (after xlsx_package has checked the package),
.csv streamed in the encodings admins' tools write; both within the ReadLimits."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..rules.collector import collector_paused
from ..rules.settings import CONF_SHEET, SHEET_KEY
from .limits import ReadLimits
from .xlsx_package import PackageProblem, SheetEntry, SheetScan, XlsxPackage

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


@dataclass
class Table:
    rows: list[list[Any]]  # from the first non-blank row (the header, or the first data line)
    sheet: str | None  # the worksheet name, None for CSV
    settings: dict[str, str]  # from the template's xlwings.conf sheet, if any
    encoding: str | None = None
    delimiter: str | None = None
    start_row: int = 1  # the sheet row number (CSV line number) of rows[0]
    layout: SheetScan | None = None  # a worksheet's hidden rows, merged ranges and column widths


def read_table(path: Path, limits: ReadLimits | None = None, progress: Progress | None = None) -> Table:
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableFile(f"{path}: is a folder, not a file")
    limits = limits or ReadLimits.from_env()
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(path, str(path), limits, progress)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, str(path), limits, progress)
    raise UnreadableFile(f"{path}: rosterbook reads .xlsx, .xlsm and .csv files, not '{path.suffix or 'no extension'}'")


# --------------------------------------------------------------------------- workbooks

def read_workbook(source: Path | bytes, name: str | None = None, limits: ReadLimits | None = None,
                  progress: Progress | None = None, sheet_name: str | None = None) -> Table:
    """A sheet of a workbook: sheet_name, else the one the template names, else the first visible one."""
    name = name or str(source)
    limits = limits or ReadLimits.from_env()
    try:
        package = XlsxPackage(source, limits)
    except PackageProblem as exc:
        raise UnreadableFile(f"{name}: {exc}") from None
    try:
        conf = next((s for s in package.sheets if s.name == CONF_SHEET), None)
        if conf is not None:
            package.scan(conf)  # read like the data sheet: within the limits
        book = _open(source, name)
        try:
            settings = _conf_settings(book, conf, name) if conf is not None else {}
            entry = _data_sheet(package.sheets, sheet_name or settings.get(SHEET_KEY), name, sheet_name is not None)
            scan = package.scan(entry)
            sheet = _sheet(book, entry, name)
        finally:
            book.close()  # its shared strings are not needed any more: the sheet holds its own values
    except PackageProblem as exc:
        raise UnreadableFile(f"{name}: {exc}") from None
    finally:
        package.close()
    with collector_paused():  # 100,000s of row lists hold no cycles: no point in scanning them as they come
        rows, first = _sheet_rows(sheet, scan, progress)
    del sheet
    rows, start = strip_blank_edges(rows)
    return Table(rows, entry.name, settings, start_row=first + start - 1, layout=scan)


def _open(source: Path | bytes, name: str):
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(source, bytes):
            return CalamineWorkbook.from_filelike(io.BytesIO(source))
        return CalamineWorkbook.from_path(str(source))
    except Exception as exc:  # calamine's errors are many; each means the same to an admin
        raise UnreadableFile(f"{name}: not a readable Excel workbook ({_reason(exc)}); "
                             "open it in Excel, save it again as .xlsx and retry") from None


def _reason(exc: BaseException) -> str:
    name = type(exc).__name__
    return {"XmlError": "its XML is damaged", "ZipError": "its zip structure is damaged",
            "PasswordError": "it is encrypted"}.get(name, "it is damaged")


def _sheet(book, entry: SheetEntry, name: str):
    try:
        return book.get_sheet_by_name(entry.name)
    except BaseException as exc:  # calamine's panics arrive as pyo3's PanicException, a BaseException
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise PackageProblem(f"not a readable Excel workbook ({_reason(exc)}); open it in Excel, save it "
                             "again and retry") from None


def _conf_settings(book, entry: SheetEntry, name: str) -> dict[str, str]:
    settings = {}
    for row in _sheet(book, entry, name).iter_rows():
        key, value = (list(row) + ["", ""])[:2]
        key, value = _plain(key), _plain(value)
        if key is not None and value is not None:
            settings[str(key).strip()] = str(value).strip()
    return settings


def _data_sheet(sheets: list[SheetEntry], named: str | None, name: str, required: bool = False) -> SheetEntry:
    for entry in sheets:
        if entry.name == named:
            return entry
    if required:
        raise UnreadableFile(f"{name}: has no sheet {named!r}; its sheets are {', '.join(s.name for s in sheets)}")
    for entry in sheets:
        if entry.name != CONF_SHEET and entry.state == "visible":
            return entry
    raise UnreadableFile(f"{name}: the workbook has no visible worksheet")


def _plain(value: Any) -> Any:
    """A value as openpyxl gives it: empty cells None, whole numbers int, dates at midnight datetime."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _sheet_rows(sheet, scan: SheetScan, progress: Progress | None) -> tuple[list[list[Any]], int]:
    """The sheet's rows from its first filled one, each from column A; and that row's number."""
    if not sheet.height or scan.first_row is None:
        return [], 1
    first_row, first_column = sheet.start
    pad = [None] * first_column
    total = sheet.height
    if first_row > PADDED_ROWS:  # iter_rows would start at row 1, with an empty list per row above
        source = iter(sheet.to_python(skip_empty_area=True))
    else:  # one row at a time: the values as Python objects never exist twice
        source = iter(sheet.iter_rows())
        for _ in range(first_row):
            next(source)
    memo: dict[str, str] = {}
    share = memo.setdefault
    rows: list[list[Any]] = []
    append = rows.append
    for row in source:
        # Text, by far the most common, goes through without a call ('' is calamine's empty cell);
        # short texts repeat (y/n, types, languages) and are kept once
        cells = [((share(v, v) if len(v) < SHARED_LENGTH else v) if v else None) if type(v) is str else _plain(v)
                 for v in row]
        append(pad + cells if first_column else cells)
        if progress is not None and not len(rows) % PROGRESS_EVERY:
            progress("Reading", len(rows), total)
    for (row, column), text in scan.errors.items():  # calamine gives '#N/A' and the like as empty
        index = row - 1 - first_row
        if 0 <= index < len(rows) and column - 1 < len(rows[index]):
            rows[index][column - 1] = text
    return rows, first_row + 1


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


# --------------------------------------------------------------------------- CSV

def read_csv_bytes(data: bytes, name: str = "upload.csv", limits: ReadLimits | None = None) -> Table:
    return read_csv(data, name, limits)


def read_csv(source: Path | bytes, name: str, limits: ReadLimits | None = None,
             progress: Progress | None = None) -> Table:
    """A CSV file, streamed: UTF-8 (with or without BOM), else Windows-1252, which Excel writes on
    Western Windows; comma or semicolon (Excel in many European locales writes ';')."""
    limits = limits or ReadLimits.from_env()
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > limits.unpacked_bytes:
        raise UnreadableFile(f"{name}: is {size / 1024 / 1024:,.0f} MB; rosterbook reads CSV files of at most "
                             f"{limits.unpacked_mb}. Split it into smaller files")
    with (io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")) as raw:
        head = raw.read(4096)
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise UnreadableFile(f"{name}: this is not a text file (it contains NUL bytes); is it a workbook saved as .csv?")
        for encoding in ("utf-8-sig", "cp1252"):
            raw.seek(0)
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            try:
                with collector_paused():  # 100,000s of row lists hold no cycles
                    return _read_csv_text(text, raw, size, encoding, name, limits, progress)
            except UnicodeDecodeError:
                continue
            finally:
                text.detach()
    raise UnreadableFile(f"{name}: the text is neither UTF-8 nor Windows-1252; save it as 'CSV UTF-8' and retry")


def sniff_delimiter(first_line: str) -> str:
    """Comma or semicolon, by the first line."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


class _LongLine(Exception):
    def __init__(self, start: str):
        self.start = start


def _lines(text: TextIO, first: str) -> Iterator[str]:
    """The file's lines, none longer than MAX_LINE characters (a line is held whole in memory)."""
    if len(first) == MAX_LINE and not first.endswith(("\n", "\r")):
        raise _LongLine(first)
    yield first
    readline = text.readline
    while True:
        line = readline(MAX_LINE)
        if not line:
            return
        if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
            raise _LongLine(line)
        yield line


def _read_csv_text(text: TextIO, raw: BinaryIO, size: int, encoding: str, name: str, limits: ReadLimits,
                   progress: Progress | None) -> Table:
    first = text.readline(MAX_LINE)
    delimiter = sniff_delimiter(first)
    max_rows, max_columns = limits.rows, limits.columns
    rows: list[list[Any]] = []
    append = rows.append
    memo: dict[str, str] = {}
    share = memo.setdefault  # short texts repeat (y/n, types, languages): each is kept once
    try:
        for row in csv.reader(_lines(text, first), delimiter=delimiter, strict=True):
            if len(row) > max_columns:
                raise UnreadableFile(_too_many_columns(name, len(row), len(rows) + 1, max_columns))
            append([(share(c, c) if len(c) < SHARED_LENGTH else c) if c else None for c in row])
            if len(rows) > max_rows:
                raise UnreadableFile(f"{name}: has more than {max_rows:,} lines; rosterbook reads at most "
                                     f"{max_rows:,}. Split it into smaller files")
            if progress is not None and not len(rows) % PROGRESS_EVERY:
                progress("Reading", raw.tell(), size)
    except _LongLine as long:
        values = long.start.count(delimiter) + 1
        if values > max_columns:
            raise UnreadableFile(_too_many_columns(name, values, len(rows) + 1, max_columns, "at least ")) from None
        raise UnreadableFile(f"{name}: line {len(rows) + 1} is longer than {MAX_LINE:,} characters; "
                             "is this a roster saved as CSV?") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: broken CSV ({exc}); check for a stray quote character") from None
    rows, start = strip_blank_edges(rows)
    return Table(rows, None, {}, encoding, delimiter, start)


def _too_many_columns(name: str, count: int, line: int, limit: int, at_least: str = "") -> str:
    return (f"{name}: line {line:,} has {at_least}{count:,} values; rosterbook reads at most {limit:,} columns. "
            "Check the separator, or delete the columns you do not need")
