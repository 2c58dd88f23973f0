"""The hidden xlwings.conf sheet: key in column A, value in column B, from A1 down without gaps
(xlwings' GetConfigFromSheet reads until the first empty cell and upper-cases the keys)."""
from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..rules.columns import Profile
from ..rules.settings import CONF_SHEET, conf_rows
from .data_sheet import DATA_SHEET
from .instructions import INSTRUCTIONS_SHEET

CONF_CODE_NAME = "Sheet3"
# xlwings' own key: the sheets RunRemotePython leaves out of what it sends to the server.
XLWINGS_EXCLUDE = ("EXCLUDE", INSTRUCTIONS_SHEET)


def template_conf_rows(profile: Profile, *, version: str, server_url: str, mode: str) -> list[tuple[str, str]]:
    return [*conf_rows(profile, version=version, server_url=server_url, mode=mode, sheet=DATA_SHEET),
            XLWINGS_EXCLUDE]


def write_conf_sheet(workbook: Workbook, rows: list[tuple[str, str]]) -> Worksheet:
    sheet = workbook.add_worksheet(CONF_SHEET)
    sheet.set_vba_name(CONF_CODE_NAME)
    # Values stay text when an admin edits them (a CompanyId keeps its leading zeros).
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 40, workbook.add_format({"num_format": "@"}))
    for row, (key, value) in enumerate(rows):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.hide()
    return sheet
