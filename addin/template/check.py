"""The static VBA check (addin.vbaproject.check) on a built workbook: every module of its
xl/vbaProject.bin, and the macro each of its buttons names, both read from the file itself."""
from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

from ..vbaproject.check import Problem, check_vba_project

VBA_PROJECT_PART = "xl/vbaProject.bin"
# A Forms button's macro: in the legacy VML drawing (what XlsxWriter and Excel write) and in an
# Excel 2010 control's properties part (what LibreOffice writes).
_VML_MACRO = re.compile(r"<x:FmlaMacro>([^<]*)</x:FmlaMacro>")
_CONTROL_MACRO = re.compile(r'\bfmlaMacro="([^"]*)"')


def button_macros(archive: zipfile.ZipFile) -> list[str]:
    macros = []
    for name in sorted(archive.namelist()):
        if name.startswith("xl/drawings/") and name.endswith(".vml"):
            macros += _VML_MACRO.findall(archive.read(name).decode("utf-8", errors="replace"))
        elif name.startswith("xl/ctrlProps/") and name.endswith(".xml"):
            macros += _CONTROL_MACRO.findall(archive.read(name).decode("utf-8", errors="replace"))
    return [html.unescape(macro) for macro in macros]


def check_workbook(workbook: Path | bytes) -> list[Problem]:
    """Problems that would keep Office from compiling the workbook's VBA or a button from
    running its macro; [] when there are none."""
    source = io.BytesIO(workbook) if isinstance(workbook, bytes) else workbook
    with zipfile.ZipFile(source) as archive:
        if VBA_PROJECT_PART not in archive.namelist():
            return [Problem("button", None, None, "the workbook has no VBA project")]
        return check_vba_project(archive.read(VBA_PROJECT_PART), button_macros(archive))
