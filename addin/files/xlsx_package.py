"""An .xlsx/.xlsm package checked before any parser sees it.

The fast reader (calamine) builds a sheet as one block from its first to its last cell, so a
1.6 KB file with a cell at A1 and one at XFD1048576 asks it for 17 billion cells, and a zip
entry may unpack to far more than it declares. Here, with bounded memory and before that:

- the package's declared unpacked size is checked against the limit, and every part the
  reader will parse is unpacked once by this module, which stops as soon as a part gives more
  bytes than it declares (a zip bomb) and checks its CRC;
- the sheet's XML is scanned in pieces for where its cells lie (first and last row, last
  column), for character references XML forbids (`&#1;`), for formula errors (calamine gives
  them as empty), and, for those who need them, its hidden rows, merged ranges and column widths.

The scan relies on how Excel, LibreOffice, openpyxl and XlsxWriter write a sheet: every cell as
`<c r="A1" ...>`. A sheet written otherwise (cells without a reference, prefixed elements) is
scanned a slower way that follows each row and cell tag, positions counted as calamine counts them.
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

from ..rules.annotations import column_letter
from .limits import EXCEL_MAX_COLUMNS, ReadLimits

PIECE = 4 * 1024 * 1024  # unpacked bytes scanned at a time
SMALL_PART = 32 * 1024 * 1024  # workbook.xml and the like are read whole; more is not a workbook part
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"


class PackageProblem(Exception):
    """Why the package cannot be read, for a person (the caller names the file)."""


@dataclass(frozen=True)
class SheetEntry:
    name: str
    path: str  # the part inside the package, e.g. xl/worksheets/sheet1.xml
    state: str  # visible, hidden or veryHidden


@dataclass(frozen=True)
class ColumnSpec:
    first: int  # 1-based, inclusive
    last: int
    width: float | None
    hidden: bool
    style: int | None


@dataclass
class SheetScan:
    """Where a sheet's cells lie, and what a reader of its values alone would not see."""

    first_row: int | None = None  # 1-based; rows of the first and the last cell, in the file's order
    last_row: int | None = None
    hidden_rows: list[int] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # 'A1:B2' ranges
    columns: list[ColumnSpec] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column), 1-based -> '#N/A'

    @property
    def height(self) -> int:
        if self.first_row is None or self.last_row is None:
            return 0
        return self.last_row - self.first_row + 1


def column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number



def _beyond_columns(limit: int) -> bytes:
    """A pattern matching column letters after the limit's (limit 200 = 'GR': 'GS'..'GZ', 'HA'.., 'AAA'..)."""
    last = column_letter(limit - 1)
    alternatives = [b"[A-Za-z]{%d,}" % (len(last) + 1)]
    for i, ch in enumerate(last):
        if ch == "Z":
            continue
        head = "".join(f"[{c}{c.lower()}]" for c in last[:i])
        higher = chr(ord(ch) + 1)
        rest = len(last) - i - 1
        alternatives.append(f"{head}[{higher}-Z{higher.lower()}-z][A-Za-z]{{{rest}}}".encode())
    return b"(?:" + b"|".join(alternatives) + b")"


_CELL = re.compile(rb'<c r="([A-Za-z]{1,4})([0-9]{1,9})"[^>]*>')  # group 0 ends with '/>' for an empty cell
_ODD_CELL = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="))')  # a cell tag the fast scan cannot follow
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]")
_BAD_REFERENCE = re.compile(  # character references XML 1.0 forbids: C0 controls but tab, LF, CR; surrogates; FFFE/FFFF
    rb"&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]|[0-9a-fA-F]{7,})"
    rb"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]"
    rb"|6553[45]|[0-9]{8,}));")
