"""The Users sheet: button bar, the Excel Table of the profile's columns, and what protects the data.

Layout (shared with the in-sheet macros): row 1 holds the buttons, row 2 the table's header,
data from row 3. Formats go on whole columns (set_column), never cell by cell, so the used range
stays as small as the data: xlwings' Remote.bas sends every sheet's whole used range.
"""
from __future__ import annotations

import math

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..rules.annotations import (ERRORS_HEADER, HEADER_FILL, MARK_COLOURS, MARK_FOR_LEVEL, MARKS_HEADER, STATUS_HEADER,
                                 column_letter)
from ..rules.columns import Column, Profile
from .buttons import BUTTONS
from .wording import header_note

DATA_SHEET = "Users"
DATA_CODE_NAME = "Sheet1"
TABLE_NAME = "Roster"
BUTTON_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2  # zero-based: sheet rows 1, 2, 3
# Rows that carry the dropdowns and the colouring; the Text format covers whole columns.
DATA_ROWS = 100_000  # beyond the 32,767 rows a server-mode sheet can send
LAST_DATA_ROW = FIRST_DATA_ROW + DATA_ROWS - 1

TEXT_FORMAT = "@"

BUTTON_WIDTH, BUTTON_HEIGHT, BUTTON_GAP = 110, 30, 10  # pixels
BUTTON_ROW_HEIGHT = 30  # points: a little taller than the buttons

ANNOTATION_NOTES = {
    STATUS_HEADER: "Filled in by Validate and Submit: OK, Fixed, or how many errors the row has. Leave it empty.",
    ERRORS_HEADER: "Filled in by Validate and Submit: what is wrong in the row and what to do. Leave it empty.",
    MARKS_HEADER: "Hidden helper column for the cell colours. Leave it as it is.",
}


def column_width(column: Column) -> int:
    return min(max(len(column.header), len(column.example), 8) + 4, 40)


def write_data_sheet(workbook: Workbook, profile: Profile) -> Worksheet:
    sheet = workbook.add_worksheet(DATA_SHEET)
    sheet.set_vba_name(DATA_CODE_NAME)
    text = workbook.add_format({"num_format": TEXT_FORMAT})
    columns = profile.columns
    marks_col = len(columns) + 2

    for index, column in enumerate(columns):
        sheet.set_column(index, index, column_width(column), text if column.text_format else None)
    sheet.set_column(len(columns), len(columns), 16)  # Status
    sheet.set_column(len(columns) + 1, len(columns) + 1, 70)  # Errors
    sheet.set_column(marks_col, marks_col, 8, text, {"hidden": True})

    headers = [c.header for c in columns] + [STATUS_HEADER, ERRORS_HEADER, MARKS_HEADER]
    # The table style colours the header in Excel; the explicit format also shows it elsewhere.
    header_format = workbook.add_format({"bold": True, "bg_color": f"#{HEADER_FILL}", "bottom": 1})
    # One empty data row: Excel grows the table as rows are typed or pasted below it.
    sheet.add_table(HEADER_ROW, 0, FIRST_DATA_ROW, len(headers) - 1, {
        "name": TABLE_NAME,
        "style": "Table Style Medium 2",
        "columns": [{"header": h, "header_format": header_format} for h in headers],
    })
    sheet.set_comments_author("rosterbook")
    for index, column in enumerate(columns):
        _note(sheet, index, header_note(column))
    for index, header in enumerate(headers[len(columns):], start=len(columns)):
        _note(sheet, index, ANNOTATION_NOTES[header])

    for index, column in enumerate(columns):
        if column.dropdown:
            sheet.data_validation(FIRST_DATA_ROW, index, LAST_DATA_ROW, index, _dropdown(column))
    _mark_colours(workbook, sheet, columns, marks_col)
    _buttons(sheet)
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.activate()
    return sheet


def _note(sheet: Worksheet, col: int, text: str) -> None:
    width = 320  # pixels; about 48 characters a line
    lines = sum(max(1, math.ceil(len(line) / 48)) for line in text.split("\n"))
    sheet.write_comment(HEADER_ROW, col, text, {"width": width, "height": 16 * lines + 12})


def _dropdown(column: Column) -> dict:
    values = ", ".join(column.dropdown)
    message = f"Choose one of: {values}. Validate checks any other value."
    if len(message) > 255:  # Excel's limit for the message
        message = "Choose a value from the cell's dropdown list. Validate checks any other value."
    return {
        "validate": "list",
        "source": list(column.dropdown),
        "error_type": "warning",
        "error_title": column.header[:32],
        "error_message": message,
    }


def _mark_colours(workbook: Workbook, sheet: Worksheet, columns: tuple[Column, ...], marks_col: int) -> None:
    """Colour each cell from its character in the hidden Marks column (one per profile column)."""
    marks = f"${column_letter(marks_col)}{FIRST_DATA_ROW + 1}"
    for level, (fill, font) in MARK_COLOURS.items():
        colour = workbook.add_format({"bg_color": f"#{fill}", "font_color": f"#{font}"})
        for index in range(len(columns)):
            sheet.conditional_format(FIRST_DATA_ROW, index, LAST_DATA_ROW, index, {
                "type": "formula",
                "criteria": f'=MID({marks},{index + 1},1)="{MARK_FOR_LEVEL[level]}"',
                "format": colour,
            })


def _buttons(sheet: Worksheet) -> None:
    sheet.set_row(BUTTON_ROW, BUTTON_ROW_HEIGHT)
    for index, button in enumerate(BUTTONS):
        sheet.insert_button(BUTTON_ROW, 0, {
            "macro": button.macro,  # the plain form Excel writes: [0]!ValidateRows
            "caption": button.caption,
            "width": BUTTON_WIDTH,
            "height": BUTTON_HEIGHT,
            "x_offset": BUTTON_GAP + index * (BUTTON_WIDTH + BUTTON_GAP),
            "y_offset": 5,
        })
