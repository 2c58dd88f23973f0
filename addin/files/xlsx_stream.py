"""A small .xlsx writer that streams rows straight into the zip, for the annotated copy.

XlsxWriter's constant-memory mode took 14 s to write 100,000 rows of 32 columns (a method call
and its checks per cell); building each row's XML as one string here takes about a tenth of
that. Only what the copy needs: inline strings, numbers, booleans, dates and times, a few cell
formats (fill, font colour, bold, a bottom border, wrapping, a number format), column widths,
frozen panes and hidden sheets.
"""
from __future__ import annotations

import datetime as dt
import queue
import re
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..rules.annotations import column_letter

MAX_TEXT = 32_767  # characters Excel holds in one cell
_EPOCH = dt.datetime(1899, 12, 30)
_HIDDEN_STATE = ' state="hidden"'
_FLUSH = 1 << 20  # characters of XML gathered before they go to the zip

# What a text needs before it can stand in <t>: markup characters and characters XML 1.0 cannot
# hold (is_plain also looks for text like Excel's own _xHHHH_ escape, and spaces at either end).
_MARKUP_OR_UNWRITABLE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = " \t\n\r"
# A text that is surely plain, matched whole in one call: none of the above, no '_' (so no _xHHHH_),
# no space at either end. Others go through is_plain.
_SAFE = r"[^&<>_\s\x00-\x1f\ud800-\udfff\ufffe\uffff]"
PLAIN_TEXT = re.compile(f"{_SAFE}(?:[^&<>_\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ud800-\\udfff\\ufffe\\uffff]*{_SAFE})?").fullmatch
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def text_xml(value: str) -> str:
    """'<is><t>...</t></is>' for a text; characters an .xlsx cannot hold are shown as <U+0007>."""
    return f"<is>{_t(value)}</is>"