_HIDDEN_ROW = re.compile(rb'<row r="([0-9]{1,9})"[^>]*?\shidden="(?:1|true)"')
_MERGED = re.compile(rb'<mergeCell ref="([A-Za-z0-9:$]{1,40})"')
_COL = re.compile(rb"<col\s([^>]*)>")
_ATTR = re.compile(rb'([A-Za-z:]+)="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Za-z]{1,4})([0-9]{1,9})"[^>]*?\st="e"[^>]*>')
_VALUE = re.compile(rb"<v>([^<]{0,64})</v>")
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_REF_ATTR = re.compile(rb'(?:^|\s)r="([A-Za-z]*)([0-9]*)"')
MAX_MERGED = 10_000
MAX_ERRORS = 100_000


class XlsxPackage:
    """The zip of an .xlsx/.xlsm, its worksheets, and verified reading of its parts."""

    def __init__(self, source: Path | bytes, limits: ReadLimits):
        self.limits = limits
        self._file: BinaryIO = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        try:
            self._zip = zipfile.ZipFile(self._file)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
                struct.error) as exc:
            raise PackageProblem(f"not a readable Excel workbook ({type(exc).__name__})") from None
        declared = sum(info.file_size for info in infos)
        if declared > self.limits.unpacked_bytes:
            raise PackageProblem(f"unpacks to {declared / 1024 / 1024:,.0f} MB; rosterbook reads workbooks of at "
                                 f"most {self.limits.unpacked_mb} unpacked. Split it into smaller files")
        self._infos = {info.filename: info for info in infos}
        try:
            self.workbook_path = self._workbook_path()
            self.sheets = self._sheets()
        except (ElementTree.ParseError, KeyError, ValueError, UnicodeDecodeError):
            raise PackageProblem("not a readable Excel workbook (its list of sheets is damaged)") from None
        for part, is_text in self._parts_the_reader_parses():
            for piece in self.pieces(part):
                if is_text and b"&#" in piece and _BAD_REFERENCE.search(piece):
                    raise PackageProblem(_BROKEN_XML)

    def close(self) -> None:
        self._file.close()

    # ------------------------------------------------------------------ parts

    def has(self, path: str) -> bool:
        return path in self._infos

    def read(self, path: str) -> bytes:
        """A small part, whole."""
        info = self._infos[path]
        if info.file_size > SMALL_PART:
            raise PackageProblem(f"not a readable Excel workbook (its part {path} is too large)")
        return b"".join(self.pieces(path))

    def pieces(self, path: str) -> Iterator[bytes]:
        """A part unpacked piece by piece: never more than it declares, its CRC checked at the end."""
        info = self._infos[path]
        if info.flag_bits & 0x1:
            raise PackageProblem("the workbook is encrypted: save it without a password and retry")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise PackageProblem(f"not a readable Excel workbook (its part {path} uses an unusual compression)")
        self._file.seek(info.header_offset)
        header = self._file.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            raise PackageProblem("not a readable Excel workbook (its zip structure is damaged)")
        _, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        position = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        left, produced, crc = info.compress_size, 0, 0
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while True:
            pending = inflater.unconsumed_tail if inflater is not None else b""
            if not pending and left > 0:
                self._file.seek(position)
                pending = self._file.read(min(PIECE, left))
                if not pending:
                    break
                position += len(pending)
                left -= len(pending)
            if inflater is None:
                out = pending
            else:
                try:
                    out = inflater.decompress(pending, PIECE)
                except zlib.error:
                    raise PackageProblem(f"not a readable Excel workbook (its part {path} is damaged)") from None
            if not out and not pending:
                break
            produced += len(out)
            if produced > info.file_size:
                raise PackageProblem(f"not a readable Excel workbook: its part {path} unpacks to more than it "
                                     "declares (a zip bomb?)")
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            if inflater is not None and inflater.eof:
                break
        if produced != info.file_size or crc != info.CRC or (inflater is not None and not inflater.eof):
            raise PackageProblem(f"not a readable Excel workbook (its part {path} is damaged)")

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """{id: (type, target path)} of a part's relationships."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if not self.has(rels):
            return {}
        found = {}
        for rel in ElementTree.fromstring(self.read(rels)):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            found[rel.get("Id", "")] = (rel.get("Type", ""), path)
        return found

    def _workbook_path(self) -> str:
        for kind, path in self._relationships("").values():
            if kind.endswith("/officeDocument") and self.has(path):
                return path
        if self.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise PackageProblem("not an Excel workbook (it has no workbook part); save it as .xlsx and retry")

    def _sheets(self) -> list[SheetEntry]:
        rels = self._relationships(self.workbook_path)
        sheets = []
        for element in ElementTree.fromstring(self.read(self.workbook_path)).iter():
            if element.tag.rsplit("}", 1)[-1] != "sheet":
                continue
            kind, path = rels.get(element.get(f"{{{REL_NS}}}id", ""), ("", ""))
            if kind.endswith("/worksheet") and self.has(path):
                sheets.append(SheetEntry(element.get("name", ""), path, element.get("state", "visible")))
        return sheets

    def _parts_the_reader_parses(self) -> list[tuple[str, bool]]:
        """Everything calamine reads on opening a workbook (the sheets are scanned when read), and
        whether it holds the workbook's text (the shared strings)."""
        parts = {"[Content_Types].xml": False, "_rels/.rels": False, self.workbook_path: False}
        folder, name = posixpath.split(self.workbook_path)
        parts[posixpath.join(folder, "_rels", name + ".rels")] = False
        for kind, path in self._relationships(self.workbook_path).values():
            if kind.endswith(("/sharedStrings", "/styles")):
                parts[path] = kind.endswith("/sharedStrings")
        return [(p, text) for p, text in parts.items() if self.has(p)]

    # ------------------------------------------------------------------ sheets

    def scan(self, sheet: SheetEntry) -> SheetScan:
        scan = _FastScan(self.limits)
        try:
            self._feed(sheet, scan)
        except _NeedsSlowScan:
            scan = _SlowScan(self.limits)
            self._feed(sheet, scan)
        self._check_rows(sheet, scan.result)
        return scan.result

    def _check_rows(self, sheet: SheetEntry, result: SheetScan) -> None:
        if result.first_row is not None and result.last_row < result.first_row:
            raise PackageProblem("its rows are stored out of order, which Excel never does; open it in Excel, "
                                 "save it again and retry")
        if result.height > self.limits.rows:
            raise PackageProblem(f"its sheet {sheet.name!r} has more than {self.limits.rows:,} rows from the first "
                                 f"filled one to the last; rosterbook reads at most {self.limits.rows:,}. Split it "
                                 "into smaller files")

    def _feed(self, sheet: SheetEntry, scan: _Scan) -> None:
        rest = b""
        for piece in self.pieces(sheet.path):
            data = rest + piece if rest else piece
            cut = data.rfind(b">") + 1
            if not cut and len(data) > PIECE:
                raise PackageProblem(_BROKEN_XML)
            scan.feed(data[:cut])
            rest = data[cut:]
            result = scan.result
            if result.first_row is not None and result.last_row > result.first_row + self.limits.rows:
                self._check_rows(sheet, result)  # over the limit already: no need to unpack the rest
        scan.feed(rest)


