"""Reading and editing workbooks through LibreOffice, on top of the harness in tests/libreoffice.py.

What a template's tests ask LibreOffice: the buttons and the macros they run, cell number formats,
dropdown lists, notes, conditional formats, sheet contents; and acting as an admin: typing into a
cell (the way a keyboard does, so the cell's format decides what the text becomes), saving as .xlsm,
printing a sheet to PDF.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

XLSM_FILTER = "Calc MS Excel 2007 VBA XML"
PDF_FILTER = "calc_pdf_Export"
SCRIPT_PREFIX = "vnd.sun.star.script:"


def _property(name: str, value: Any) -> Any:
    import uno  # Debian's python3-uno; only reached once LibreOffice runs

    prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    prop.Name, prop.Value = name, value
    return prop


def sheet(doc: Any, name: str) -> Any:
    return doc.Sheets.getByName(name)


def buttons(worksheet: Any) -> list[tuple[str, str]]:
    """(caption, macro) of each form button; the macro as 'Library.Module.Sub'."""
    found = []
    forms = worksheet.DrawPage.Forms
    for f in range(forms.Count):
        form = forms.getByIndex(f)
        for i in range(form.Count):
            scripts = [e.ScriptCode for e in form.getScriptEvents(i) if e.EventMethod == "actionPerformed"]
            macro = scripts[0].removeprefix(SCRIPT_PREFIX).split("?")[0] if scripts else ""
            found.append((form.getByIndex(i).Label, macro))
    return found


def number_format(doc: Any, worksheet: Any, col: int, row: int) -> str:
    cell = worksheet.getCellByPosition(col, row)
    return doc.NumberFormats.getByKey(cell.NumberFormat).FormatString


def dropdown(worksheet: Any, col: int, row: int) -> tuple[str, ...] | None:
    """The values of a list validation, None when the cell has no list."""
    validation = worksheet.getCellByPosition(col, row).Validation
    if validation.Type.value != "LIST":
        return None
    # LibreOffice gives a literal list as "a";"b";"c"
    return tuple(part.strip().strip('"') for part in validation.getFormula1().split(";"))


def notes(worksheet: Any) -> dict[tuple[int, int], str]:
    """{(col, row): text} of the sheet's notes (comments)."""
    annotations = worksheet.Annotations
    found = {}
    for i in range(annotations.Count):
        note = annotations.getByIndex(i)
        found[(note.Position.Column, note.Position.Row)] = note.String
    return found


def conditional_formulas(worksheet: Any, col: int, row: int) -> list[str]:
    entries = worksheet.getCellByPosition(col, row).ConditionalFormat
    return [entries.getByIndex(i).Formula1 for i in range(entries.Count)]


def column_hidden(worksheet: Any, col: int) -> bool:
    return not worksheet.Columns.getByIndex(col).IsVisible


def used_rows(worksheet: Any) -> list[tuple[str, ...]]:
    """Every row of the used area as the texts LibreOffice shows."""
    cursor = worksheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.RangeAddress
    area = worksheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
    return [tuple(str(v) for v in row) for row in area.getDataArray()]


def cell(worksheet: Any, col: int, row: int) -> tuple[str, str]:
    """(kind, text): kind is TEXT, VALUE, FORMULA or EMPTY."""
    target = worksheet.getCellByPosition(col, row)
    return target.Type.value, target.String


def type_into(worksheet: Any, col: int, row: int, text: str) -> None:
    """Enter text into a cell the way the keyboard does: read through the cell's number format, so
    '0042' in a General cell becomes the number 42 and stays text in a Text cell. (setString stores
    text whatever the format; setFormula parses as English formula input and ignores a Text format.
    The .uno:EnterString dispatch would do the same as FormulaLocal but aborts soffice a moment
    later in libreoffice-calc-nogui, which lacks the input bar's posbox.ui.)"""
    worksheet.getCellByPosition(col, row).setPropertyValue("FormulaLocal", text)


def save_as(doc: Any, path: str | os.PathLike, filter_name: str = XLSM_FILTER) -> Path:
    path = Path(path).resolve()
    doc.storeToURL(path.as_uri(), (_property("FilterName", filter_name),))
    return path


def make_buttons_printable(worksheet: Any) -> None:
    """Buttons are not printed by default; a screenshot made from a PDF should show them."""
    forms = worksheet.DrawPage.Forms
    for f in range(forms.Count):
        form = forms.getByIndex(f)
        for i in range(form.Count):
            form.getByIndex(i).Printable = True


def export_sheet_pdf(doc: Any, worksheet: Any, path: str | os.PathLike) -> Path:
    """One sheet as PDF: select it and export the selection."""
    controller = doc.CurrentController
    controller.setActiveSheet(worksheet)
    cursor = worksheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.RangeAddress
    area = worksheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
    import uno

    filter_data = uno.Any("[]com.sun.star.beans.PropertyValue",
                          (_property("Selection", area), _property("ExportNotes", False)))
    path = Path(path).resolve()
    uno.invoke(doc, "storeToURL", (path.as_uri(), (_property("FilterName", PDF_FILTER),
                                                   _property("FilterData", filter_data))))
    return path
