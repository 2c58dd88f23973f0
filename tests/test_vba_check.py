"""The static VBA check (addin/vbaproject/check.py): each rule fires on a deliberately broken module
placed among the template's real ones, #If is evaluated per platform, and Excel's own files pass."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings

from addin.template.builder import SHEET_CODE_NAMES
from addin.template.buttons import BUTTONS
from addin.template.check import button_macros, check_workbook
from addin.template.vba import template_modules
from addin.vbaproject import Module, build_vba_project, check_vba_project, compress
from addin.vbaproject.cfb import build_compound_file
from addin.vbaproject.conditional import FALSE, PLATFORMS, TRUE, ConditionalError, evaluate
from tests.conftest import ROOT

XLWINGS = Path(xlwings.__file__).parent
TEMPLATE_MACROS = [f"[0]!{b.macro}" for b in BUTTONS]
HEADER = 'Attribute VB_Name = "Broken"\r\n'


def project_with(broken: Module) -> bytes:
    return build_vba_project([*template_modules(SHEET_CODE_NAMES), broken])


def with_stored_source(data: bytes, module: str, source: bytes) -> bytes:
    """The project with one module stream replaced by `source` as given: bytes our builder would
    never write (it stores CR LF and refuses characters outside the code page)."""
    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir(streams=True)}
    finally:
        ole.close()
    streams[f"VBA/{module}"] = compress(source)
    return build_compound_file(streams)


def broken_project(source: str | bytes) -> bytes:
    if isinstance(source, str):
        return project_with(Module("Broken", source))
    return with_stored_source(project_with(Module("Broken", "Option Explicit\r\n")), "Broken", source)


# (rule, the broken module's source (bytes: stored exactly so), extra button macros, line reported)
BROKEN = {
    "ptrsafe": (HEADER + "#If Win64 Then\r\n"
                'Private Declare PtrSafe Function GetTickCount Lib "kernel32" () As Long\r\n'
                "#ElseIf Mac Then\r\n"
                'Private Declare PtrSafe Function GetTickCount Lib "libc.dylib" () As Long\r\n'
                "#Else\r\n"
                'Private Declare Function GetTickCount Lib "kernel32" () As Long\r\n'
                "#End If\r\n", [], 7),
    "duplicate-procedure": (HEADER + "Option Explicit\r\n\r\n"
                            "Function GetConfig(key As String) As String\r\nEnd Function\r\n", [], 4),
    "named-like-module": (HEADER + "Option Explicit\r\n\r\nPublic Sub Remote()\r\nEnd Sub\r\n", [], 4),
    "attribute": (HEADER + "Sub Tidy()\r\n    Dim count As Long\r\n"
                  'Attribute Tidy.VB_Description = "too late: not right after the Sub line"\r\nEnd Sub\r\n', [], 4),
    "line-ending": (HEADER.encode() + b"Option Explicit\r\nSub Tidy()\nEnd Sub\r\n", [], 3),
    "line-length": (HEADER + "' " + "x" * 1022 + "\r\n", [], 2),
    "continuations": (HEADER + "Private Const TOTAL As Long = 1 + _\r\n" + "    1 + _\r\n" * 24 + "    1\r\n", [], 2),
    "code-page": (HEADER.encode() + b'Sub Tidy()\r\n    MsgBox "\x81"\r\nEnd Sub\r\n', [], 3),
    "button": (HEADER + "Public Sub Tidy(ByVal how As Long)\r\nEnd Sub\r\n", ["[0]!Tidy"], 2),
    "conditional": (HEADER + "#If Win64 Then\r\nPrivate Const BITS = 64\r\n", [], 2),
}


@pytest.mark.parametrize("rule", list(BROKEN))
def test_each_rule_fires_on_a_broken_module_naming_module_and_line(rule):
    source, macros, line = BROKEN[rule]
    problems = check_vba_project(broken_project(source), TEMPLATE_MACROS + macros)
    assert [p.rule for p in problems] == [rule], [str(p) for p in problems]
    assert str(problems[0]).startswith(f"Broken, line {line}: "), str(problems[0])


@pytest.mark.parametrize("body, misplaced", [
    ('Public Count As Long\r\nAttribute Count.VB_VarDescription = "rows seen"\r\n', []),
    ('Function Total() As Long\r\nAttribute Total.VB_Description = "all rows"\r\nEnd Function\r\n', []),
    ('Function Total() As Long\r\n\r\nAttribute Total.VB_Description = "all rows"\r\nEnd Function\r\n', [4]),
    ('Function Total() As Long\r\nAttribute Other.VB_Description = "all rows"\r\nEnd Function\r\n', [3]),
    ('Function Total() As Long\r\n    Dim n As Long\r\nAttribute n.VB_VarDescription = "no"\r\nEnd Function\r\n', [4]),
    ('Option Explicit\r\nAttribute VB_Description = "after code"\r\n', [3]),
])
def test_attributes_are_allowed_only_where_the_vbe_writes_them(body, misplaced):
    problems = check_vba_project(broken_project(HEADER + body))
    assert [(p.rule, p.line) for p in problems] == [("attribute", line) for line in misplaced]


def test_the_template_modules_alone_pass():
    """The broken cases above differ from this project by one module only."""
    assert check_vba_project(project_with(Module("Broken", "Option Explicit\r\n")), TEMPLATE_MACROS) == []


def test_a_declare_is_checked_in_the_branch_each_platform_compiles():
    """Microsoft's order: Win32 is True on 64-bit Windows too, so #If Win64 comes first."""
    source = (HEADER + "#If Win64 Then\r\n"
              'Private Declare Function A Lib "a" () As Long\r\n'
              "#ElseIf Win32 Then\r\n"
              'Private Declare Function B Lib "b" () As Long\r\n'
              "#ElseIf VBA7 And Not Mac Then\r\n"
              'Private Declare Function C Lib "c" () As Long\r\n'
              "#Else\r\n"
              'Private Declare Function D Lib "d" () As Long\r\n'
              "#End If\r\n")
    problems = check_vba_project(broken_project(source))
    assert [(p.line, p.message.rsplit("(on ", 1)[1]) for p in problems] == [
        (3, "Windows 64-bit)"), (5, "Windows 32-bit)"), (9, "Mac)")]


