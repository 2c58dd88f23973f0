"""The Instructions sheet, generated from the profile: what each column takes and the seed's advice."""
from __future__ import annotations

from typing import NamedTuple

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..rules.annotations import HEADER_FILL
from ..rules.columns import Profile
from ..rules.settings import CONF_SHEET, ON_EXISTING_KEY, ON_EXISTING_MEANING, SETTING_PREFIX, conf_rows
from .buttons import BUTTONS
from .data_sheet import DATA_SHEET
from .wording import requirement, rule_text

INSTRUCTIONS_SHEET = "Instructions"
INSTRUCTIONS_CODE_NAME = "Sheet2"
COLUMN_TABLE_HEADER = ("Column", "Required?", "What it takes", "Allowed values", "Example")
WIDTHS = (24, 22, 60, 22, 26)


class Line(NamedTuple):
    style: str  # title, heading, table_header, text, cells or blank
    cells: tuple[str, ...] = ()


def instruction_lines(profile: Profile, *, version: str, mode: str, server_url: str) -> list[Line]:
    lines = [
        Line("title", (f"{profile.title}: user import template",)),
        Line("text", (profile.summary,)),
        Line("text", (f"For: {profile.vendor}. Template version {version}, {mode} mode.",)),
        Line("blank"),
        Line("heading", ("How to use it",)),
        Line("text", (f"1. Enter one user per row on the {DATA_SHEET} sheet, below the header row. "
                      "Keep the header row as it is; the first row holds the buttons.",)),
    ]
    for number, button in enumerate(BUTTONS, start=2):
        lines.append(Line("text", (f"{number}. {button.caption}: {button.tip}.",)))
    lines += [
        Line("text", ("Hover over a column's header to see its rule and an example.",)),
        Line("text", (_mode_text(mode, server_url),)),
        Line("blank"),
        Line("heading", ("Columns",)),
        Line("table_header", COLUMN_TABLE_HEADER),
    ]
    for column in profile.columns:
        lines.append(Line("cells", (column.header, requirement(column), rule_text(column),
                                    ", ".join(column.dropdown), column.example)))
    lines += _section("Good to know", profile.notes)
    lines += _section("Where the vendor's document is unclear, this template decided", profile.decisions)
    lines += _settings(profile, version=version, mode=mode, server_url=server_url)
    return lines


def _mode_text(mode: str, server_url: str) -> str:
    if mode == "local":
        return ("The buttons run Python on this computer (xlwings RunPython): Python with rosterbook and "
                "xlwings must be installed here.")
    return (f"The buttons send this workbook to the rosterbook import server at {server_url} (xlwings "
            "RunRemotePython). The server must be running, and you need an import token in the environment "
            "variable ROSTERBOOK_TOKEN or in your own xlwings.conf file. Never type the token into this workbook.")


def _section(title: str, items: tuple[str, ...]) -> list[Line]:
    if not items:
        return []
    return [Line("blank"), Line("heading", (title,)), *(Line("text", ("• " + item,)) for item in items)]


def _settings(profile: Profile, *, version: str, mode: str, server_url: str) -> list[Line]:
    """The profile's settings with their defaults as the conf sheet holds them."""
    defaults = dict(conf_rows(profile, version=version, server_url=server_url, mode=mode, sheet=DATA_SHEET))
    lines = [
        Line("blank"),
        Line("heading", ("Settings",)),
        Line("text", (f"They are on the hidden {CONF_SHEET} sheet: right-click a sheet tab > Unhide, change the "
                      "value in column B, then hide the sheet again.",)),
        Line("table_header", ("Setting", "Value in this template", "What it means")),
    ]
    lines.append(Line("cells", (ON_EXISTING_KEY, defaults[ON_EXISTING_KEY], ON_EXISTING_MEANING)))
    for name, field in profile.settings_model.model_fields.items():
        key = SETTING_PREFIX + name
        lines.append(Line("cells", (key, defaults[key] or "(empty)", field.description or "")))
    return lines


def _wrapped_lines(text: str, width: int) -> int:
    return max(1, -(-len(text) * 11 // (width * 10)))  # a little slack for proportional fonts


def write_instructions(workbook: Workbook, lines: list[Line]) -> Worksheet:
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    sheet.set_vba_name(INSTRUCTIONS_CODE_NAME)
    wrap = {"text_wrap": True, "valign": "top"}
    styles = {
        "title": workbook.add_format({"bold": True, "font_size": 16}),
        "heading": workbook.add_format({"bold": True, "font_size": 12, "bottom": 1}),
        "table_header": workbook.add_format({"bold": True, "bg_color": f"#{HEADER_FILL}", "border": 1, **wrap}),
        "cells": workbook.add_format({"border": 1, **wrap}),
        "text": workbook.add_format(wrap),
    }
    for index, width in enumerate(WIDTHS):
        sheet.set_column(index, index, width)
    for row, line in enumerate(lines):
        if line.style == "text":
            # A paragraph spans the table's width; merged cells do not grow, so size the row.
            text = line.cells[0]
            sheet.merge_range(row, 0, row, len(WIDTHS) - 1, "", styles["text"])
            sheet.write_string(row, 0, text, styles["text"])
            sheet.set_row(row, 15 * _wrapped_lines(text, sum(WIDTHS)))
            continue
        for col, text in enumerate(line.cells):
            sheet.write_string(row, col, text, styles[line.style])
        if line.style in ("cells", "table_header"):
            # Spreadsheets do not all grow wrapped rows on opening: size them here.
            sheet.set_row(row, 15 * max(_wrapped_lines(t, WIDTHS[c]) for c, t in enumerate(line.cells)))
    sheet.hide_gridlines(2)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # printed one page wide, as long as it takes
    return sheet
