"""Reading filled files: .xlsx/.xlsm through calamine (after xlsx_package has checked the package),
from the sheet whose header row best matches the format (header_choice) or the one the admin
names; .csv and .txt through csv_reader. Both within the ReadLimits, into a Table (table.py)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from ..rules.collector import collector_paused
from ..rules.columns import Profile
from ..rules.settings import CONF_SHEET, SHEET_KEY
from .csv_reader import read_csv, sniff_delimiter
from .header_choice import HEADER_SEARCH_ROWS, best_header, formats_to_match
from .limits import ReadLimits
from .table import (CSV_SUFFIXES, PADDED_ROWS, PROGRESS_EVERY, SHARED_LENGTH, SHEET_BY_CONTENT, SHEET_BY_OPTION,
                    SHEET_OF_TEMPLATE, SHEET_ONLY, SPREADSHEET_SUFFIXES, Progress, ReadOptions, Table,
                    UnreadableFile, place_header, strip_blank_edges)
from .xlsx_package import PackageProblem, SheetEntry, SheetScan, XlsxPackage

__all__ = ["CSV_SUFFIXES", "PROGRESS_EVERY", "SPREADSHEET_SUFFIXES", "Progress", "ReadOptions", "Table", "UnreadableFile",
           "read_csv", "read_table", "read_workbook", "sniff_delimiter", "strip_blank_edges"]


def read_table(path: Path, limits: ReadLimits | None = None, progress: Progress | None = None,
               options: ReadOptions | None = None) -> Table:
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableFile(f"{path}: is a folder, not a file")
    limits = limits or ReadLimits.from_env()
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(path, str(path), limits, progress, options)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, str(path), limits, progress, options)
    raise UnreadableFile(f"{path}: rosterbook reads .xlsx, .xlsm, .csv and .txt files, not "
                         f"'{path.suffix or 'no extension'}'")


# --------------------------------------------------------------------------- workbooks

def read_workbook(source: Path | bytes, name: str | None = None, limits: ReadLimits | None = None,
                  progress: Progress | None = None, options: ReadOptions | None = None) -> Table:
    """A sheet of a workbook: the one named, else the one the template names, else the visible one
    whose header row matches the format best."""
    name = name or str(source)
    limits = limits or ReadLimits.from_env()
    options = options or ReadOptions()
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
            profiles = formats_to_match(options.profile, settings)
            chosen = _SheetChoice(package, book, name, profiles)
            entry, scan, sheet, how = chosen.choose(options.sheet, settings.get(SHEET_KEY))
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
    table = Table(rows, entry.name, settings, start_row=first + start - 1, layout=scan,
                  sheets=tuple(s.name for s in chosen.visible), sheet_from=how)
    place_header(table, profiles, options.header_row, name)
    return table


class _SheetChoice:
    """The worksheet to read, each candidate checked within the limits before calamine loads it."""

    def __init__(self, package: XlsxPackage, book, name: str, profiles: list[Profile]):
        self.package, self.book, self.name, self.profiles = package, book, name, profiles
        self.worksheets = [s for s in package.sheets if s.name != CONF_SHEET]
        self.visible = [s for s in self.worksheets if s.state == "visible"]

    def choose(self, asked: str | None, templates: str | None) -> tuple[SheetEntry, SheetScan, Any, str]:
        if asked is not None:
            entry = self._named(asked)
            if entry is None:
                names = ", ".join(repr(s.name) for s in self.worksheets) or "none"
                raise UnreadableFile(f"{self.name}: has no sheet {asked!r}; its sheets are {names}")
            return (entry, *self._load(entry), SHEET_BY_OPTION)
        entry = self._named(templates) if templates else None
        if entry is not None:
            return (entry, *self._load(entry), SHEET_OF_TEMPLATE)
        if not self.visible:
            raise UnreadableFile(f"{self.name}: the workbook has no visible worksheet")
        if len(self.visible) == 1:
            return (self.visible[0], *self._load(self.visible[0]), SHEET_ONLY)
        best = None
        for entry in self.visible:  # a cover sheet first: the sheet whose header matches best
            scan, sheet = self._load(entry)
            score = self._score(sheet, scan)
            if best is None or score > best[0]:
                best = (score, entry, scan, sheet)
            del sheet
        _, entry, scan, sheet = best
        return entry, scan, sheet, SHEET_BY_CONTENT

    def _named(self, wanted: str) -> SheetEntry | None:
        exact = [s for s in self.worksheets if s.name == wanted]
        folded = [s for s in self.worksheets if s.name.strip().casefold() == wanted.strip().casefold()]
        return (exact or folded or [None])[0]

    def _load(self, entry: SheetEntry) -> tuple[SheetScan, Any]:
        scan = self.package.scan(entry)
        return scan, _sheet(self.book, entry, self.name)

    def _score(self, sheet, scan: SheetScan) -> int:
        if not sheet.height or scan.first_row is None:
            return 0
        head = sheet.to_python(skip_empty_area=True, nrows=HEADER_SEARCH_ROWS)
        return best_header([[_plain(v) for v in row] for row in head], self.profiles)[1]


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


def _plain(value: Any) -> Any:
    """A value in the shape the rules expect (as openpyxl gave it): empty cells None, whole numbers int, dates at midnight datetime."""
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