def test_a_problem_on_every_platform_lists_none():
    source = HEADER + 'Declare Function A Lib "a" () As Long\r\n'
    (problem,) = check_vba_project(broken_project(source))
    assert str(problem) == "Broken, line 2: Declare A has no PtrSafe, yet VBA7 compiles it: write Declare PtrSafe"


@pytest.mark.parametrize("macro, message", [
    ("[0]!Nowhere", "no public Sub Nowhere in a standard module"),
    ("[0]!WebClient.Execute", "WebClient is not a standard module"),
    ("[0]!RunPython", "is Function RunPython(PythonCommand As String): a button runs a Sub without parameters"),
    ("[0]!CallServer", "no public Sub CallServer"),  # Rosterbook's, Private
    ("'other.xlsm'!ValidateRows", "is not in this workbook"),
])
def test_button_macros_must_resolve_to_a_plain_public_sub(macro, message):
    problems = check_vba_project(project_with(Module("Broken", "Option Explicit\r\n")), [macro])
    assert [p.rule for p in problems] == ["button"] and message in problems[0].message, [str(p) for p in problems]


def test_a_module_qualified_macro_resolves_too():
    """LibreOffice writes the qualified form when it saves; Excel accepts both."""
    project = project_with(Module("Broken", "Option Explicit\r\n"))
    assert check_vba_project(project, [f"Rosterbook.{b.macro}" for b in BUTTONS]) == []


@pytest.mark.parametrize("expression, constants, value", [
    ("VBA7 And Not Win64", PLATFORMS["Windows 32-bit"], TRUE),
    ("VBA7 And Not Win64", PLATFORMS["Windows 64-bit"], FALSE),
    ('App = "Microsoft Excel"', {"APP": "Microsoft Excel"}, TRUE),
    ('App = "Microsoft Word"', {"APP": "Microsoft Excel"}, FALSE),
    ("MAC_OFFICE_VERSION >= 15", PLATFORMS["Mac"], TRUE),
    ("MAC_OFFICE_VERSION >= 15", PLATFORMS["Windows 64-bit"], FALSE),  # not a constant there: Empty
    ("Not Win16 And (Win32 Or Mac)", PLATFORMS["Mac"], TRUE),
    ("Not 1 = 2", {}, TRUE),  # Not binds looser than =
    ("1 + 2 * 3 = 7 And &H10 = 16", {}, TRUE),
    ("2 ^ 3 - -1", {}, 9),
    ('"a" & 1 = "a1"', {}, TRUE),
])
def test_conditional_expressions_evaluate_as_vba_does(expression, constants, value):
    assert evaluate(expression, {k.upper(): v for k, v in constants.items()}) == value


@pytest.mark.parametrize("expression", ['"a" = 1', "1 +", "(1", "1 Like 2"])
def test_conditional_expressions_that_vba_refuses_are_reported(expression):
    with pytest.raises(ConditionalError):
        evaluate(expression, {})


# --- on real workbooks ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted((ROOT / "workbooks").glob("*.xlsm")), ids=lambda p: p.name)
def test_every_committed_template_passes_the_check(path):
    with zipfile.ZipFile(path) as archive:
        assert button_macros(archive) == TEMPLATE_MACROS  # the plain form Excel writes
    assert check_workbook(path) == []


def test_excel_saved_workbook_passes_and_the_aspose_injected_module_is_caught():
    """quickstart.xlsm was saved by Excel itself: nothing to report. In quickstart_standalone.xlsm
    (re-saved by Aspose.Cells) xlwings' module was injected with LF line ends, which the VBE never
    stores; xlwings ships it, so Office tolerates it, but our own output keeps the VBE's form."""
    assert check_workbook(XLWINGS / "quickstart.xlsm") == []
    problems = check_workbook(XLWINGS / "quickstart_standalone.xlsm")
    assert [(p.rule, p.module, p.line) for p in problems] == [("line-ending", "xlwings", 1)]
    assert "LF alone" in problems[0].message and "more lines" in problems[0].message