def _t(value: str) -> str:
    """A text's <t> element, escaped as it needs."""
    if len(value) > MAX_TEXT:
        value = value[:MAX_TEXT]
    if is_plain(value):
        return f"<t>{value}</t>"
    value = _UNWRITABLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", value)
    value = _EXCEL_ESCAPE.sub(r"_x005F_\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<t{space}>{value}</t>"


def attribute(value: str) -> str:
    """value quoted as an XML attribute, as xml.sax.saxutils.quoteattr does it (whose import
    brings urllib, http and ssl along: 10 ms of every command's start)."""
    for char, entity in _ATTRIBUTE_ENTITIES:
        value = value.replace(char, entity)
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'


_ATTRIBUTE_ENTITIES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;"))


def is_plain(value: str, _search=_MARKUP_OR_UNWRITABLE.search) -> bool:
    """True when the text can go into <t> as it is (letters and digits alone, the usual case, first)."""
    return value.isalnum() or (not value or (_search(value) is None and "_x" not in value
                                             and value[0] not in _SPACES and value[-1] not in _SPACES))


def serial(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> float:
    """Excel's serial number of a date or time (1900 date system)."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
    elif isinstance(value, dt.date):
        delta = dt.datetime(value.year, value.month, value.day) - _EPOCH
    elif isinstance(value, dt.time):
        delta = dt.timedelta(hours=value.hour, minutes=value.minute, seconds=value.second,
                             microseconds=value.microsecond)
    else:
        delta = value
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


@dataclass(frozen=True)
class Style:
    number_format: str | None = None  # None: General
    bold: bool = False
    fill: str | None = None  # 'FFC7CE'
    font_color: str | None = None
    bottom_border: bool = False
    wrap: bool = False


class Styles:
    """The cell formats of a book, numbered as styles.xml lists them (0 is the default)."""

    def __init__(self) -> None:
        self._index: dict[Style, int] = {Style(): 0}

    def __call__(self, style: Style) -> int:
        if style not in self._index:
            self._index[style] = len(self._index)
        return self._index[style]

    def xml(self) -> str:
        styles = list(self._index)
        formats = sorted({s.number_format for s in styles if s.number_format and s.number_format != "@"})
        format_ids = {f: 164 + i for i, f in enumerate(formats)} | {"@": 49, None: 0}
        fonts = list(dict.fromkeys([(False, None)] + [(s.bold, s.font_color) for s in styles]))
        fills = list(dict.fromkeys([None] + [s.fill for s in styles]))
        borders = [False, True]
        parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
        if formats:
            parts.append(f'<numFmts count="{len(formats)}">')
            parts.extend(f'<numFmt numFmtId="{format_ids[f]}" formatCode={attribute(f)}/>' for f in formats)
            parts.append("</numFmts>")
        parts.append(f'<fonts count="{len(fonts)}">')
        for bold, color in fonts:
            colour = f'<color rgb="FF{color}"/>' if color else '<color theme="1"/>'
            parts.append(f'<font>{"<b/>" if bold else ""}<sz val="11"/>{colour}'
                         '<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>')
        parts.append("</fonts>")
        # Fills 0 and 1 are reserved by Excel (none and gray125), whatever a book uses.
        parts.append(f'<fills count="{len(fills) + 1}"><fill><patternFill patternType="none"/></fill>'
                     '<fill><patternFill patternType="gray125"/></fill>')
        parts.extend(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{f}"/><bgColor indexed="64"/>'
                     "</patternFill></fill>" for f in fills[1:])
        parts.append("</fills>")
        parts.append('<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
                     '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/>'
                     "</border></borders>")
        parts.append('<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>')
        parts.append(f'<cellXfs count="{len(styles)}">')
        for s in styles:
            font = fonts.index((s.bold, s.font_color))
            fill = fills.index(s.fill) + 1 if s.fill else 0
            border = borders.index(s.bottom_border)
            applied = "".join([' applyNumberFormat="1"' if s.number_format else "",
                               ' applyFont="1"' if font else "", ' applyFill="1"' if fill else "",
                               ' applyBorder="1"' if border else "", ' applyAlignment="1"' if s.wrap else ""])
            alignment = '<alignment vertical="top" wrapText="1"/>' if s.wrap else ""
            parts.append(f'<xf numFmtId="{format_ids[s.number_format]}" fontId="{font}" fillId="{fill}" '
                         f'borderId="{border}" xfId="0"{applied}>{alignment}</xf>' if alignment else
                         f'<xf numFmtId="{format_ids[s.number_format]}" fontId="{font}" fillId="{fill}" '
                         f'borderId="{border}" xfId="0"{applied}/>')
        parts.append('</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                     "</styleSheet>")
        return "".join(parts)


@dataclass(frozen=True)
class ColumnFormat:
    width: float
    style: int = 0
    hidden: bool = False


class SheetWriter:
    """One worksheet, written row by row in order; cells come as ready XML (see cell helpers)."""

    def __init__(self, book: StreamingBook, index: int, columns: list[ColumnFormat],
                 freeze: tuple[int, int] | None, selected: bool):
        self._book, self._index = book, index
        self._out = book._zip.open(f"xl/worksheets/sheet{index}.xml", "w")
        self._notes: list[tuple[int, int, str]] = []
        self._packer: _Packer | None = None
        self._buffer: list[str] = []
        self._size = 0
        head = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
                '<sheetViews><sheetView workbookViewId="0"' + (' tabSelected="1">' if selected else ">")]
        if freeze and any(freeze):
            rows, cols = freeze
            top_left = f"{column_letter(cols)}{rows + 1}"
            pane = "bottomRight" if rows and cols else ("bottomLeft" if rows else "topRight")
            split = (f' xSplit="{cols}"' if cols else "") + (f' ySplit="{rows}"' if rows else "")
            head.append(f'<pane{split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
                        f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>')
        head.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
        if columns:
            head.append("<cols>")
            for i, c in enumerate(columns, start=1):
                style = f' style="{c.style}"' if c.style else ""
                hidden = ' hidden="1"' if c.hidden else ""
                head.append(f'<col min="{i}" max="{i}" width="{c.width:.2f}" customWidth="1"{style}{hidden}/>')
            head.append("</cols>")
        head.append("<sheetData>")
        self._out.write("".join(head).encode("utf-8"))

    def row(self, number: int, cells_xml: str) -> None:
        self.rows(f'<row r="{number}">{cells_xml}</row>')

    def rows(self, xml: str) -> None:
        """Whole <row> elements, in order."""
        self._buffer.append(xml)
        self._size += len(xml)
        if self._size > _FLUSH:
            self._flush()

    def _flush(self) -> None:
        data = "".join(self._buffer).encode("utf-8")
        self._buffer.clear()
        self._size = 0
        if self._packer is None and len(data) >= _FLUSH:
            self._packer = _Packer(self._out)
        if self._packer is not None:
            self._packer.put(data)
        else:
            self._out.write(data)

    def note(self, row: int, column: int, text: str) -> None:
        """A note (comment) on a cell: row 1-based, column 0-based; written when the sheet closes."""
        self._notes.append((row, column, text))

    def close(self) -> None:
        self._buffer.append("</sheetData>"
                            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                            + ('<legacyDrawing r:id="rId1"/>' if self._notes else "") + "</worksheet>")
        self._flush()
        if self._packer is not None:
            self._packer.close()
        self._out.close()
        if self._notes:
            self._book._notes(self._index, self._notes)


class _Packer:
    """Compresses a sheet's XML on a thread of its own while the rows are made: zlib lets go of
    the interpreter while it works, so the two share a machine's cores."""

    def __init__(self, out: BinaryIO):
        self._out = out
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # a few MB in flight at most
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-packer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self._out.write(data)
                except BaseException as exc:  # handed to the writer's thread at close
                    self._failure = exc

    def put(self, data: bytes) -> None:
        if self._failure is not None:
            raise self._failure
        self._queue.put(data)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._failure is not None:
            raise self._failure


class StreamingBook:
    """An .xlsx written sheet by sheet; one sheet is open at a time."""

    def __init__(self, out: Path | BinaryIO):
        self._zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.styles = Styles()
        self._sheets: list[tuple[str, bool]] = []
        self._noted: list[int] = []  # sheets with notes

    def add_sheet(self, name: str, columns: list[ColumnFormat] | None = None, *,
                  freeze: tuple[int, int] | None = None, hidden: bool = False) -> SheetWriter:
        self._sheets.append((name, hidden))
        return SheetWriter(self, len(self._sheets), columns or [], freeze, selected=len(self._sheets) == 1)

    def close(self) -> None:
        count = len(self._sheets)
        self._write("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                    '<Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                    '<Override PartName="/xl/styles.xml" '
                    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                    + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                              'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                              for i in range(1, count + 1))
                    + ('<Default Extension="vml" ContentType="application/vnd.openxmlformats-officedocument.'
                       'vmlDrawing"/>' if self._noted else "")
                    + "".join(f'<Override PartName="/xl/comments{i}.xml" ContentType="application/'
                              'vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"/>' for i in self._noted)
                    + "</Types>")
        self._write("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        sheets = "".join(f'<sheet name={attribute(name)} sheetId="{i}"{_HIDDEN_STATE if hidden else ""} r:id="rId{i}"/>'
                         for i, (name, hidden) in enumerate(self._sheets, start=1))
        self._write("xl/workbook.xml",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
        self._write("xl/_rels/workbook.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'{rels}<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')
        self._write("xl/styles.xml", self.styles.xml())
        self._zip.close()

    def _write(self, name: str, text: str) -> None:
        self._zip.writestr(name, text.encode("utf-8"))

    def _notes(self, index: int, notes: list[tuple[int, int, str]]) -> None:
        """A sheet's notes: the comments part Excel reads them from, the legacy drawing (VML) it
        shows them with, hidden until the mouse is over the cell, and the sheet's links to both."""
        self._noted.append(index)
        with self._zip.open(f"xl/comments{index}.xml", "w") as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="http://'
                      b'schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>rosterbook</author>'
                      b"</authors><commentList>")
            for start in range(0, len(notes), 4096):
                out.write("".join(f'<comment ref="{column_letter(c)}{r}" authorId="0"><text><r>{_t(text)}</r>'
                                  "</text></comment>" for r, c, text in notes[start:start + 4096]).encode("utf-8"))
            out.write(b"</commentList></comments>")
        blocks = ",".join(str(b) for b in range(1, len(notes) // 1024 + 2))  # 1,024 shape ids per block
        with self._zip.open(f"xl/drawings/vmlDrawing{index}.vml", "w") as out:
            out.write(('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
                       'office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
                       f'<o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout><v:shapetype id="_x0000_t202" '
                       'coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke '
                       'joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')
                      .encode("utf-8"))
            for start in range(0, len(notes), 4096):
                out.write("".join(_note_shape(1025 + i, r, c)
                                  for i, (r, c, _) in enumerate(notes[start:start + 4096], start=start))
                          .encode("utf-8"))
            out.write(b"</xml>")
        self._write(f"xl/worksheets/_rels/sheet{index}.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/vmlDrawing" Target="../drawings/vmlDrawing{index}.vml"/>'
                    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/comments" Target="../comments{index}.xml"/></Relationships>')


def _note_shape(shape_id: int, row: int, column: int) -> str:
    """A note's box: beside its cell, hidden until shown."""
    r = row - 1
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            'margin-top:1.5pt;width:144pt;height:45pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
            'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
            '</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{column + 1}, 15, {r}, 10, {column + 4}, 15, {r + 3}, 4</x:Anchor><x:AutoFill>False"
            f"</x:AutoFill><x:Row>{r}</x:Row><x:Column>{column}</x:Column></x:ClientData></v:shape>")


# --------------------------------------------------------------------------- cells

def cell_xml(ref: str, value: Any, style: int, date_styles: dict[type, int]) -> str:
    """One cell's XML for any value a reader gives (text, number, boolean, date, time, duration)."""
    s = f' s="{style}"' if style else ""
    kind = type(value)
    if kind is str:
        return f'<c r="{ref}"{s} t="inlineStr">{text_xml(value)}</c>'
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            return f'<c r="{ref}"{s} t="inlineStr">{text_xml(str(value))}</c>'
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if kind in date_styles:
        return f'<c r="{ref}" s="{date_styles[kind]}"><v>{serial(value)!r}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr">{text_xml(str(value))}</c>'
