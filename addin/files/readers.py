"""Reading filled files: .xlsx/.xlsm through openpyxl, .csv in the encodings admins' tools write."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..rules.settings import CONF_SHEET, SHEET_KEY

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")


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


def read_table(path: Path) -> Table:
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableFile(f"{path}: is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(path)
    if suffix in (".csv", ".txt"):
        return read_csv_bytes(path.read_bytes(), str(path))
    raise UnreadableFile(f"{path}: rosterbook reads .xlsx, .xlsm and .csv files, not '{path.suffix or 'no extension'}'")


# --------------------------------------------------------------------------- workbooks

def read_workbook(path: Path | io.BytesIO, name: str | None = None) -> Table:
    name = name or str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{name}: not a readable Excel workbook ({type(exc).__name__}); "
                             "save it again from Excel as .xlsx and retry") from None
    try:
        settings = conf_settings(book)
        sheet_name = settings.get(SHEET_KEY)
        if sheet_name not in book.sheetnames:
            sheet_name = first_data_sheet(book)
        rows = [list(r) for r in book[sheet_name].iter_rows(values_only=True)]
    finally:
        book.close()
    rows, start = strip_blank_edges(rows)
    return Table(rows, sheet_name, settings, start_row=start)


def conf_settings(book) -> dict[str, str]:
    if CONF_SHEET not in book.sheetnames:
        return {}
    settings = {}
    for row in book[CONF_SHEET].iter_rows(min_col=1, max_col=2, values_only=True):
        key, value = (list(row) + [None, None])[:2]
        if key is not None and value is not None:
            settings[str(key).strip()] = str(value).strip()
    return settings


def first_data_sheet(book) -> str:
    for ws in book.worksheets:
        if ws.title != CONF_SHEET and ws.sheet_state == "visible":
            return ws.title
    raise UnreadableFile("the workbook has no visible worksheet")


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
    return rows[start:end], start + 1


# --------------------------------------------------------------------------- CSV

def decode(data: bytes, name: str) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then Windows-1252, which Excel writes on Western Windows."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{name}: the text is neither UTF-8 nor Windows-1252; save it as 'CSV UTF-8' and retry")


def sniff_delimiter(text: str) -> str:
    """Comma or semicolon (Excel in many European locales writes ';'), by the first line."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read_csv_bytes(data: bytes, name: str = "upload.csv") -> Table:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile(f"{name}: this is not a text file (it contains NUL bytes); is it a workbook saved as .csv?")
    text, encoding = decode(data, name)
    delimiter = sniff_delimiter(text)
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)]
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: broken CSV ({exc}); check for a stray quote character") from None
    rows = [[cell if cell != "" else None for cell in row] for row in rows]
    rows, start = strip_blank_edges(rows)
    return Table(rows, None, {}, encoding, delimiter, start)