_BROKEN_XML = ("not a readable Excel workbook: its XML is damaged (a character XML does not allow, or a broken "
               "tag). Open it in Excel, save it again and retry")


class _NeedsSlowScan(Exception):
    pass


class _Scan:
    def __init__(self, limits: ReadLimits):
        self.limits = limits
        self.result = SheetScan()
        self._started = False
        self._columns_read = False

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if not self._started:
            self._started = True
            self._start(data)
        if b"&#" in data and _BAD_REFERENCE.search(data):
            raise PackageProblem(_BROKEN_XML)
        result = self.result
        if not self._columns_read and b"<col " in data:
            self._columns_read = True
            for match in _COL.finditer(data):
                attrs = dict(_ATTR.findall(match.group(1)))
                try:
                    first, last = int(attrs[b"min"]), min(int(attrs[b"max"]), EXCEL_MAX_COLUMNS)
                    width = float(attrs[b"width"]) if b"width" in attrs else None
                    style = int(attrs[b"style"]) if b"style" in attrs else None
                except (KeyError, ValueError):
                    continue
                result.columns.append(ColumnSpec(first, last, width, attrs.get(b"hidden") in (b"1", b"true"), style))
        if b'hidden="' in data:
            result.hidden_rows.extend(int(m) for m in _HIDDEN_ROW.findall(data))
        if b"<mergeCell " in data and len(result.merged) < MAX_MERGED:
            result.merged.extend(m.decode("ascii") for m in _MERGED.findall(data)[:MAX_MERGED])
        self._cells(data)
        if b't="e"' in data:
            for m in _ERROR_CELL.finditer(data):
                if m.group().endswith(b"/>"):
                    continue
                close = data.find(b"</c>", m.end())
                value = _VALUE.search(data, m.end(), close if close >= 0 else len(data))
                if value and len(result.errors) < MAX_ERRORS:
                    key = (int(m.group(2)), column_number(m.group(1)))
                    result.errors[key] = value.group(1).decode("utf-8", "replace")

    def _start(self, data: bytes) -> None:
        pass

    def _cells(self, data: bytes) -> None:
        raise NotImplementedError

    def _too_wide(self, column: int) -> PackageProblem:
        return PackageProblem(f"it has values in column {column_letter(column - 1) if column <= EXCEL_MAX_COLUMNS else column}; "
                              f"rosterbook reads at most {self.limits.columns} columns. Delete the columns you do "
                              "not need and retry")


