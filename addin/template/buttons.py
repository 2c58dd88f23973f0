"""The in-sheet buttons and the macros (in addin/vba/Rosterbook.bas) they run.

A button names its macro in the plain form Excel writes, `[0]!ValidateRows`, which Excel resolves
across the standard modules; addin.template.check proves each name is one public Sub there.
"""
from __future__ import annotations

from typing import NamedTuple

MACRO_MODULE = "Rosterbook"


class Button(NamedTuple):
    caption: str
    macro: str  # a Public Sub of MACRO_MODULE, by its plain name
    tip: str  # for the Instructions sheet


BUTTONS = (
    Button("Validate", "ValidateRows",
           "checks every row and writes Status and Errors; cells with errors turn red, values it "
           "corrected turn amber"),
    Button("Submit", "SubmitRows",
           "sends the rows without errors to the import server, which checks them again and says per row "
           "whether they were taken"),
    Button("Clear marks", "ClearMarks", "removes Status, Errors and the colours, leaving your data as it is"),
)
