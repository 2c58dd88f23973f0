"""The Excel edge of the in-sheet macros: the only module that touches an xlwings Book.

Reads are whole sheets at once; writes apply a Plan (see writes), one xlwings call per
planned write. The same calls work on Excel through RunPython and on the book xlwings builds
from a RunRemotePython request, so local and server mode share every line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..profiles import UnknownProfile, get_profile
from ..rules.cells import is_blank, to_text
from ..rules.columns import Profile
from ..rules.settings import CONF_SHEET, PROFILE_KEY, SHEET_KEY
from .region import Region, locate
from .writes import ClearWrite, FormatWrite, Plan, ValuesWrite


class SheetProblem(Exception):
    """The workbook cannot be worked on; the message tells the admin what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class DataSheet:
    sheet: Any  # xlwings Sheet
    values: list[list[Any]]  # the sheet from A1 to the used range's last cell
    region: Region
    profile: Profile
    conf: dict[str, str]


def read_values(sheet) -> list[list[Any]]:
    """The sheet from A1 to its last used cell, as one read: rows of equal length, empty = None."""
    used = sheet.used_range
    values = used.options(ndim=2).value
    top, left = used.row - 1, used.column - 1  # Excel's used range may start below or right of A1
    width = left + max((len(row) for row in values), default=0)
    return [[None] * width for _ in range(top)] + [[None] * left + list(row) for row in values]


def cell_value(value: Any) -> Any:
    """A value as a values write hands it to Excel: empty as "", dates as ISO text (what xlwings'
    remote engine sends, and what Excel reads back as the same date)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _conf_sheet(book):
    for sheet in book.sheets:
        if sheet.name.casefold() == CONF_SHEET.casefold():
            return sheet
    return None


def read_conf(book) -> dict[str, str]:
    sheet = _conf_sheet(book)
    if sheet is None:
        return {}
    conf: dict[str, str] = {}
    for row in read_values(sheet):
        if len(row) >= 2 and not is_blank(row[0]):
            conf[to_text(row[0]).strip()] = "" if row[1] is None else to_text(row[1]).strip()
    return conf


def open_data_sheet(book) -> DataSheet:
    """The workbook's profile, settings and data sheet: found by its header row, not its name."""
    conf = read_conf(book)
    profile_id = conf.get(PROFILE_KEY, "")
    if not profile_id:
        raise SheetProblem(
            "This workbook is not a rosterbook template: it has no hidden 'xlwings.conf' sheet naming its "
            "import format. Download the template for your target system from the rosterbook server, "
            "copy your rows into it and try again.")
    try:
        profile = get_profile(profile_id)
    except UnknownProfile as exc:
        raise SheetProblem(f"This template is for the import format '{profile_id}', which this rosterbook "
                           f"does not know ({exc.args[0]}). Update rosterbook or use a current template.") from None
    for sheet in _candidates(book, conf.get(SHEET_KEY, "")):
        values = read_values(sheet)
        region = locate(profile, values)
        if region is not None:
            return DataSheet(sheet, values, region, profile, conf)
    raise SheetProblem(
        f"No sheet in this workbook has the {profile.title} header row (for example "
        f"{', '.join(c.header for c in profile.columns[:3])}). Put the column names back in the row above "
        "your data, as the template has them, and try again.")


def _candidates(book, sheet_name: str):
    """The active sheet first (the buttons live on the data sheet), then the one the template
    named, then the rest; never the conf sheet."""
    seen: set[str] = set()
    ordered = [book.sheets.active]
    ordered += [s for s in book.sheets if s.name.casefold() == sheet_name.casefold()]
    ordered += list(book.sheets)
    for sheet in ordered:
        key = sheet.name.casefold()
        if key in seen or key == CONF_SHEET.casefold():
            continue
        seen.add(key)
        yield sheet


def apply(book, sheet, plan: Plan) -> None:
    """Carry out the plan: one xlwings call per write, then the alert."""
    for write in plan.writes:
        if isinstance(write, ValuesWrite):
            last_row = write.row + len(write.values) - 1
            last_column = write.column + len(write.values[0]) - 1
            # raw_value: the values are final, and xlwings' conversion would re-read the whole
            # sheet for every write on its remote engine
            sheet.range((write.row, write.column), (last_row, last_column)).raw_value = [
                [v if type(v) is str else cell_value(v) for v in row] for row in write.values]
        elif isinstance(write, FormatWrite):
            _block(sheet, write).number_format = write.number_format
        elif isinstance(write, ClearWrite):
            _block(sheet, write).clear_contents()
    if plan.alert is not None:
        alert(book, plan.alert.prompt, plan.alert.title, critical=plan.alert.critical)


def _block(sheet, write: FormatWrite | ClearWrite):
    return sheet.range((write.row, write.column), (write.row + write.rows - 1, write.column + write.columns - 1))


MSGBOX_LIMIT = 1024  # VBA's MsgBox shows at most this many characters of a prompt


def alert(book, prompt: str, title: str = "rosterbook", critical: bool = False) -> None:
    if len(prompt) > MSGBOX_LIMIT:
        prompt = prompt[:MSGBOX_LIMIT - 40].rsplit("\n", 1)[0] + "\n(and more: see the Errors column)"
    book.app.alert(prompt, title=title, buttons="ok", mode="critical" if critical else "info")
