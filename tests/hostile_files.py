"""Hostile workbooks and CSV files, made by the tests themselves (nothing large is committed).

Each builder writes a minimal but well-formed package (content types, relationships, workbook,
one sheet) around the sheet XML it is given, piece by piece, so even a file that unpacks to
hundreds of megabytes is made without holding them.
"""
from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<dimension ref="{dimension}"/><sheetData>')
SHEET_END = "</sheetData></worksheet>"
HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'  # Type, LastName (pbx)
SHARED = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
          "<si><t>Type</t></si><si><t>LastName</t></si><si><t>{third}</t></si></sst>")


def workbook(path: Path, rows: Iterable[str], dimension: str = "A1:B2", third: str = "User",
             level: int = 9) -> Path:
    """An .xlsx whose sheet holds the header row and then the given <row> elements."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/sharedStrings.xml", SHARED.format(third=third))
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_START.format(dimension=dimension).encode())
            sheet.write(HEADER.encode())
            pending: list[str] = []
            for row in rows:
                pending.append(row)
                if len(pending) >= 10_000:
                    sheet.write("".join(pending).encode())
                    pending.clear()
            sheet.write("".join(pending).encode() + SHEET_END.encode())
    return path


def user_rows(count: int, first: int = 2) -> Iterable[str]:
    for n in range(first, first + count):
        yield f'<row r="{n}"><c r="A{n}" t="s"><v>2</v></c><c r="B{n}" t="inlineStr"><is><t>Poe{n}</t></is></c></row>'


def many_rows(path: Path, count: int = 1_000_000) -> Path:
    """Issue 13, row 2: a million users (about 95 MB of XML, a few MB packed)."""
    return workbook(path, user_rows(count), level=1)


def dimension_bomb(path: Path) -> Path:
    """Issue 13, row 1: a sheet declaring A1:XFD1048576, with one cell at XFD1048576."""
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return workbook(path, [far], dimension="A1:XFD1048576")


def far_row_bomb(path: Path) -> Path:
    """The same in rows only: a user on row 2 and a value on the sheet's last row, in column A."""
    return workbook(path, [*user_rows(1), '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'])


def unreferenced_cells_bomb(path: Path, cells: int = 20_000) -> Path:
    """Cells without a reference, as some writers make them: 20,000 in one row are 20,000 columns."""
    return workbook(path, ['<row r="2">' + "<c><v>1</v></c>" * cells + "</row>"])


def blank_rows_bomb(path: Path, mb: int = 240) -> Path:
    """Issue 13, row 2: a sheet of empty rows unpacking to hundreds of megabytes (a few hundred KB packed)."""
    piece = "<row/>" * 100_000  # 600 KB
    return workbook(path, (piece for _ in range(mb * 1024 * 1024 // len(piece))))


def lying_entry(path: Path, declared: int = 1000) -> Path:
    """A package whose sheet declares `declared` bytes unpacked but holds far more (a 'zip bomb' that
    lies in its central directory): the central directory's size field is rewritten."""
    workbook(path, user_rows(100_000))
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    while True:  # the central directory record that names the sheet
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            break
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))
    return path


def broken_xml(path: Path, kind: str) -> Path:
    """Issue 13, row 9: a mismatched tag, a character reference XML forbids, a shared string that is not there."""
    if kind == "mismatched tag":
        return workbook(path, ['<row r="2"><c r="A2" t="inlineStr"><is><t>User</b></is></c></row>'])
    if kind == "control character reference":
        return workbook(path, user_rows(3), third="Us&#1;er")
    if kind == "shared string out of range":
        return workbook(path, ['<row r="2"><c r="A2" t="s"><v>99</v></c></row>'])
    raise ValueError(kind)


def wide_csv(path: Path, columns: int = 1_000_000) -> Path:
    """Issue 13, row 5: a CSV line of a million values (about 9.9 MB with short values)."""
    path.write_text("Type,LastName," + ",".join(f"c{i}" for i in range(columns - 2)) + "\r\nUser,Poe\r\n")
    return path


def long_csv(path: Path, megabytes: int = 200) -> Path:
    """Issue 13, row 6: a CSV of about 200 MB, all of it well-formed users."""
    line = "User,Poe,Edgar,edgar.poe@example.com,,,2001,en\r\n"
    block = line * 20_000
    with path.open("w", newline="") as out:
        out.write("Type,LastName,FirstName,Email,HomePhone,MobilePhone,Extension,Language\r\n")
        for _ in range(megabytes * 1024 * 1024 // len(block)):
            out.write(block)
    return path
