"""The upload file a target system accepts, from a profile and normalized rows.

Everything comes from the profile: the columns' order and vendor spelling, and its ExportSpec
(header row or positional lines, trailing empty values trimmed, XLSX when names have
international characters). Values are the engine's normalized text, so booleans and phones
are already in the vendor's form; columns a row lacks (passwords are never stored) are empty.

A vendor that takes at most N users per file (CommPeak: 500) gets a ZIP of files of at most N
users each, every one with its header: stem-part-1-of-3.csv, ... (the same rows always give
the same bytes).

Cells a spreadsheet would run as a formula (starting with = + - @ tab or CR) are neutralised:
in CSV with a leading apostrophe, in XLSX by a text cell with Excel's quote prefix, which keeps
the value unchanged. Valid phone numbers (E.164 in a phone column) and values the profile
declares itself (a column's extra_values, such as -1) are left as they are.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..rules.columns import Column, Profile
from ..rules.engine import export_files
from ..rules.fields import Kind

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_TYPE = "application/zip"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed time in every part: the same rows, the same bytes
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"\+[1-9]\d{6,14}")


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def is_formula_risk(column: Column, value: str) -> bool:
    if not value.startswith(FORMULA_STARTS):
        return False
    if column.kind is Kind.PHONE and _E164.fullmatch(value):
        return False
    return value not in column.extra_values


def neutralised(column: Column, value: str) -> str:
    return "'" + value if is_formula_risk(column, value) else value


def needs_xlsx(profile: Profile, rows: Sequence[Mapping[str, str]]) -> bool:
    keys = profile.export.xlsx_when_non_ascii
    return any(not (row.get(key) or "").isascii() for row in rows for key in keys)


def export_rows(profile: Profile, rows: Sequence[Mapping[str, str]], stem: str) -> ExportFile:
    """The vendor file for these rows (each a {column key: normalized text} mapping), or a ZIP of
    files when there are more rows than the vendor takes per file."""
    limit = profile.max_rows
    if limit is not None and len(rows) > limit:
        return _parts(profile, rows, stem, limit)
    if needs_xlsx(profile, rows):
        return ExportFile(f"{stem}.xlsx", XLSX_TYPE, _xlsx(profile, rows))
    return ExportFile(f"{stem}.csv", CSV_TYPE, _csv(profile, rows))


def _parts(profile: Profile, rows: Sequence[Mapping[str, str]], stem: str, limit: int) -> ExportFile:
    count = export_files(profile, len(rows))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(count):
            part = export_rows(profile, rows[index * limit:(index + 1) * limit], f"{stem}-part-{index + 1}-of-{count}")
            info = zipfile.ZipInfo(part.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, part.content)
    return ExportFile(f"{stem}.zip", ZIP_TYPE, out.getvalue())


def _lines(profile: Profile, rows: Sequence[Mapping[str, str]]) -> list[list[str]]:
    spec = profile.export
    lines = [[c.header for c in profile.columns]] if spec.header else []
    for row in rows:
        line = [row.get(c.key) or "" for c in profile.columns]
        if spec.trim_trailing_empty:
            while line and not line[-1]:
                line.pop()
        lines.append(line)
    return lines


def _csv(profile: Profile, rows: Sequence[Mapping[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=profile.export.delimiter, lineterminator="\r\n")
    start = 1 if profile.export.header else 0
    lines = _lines(profile, rows)
    writer.writerows(lines[:start])
    for line in lines[start:]:
        writer.writerow([neutralised(column, value) for column, value in zip(profile.columns, line)])
    return out.getvalue().encode("utf-8")


def _xlsx(profile: Profile, rows: Sequence[Mapping[str, str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    sheet = book.add_worksheet("Users")
    quoted = book.add_format({"quote_prefix": True})
    start = 1 if profile.export.header else 0
    for r, line in enumerate(_lines(profile, rows)):
        for c, value in enumerate(line):
            if not value:
                continue
            if r >= start and is_formula_risk(profile.columns[c], value):
                sheet.write_string(r, c, value, quoted)
            else:
                sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()
