"""The template's VBA project: xlwings' own modules from the pinned package, plus ours.

xlwings' standalone module (xlwings.bas, with RunPython and GetConfig) and the modules its
RunRemotePython needs (Remote.bas, the VBA-Web modules, Dictionary.cls) are read from the
installed xlwings package at build time, the same set `xlwings release` imports into a workbook.
Our macro modules are kept as source in addin/vba/*.bas.
"""
from __future__ import annotations

from pathlib import Path

import xlwings

from ..vbaproject import Module, build_vba_project

XLWINGS_DIR = Path(xlwings.__file__).parent
OUR_VBA_DIR = Path(__file__).resolve().parent.parent / "vba"

# In the order `xlwings release` imports them; paths relative to the xlwings package.
XLWINGS_MODULE_FILES = (
    "xlwings.bas",
    "addin/Dictionary.cls",
    "addin/Remote.bas",
    "addin/IWebAuthenticator.cls",
    "addin/WebClient.cls",
    "addin/WebRequest.cls",
    "addin/WebResponse.cls",
    "addin/WebHelpers.bas",
)

WORKBOOK_CODE_NAME = "ThisWorkbook"


def xlwings_modules() -> list[Module]:
    return [Module.from_file(XLWINGS_DIR / name) for name in XLWINGS_MODULE_FILES]


def our_modules() -> list[Module]:
    return [Module.from_file(path) for path in sorted(OUR_VBA_DIR.glob("*.bas"))]


def document_modules(sheet_code_names: list[str]) -> list[Module]:
    """Empty code-behind modules named after the workbook's and sheets' code names."""
    return [Module(name, kind="document") for name in [WORKBOOK_CODE_NAME, *sheet_code_names]]


def template_modules(sheet_code_names: list[str]) -> list[Module]:
    return [*document_modules(sheet_code_names), *xlwings_modules(), *our_modules()]


def vba_project(sheet_code_names: list[str]) -> bytes:
    return build_vba_project(template_modules(sheet_code_names))