class _FastScan(_Scan):
    """Every cell tag is `<c r="...">`: the first and last cells and the widest column, by search."""

    def __init__(self, limits: ReadLimits):
        super().__init__(limits)
        self._beyond = re.compile(rb'<c r="' + _beyond_columns(limits.columns) + rb"[0-9]+\"[^>]*>")

    def _start(self, data: bytes) -> None:
        root = _ROOT.search(data)
        if root is None or root.group(1):
            raise _NeedsSlowScan

    def _cells(self, data: bytes) -> None:
        if data.count(b"<c") != data.count(b'<c r="') and _ODD_CELL.search(data):
            raise _NeedsSlowScan
        for match in self._beyond.finditer(data):
            if not match.group().endswith(b"/>"):  # an empty, only formatted cell is not read
                raise self._too_wide(column_number(re.match(rb'<c r="([A-Za-z]+)', match.group()).group(1)))
        result = self.result
        if result.first_row is None:
            for match in _CELL.finditer(data):
                if not match.group().endswith(b"/>"):
                    result.first_row = int(match.group(2))
                    break
        end = len(data)
        while True:
            end = data.rfind(b'<c r="', 0, end)
            if end < 0:
                break
            match = _CELL.match(data, end)
            if match is not None and not match.group().endswith(b"/>"):
                result.last_row = int(match.group(2))
                break


class _SlowScan(_Scan):
    """Follows every row and cell tag, counting positions as calamine does (a reference when given,
    else one after the previous cell; a row's end moves to the next row)."""

    def __init__(self, limits: ReadLimits):
        super().__init__(limits)
        self._row = 0  # 0-based, as calamine counts
        self._column = 0

    def _cells(self, data: bytes) -> None:
        result, limit = self.result, self.limits.columns
        for closing, name, attrs in _TAG.findall(data):
            if name == b"row":
                if closing:
                    self._row += 1
                    self._column = 0
                elif not attrs.endswith(b"/"):
                    ref = _REF_ATTR.search(attrs)
                    if ref is not None and ref.group(2):
                        self._row = int(ref.group(2)) - 1
                continue
            if closing or attrs.endswith(b"/"):
                continue
            ref = _REF_ATTR.search(attrs)
            if ref is not None and ref.group(1) and ref.group(2):
                row, column = int(ref.group(2)) - 1, column_number(ref.group(1)) - 1
            else:
                row, column = self._row, self._column
            self._column = column + 1
            if column + 1 > limit:
                raise self._too_wide(column + 1)
            if result.first_row is None:
                result.first_row = row + 1
            result.last_row = row + 1
