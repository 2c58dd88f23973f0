"""What the template's Validate, Submit and Clear marks buttons run.

Local mode: the VBA macro calls these through RunPython and book is None (xw.Book.caller()).
Server mode: server.xlwings_endpoints builds the book from the request and passes it in, with
an in-process sender for Submit. Either way the same few bulk reads and writes happen.
"""
from __future__ import annotations

from .rules.settings import SERVER_URL_KEY, profile_settings
from .sheet.book import DataSheet, SheetProblem, alert, apply, open_data_sheet
from .sheet.submission import Sender, submission_plan
from .sheet.validation import check_sheet, validation_plan
from .sheet.writes import ClearWrite, Plan


def _caller(book):
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _data_sheet(book, action: str) -> DataSheet | None:
    """The workbook's data sheet, or None after one alert saying why there is none."""
    try:
        return open_data_sheet(book)
    except SheetProblem as exc:
        alert(book, exc.message, f"rosterbook: {action}", critical=True)
        return None


def validate(book=None) -> Plan | None:
    book = _caller(book)
    data = _data_sheet(book, "Validate")
    if data is None:
        return None
    check = check_sheet(data.profile, data.values, data.region, profile_settings(data.profile, data.conf))
    plan = validation_plan(check)
    apply(book, data.sheet, plan)
    return plan


def submit(book=None, send: Sender | None = None) -> Plan | None:
    """Validate, send the valid rows not yet imported, write back each row's outcome."""
    book = _caller(book)
    data = _data_sheet(book, "Submit")
    if data is None:
        return None
    if send is None:
        from .sheet.http_sender import HttpSender, find_token

        send = HttpSender(data.conf.get(SERVER_URL_KEY, ""), find_token())
    check = check_sheet(data.profile, data.values, data.region, profile_settings(data.profile, data.conf))
    plan = submission_plan(check, send, book.name, data.conf)
    apply(book, data.sheet, plan)
    return plan


def clear_marks(book=None) -> Plan | None:
    """Empty Status, Errors and Marks of every data row (the colours follow Marks); nothing else."""
    book = _caller(book)
    data = _data_sheet(book, "Clear marks")
    if data is None:
        return None
    region = data.region
    plan = Plan()
    rows = region.last_row - region.first_data_row + 1
    for column in sorted(region.annotation.values()):
        if rows > 0:
            plan.writes.append(ClearWrite(region.first_data_row, column + 1, rows, 1))
    plan.writes = _merge_adjacent(plan.writes)
    apply(book, data.sheet, plan)
    return plan


def _merge_adjacent(writes: list[ClearWrite]) -> list[ClearWrite]:
    """Status, Errors and Marks side by side (the template's layout) are cleared in one call."""
    merged: list[ClearWrite] = []
    for write in writes:
        last = merged[-1] if merged else None
        if last and last.column + last.columns == write.column:
            merged[-1] = ClearWrite(last.row, last.column, last.rows, last.columns + 1)
        else:
            merged.append(write)
    return merged
