"""The bulk writes a macro makes to the data sheet, planned without touching Excel.

A plan is a short list of rectangular writes whose length does not depend on the number of
rows: one block for Status/Errors/Marks, and per column that receives new values one number
format and one values write over the span of rows that changed. xlwings' remote client
(Remote.bas) applies a values write with Range.Value after trying to read every string as an
ISO date, so cells whose value Excel would turn into something else are never rewritten.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TEXT_FORMAT = "@"

# What VBA's CInt accepts in a date part: digits with separators, sign, currency, percent,
# exponent, or &H/&O literals. Broad on purpose: a false alarm only costs one more write.
_NUMBERISH = re.compile(r"^[\s+($€£¥]*(?:&[hHoO][0-9a-fA-F]+|[\d.,]*\d[\d.,]*(?:[eEdD][+]?\d+)?)[\s)%]*$")


def remote_reads_as_date(text: str) -> bool:
    """Would Remote.bas's setValues (WebHelpers.ParseIso) turn this string into a date?

    ParseIso splits at the first 'T', then at '-', and builds DateSerial from the first three
    parts, so '555-123-4567' or '10-20-30' become dates, not only '2026-01-31'.
    """
    if text.count("-") < 2:
        return False
    parts = text.split("T", 1)[0].split("-")
    return len(parts) >= 3 and all(_NUMBERISH.match(p) for p in parts[:3])


@dataclass(frozen=True, slots=True)
class ValuesWrite:
    row: int  # 1-based sheet row of the first value
    column: int  # 1-based sheet column
    values: list[list[Any]]


@dataclass(frozen=True, slots=True)
class FormatWrite:
    row: int
    column: int
    rows: int
    columns: int
    number_format: str


@dataclass(frozen=True, slots=True)
class ClearWrite:
    row: int
    column: int
    rows: int
    columns: int


Write = ValuesWrite | FormatWrite | ClearWrite


@dataclass(slots=True)
class Alert:
    title: str
    prompt: str
    critical: bool = False


@dataclass(slots=True)
class Plan:
    writes: list[Write] = field(default_factory=list)
    alert: Alert | None = None
    skipped_repairs: int = 0  # repaired values Excel would misread, left for the admin to retype

    @property
    def operations(self) -> int:
        return len(self.writes) + (1 if self.alert else 0)


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """New values for some cells of one sheet column (None empties the cell)."""

    column: int  # 1-based sheet column
    text_format: bool  # write as Text ('@'); False only for date columns, whose repairs are dates
    values: Mapping[int, Any]  # sheet row -> new value


def _rewritable(value: Any, text_format: bool) -> bool:
    """Can this unchanged cell value go through setValues and come back the same?"""
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, (dt.date, dt.datetime)):
        return not text_format  # a date written into a Text cell may turn into text
    if isinstance(value, str):
        if not text_format:
            return False  # a General cell re-reads strings: '1/2' becomes a date, '007' a number
        return not remote_reads_as_date(value)
    return False


def _writable(value: Any, text_format: bool) -> bool:
    """Can this new value be written without Excel changing it?"""
    if isinstance(value, str) and text_format:
        return not remote_reads_as_date(value)
    return True  # None, and ISO dates for date columns, which should become dates


def column_writes(change: ColumnChange, current: Mapping[int, Any]) -> tuple[list[Write], int]:
    """The writes that put change.values into the sheet: a number format and one values write
    over the rows from the first to the last change, the cells in between written back as they
    are. A cell in between that could not survive being written back splits the span.

    current maps sheet row -> the cell's value as read. Returns (writes, skipped new values).
    """
    wanted = {r: v for r, v in change.values.items() if _writable(v, change.text_format)}
    skipped = len(change.values) - len(wanted)
    if not wanted:
        return [], skipped
    writes: list[Write] = []
    rows = sorted(wanted)
    span = [rows[0]]
    for previous, row in zip(rows, rows[1:]):
        between = range(previous + 1, row)
        if all(_rewritable(current.get(r), change.text_format) for r in between):
            span.extend(between)
        else:
            _emit(span, wanted, current, change, writes)
            span = []
        span.append(row)
    _emit(span, wanted, current, change, writes)
    return writes, skipped


def _emit(span: list[int], wanted: Mapping[int, Any], current: Mapping[int, Any],
          change: ColumnChange, writes: list[Write]) -> None:
    first = span[0]
    if change.text_format:
        writes.append(FormatWrite(first, change.column, len(span), 1, TEXT_FORMAT))
    writes.append(ValuesWrite(first, change.column,
                              [[wanted[r] if r in wanted else current.get(r)] for r in span]))
