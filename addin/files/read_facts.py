"""How a file was read, said in every report: the sheet, the header row, the text encoding and
separator, the hidden rows; and, when the encoding was a guess, a warning showing what it gave.
One wording for the command line's summary, its JSON and the upload page.
"""
from __future__ import annotations

from typing import Any

from ..rules.engine import Report
from ..rules.findings import Finding, Level
from ..rules.kinds import quote
from .encodings import BY_OPTION
from .header_choice import HEADER_BY_CONTENT, HEADER_BY_OPTION
from .readers import SHEET_BY_CONTENT, SHEET_BY_OPTION, SHEET_OF_TEMPLATE, Table

SAMPLE_VALUES = 5
SAMPLE_LENGTH = 40
SAMPLE_ROWS = 10_000  # rows looked through for the sample, at most
ROWS_NAMED = 10
_SEPARATOR_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs"}
_CODEC_OPTION = {"cp1250": "windows-1250", "cp1251": "windows-1251", "cp1252": "windows-1252",
                 "cp1253": "windows-1253", "cp1254": "windows-1254", "cp1257": "windows-1257",
                 "utf-8-sig": "utf-8"}


def read_facts(table: Table, hidden: frozenset[int], left_out: bool) -> dict[str, Any]:
    """The JSON report's "read" object."""
    encoding = table.encoding
    return {
        "sheet": table.sheet, "sheet_from": table.sheet_from, "sheets": list(table.sheets),
        "header_row": table.header_row, "header_from": table.header_from, "rows_above_header": table.above,
        "encoding": option_name(encoding.codec) if encoding else None,
        "encoding_certain": encoding.certain if encoding else None,
        "separator": table.delimiter,
        "hidden_rows": sorted(hidden), "hidden_rows_left_out": left_out and bool(hidden),
    }


def option_name(codec: str) -> str:
    """A codec as an admin would name it again (windows-1250 rather than cp1250)."""
    return _CODEC_OPTION.get(codec, codec)


def read_lines(table: Table, hidden: frozenset[int], left_out: bool) -> list[str]:
    """What was read, in sentences."""
    lines = []
    if table.sheet is not None:
        sheet = f"Sheet {quote(table.sheet)}"
        if table.sheet_from == SHEET_BY_CONTENT:
            sheet += (f", the one of the workbook's {len(table.sheets)} sheets whose header row matches the format "
                      "best")
        elif table.sheet_from == SHEET_OF_TEMPLATE:
            sheet += ", the template's data sheet"
        elif table.sheet_from == SHEET_BY_OPTION:
            sheet += ", as chosen"
        lines.append(sheet + ".")
    lines.append(_header_line(table))
    if table.encoding is not None:
        separator = _SEPARATOR_WORDS.get(table.delimiter or ",", repr(table.delimiter))
        how = {BY_OPTION: " as chosen"}.get(table.encoding.how, "" if table.encoding.certain else " (a guess)")
        lines.append(f"Text read as {table.encoding.label}{how}; values separated by {separator}.")
    if hidden:
        rows = _rows(sorted(hidden))
        if left_out:
            lines.append(f"{rows} hidden in the sheet (or filtered out): left out, as asked.")
        else:
            lines.append(f"{rows} hidden in the sheet (or filtered out): checked and imported like the others, "
                         "unless you ask to leave hidden rows out.")
    return lines


def _header_line(table: Table) -> str:
    unit = "line" if table.sheet is None else "row"
    if table.header_row is None:
        return f"No header row: the values are read by their position, from {unit} {table.start_row}."
    text = f"Header on {unit} {table.header_row}"
    if table.header_from == HEADER_BY_OPTION:
        text += ", as chosen"
    elif table.header_from == HEADER_BY_CONTENT and table.above:
        text += ", the row naming the format's columns"
    if table.above:
        above = "1 filled row" if table.above == 1 else f"{table.above} filled rows"
        text += f" ({above} above it, such as a title, not read)"
    return text + "."


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:ROWS_NAMED]))
    more = f" and {len(numbers) - ROWS_NAMED:,} more" if len(numbers) > ROWS_NAMED else ""
    return f"Row {shown} is" if len(numbers) == 1 else f"Rows {shown}{more} are"


def encoding_warning(table: Table, report: Report) -> Finding | None:
    """When the encoding was a guess: which, what else it could be, and some of the file's text as
    read, so a wrong guess shows at once."""
    encoding = table.encoding
    if encoding is None or encoding.certain:
        return None
    sample = _sample(table, report)
    others = [option_name(c) for c in encoding.others]
    rival = f"; {' or '.join(others)} would read it differently" if others else ""
    shown = f" Check that these read right: {', '.join(quote(v) for v in sample)}." if sample else ""
    example = others[0] if others else "windows-1250"
    return Finding(Level.WARNING,
        f"The file's text encoding is not certain: it was read as {encoding.label}{rival}.{shown} If the text "
        f"is wrong, check the file again naming its encoding ({example}, for instance), or save it from Excel as "
        "'CSV UTF-8'")


def _sample(table: Table, report: Report) -> list[str]:
    """Texts beyond ASCII from the header and the columns that are not passwords."""
    readable = [i for i, c in report.header.positions if not c.secret]
    found: list[str] = []
    rows = table.rows
    if report.header.has_header_row and rows:
        found.extend(v for v in rows[0] if isinstance(v, str) and not v.isascii())
    for row in rows[1 if report.header.has_header_row else 0:SAMPLE_ROWS]:
        if len(set(found)) >= SAMPLE_VALUES:
            break
        for i in readable:
            value = row[i] if i < len(row) else None
            if isinstance(value, str) and not value.isascii():
                found.append(value)
    return [v[:SAMPLE_LENGTH] for v in dict.fromkeys(found)][:SAMPLE_VALUES]
