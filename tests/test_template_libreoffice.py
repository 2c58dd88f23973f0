"""The committed templates as LibreOffice, an independent reader, sees them; and an admin's round trip.

Each template is opened once; what LibreOffice reports is collected into plain data and every
claim of the issue is checked against the profile it was built from. Assertions never name a UNO
object: pytest would describe it after the document is closed, and a closed document's objects
abort the whole run when touched.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from addin.files.offline import check_file
from addin.profiles import all_profiles, get_profile
from addin.rules.annotations import ERRORS_HEADER, MARKS_HEADER, STATUS_HEADER, column_letter
from addin.rules.settings import CONF_SHEET
from addin.template import DEFAULT_MODE, DEFAULT_SERVER_URL, template_name, template_version
from addin.template.builder import SHEET_CODE_NAMES
from addin.template.buttons import BUTTONS, MACRO_MODULE
from addin.template.check import button_macros, check_workbook
from addin.template.conf_sheet import template_conf_rows
from addin.template.data_sheet import DATA_SHEET, FIRST_DATA_ROW, HEADER_ROW, LAST_DATA_ROW
from addin.template.instructions import INSTRUCTIONS_SHEET
from addin.template.vba import OUR_VBA_DIR, WORKBOOK_CODE_NAME, XLWINGS_DIR, XLWINGS_MODULE_FILES
from addin.template.wording import requirement, rule_text
from tests import lo_workbook as lw
from tests.conftest import ROOT
from tests.libreoffice import without_attributes

pytest_plugins = ["tests.conftest_libreoffice"]

WORKBOOKS = ROOT / "workbooks"
# Rows whose formats are checked: the first data row, the table's last coloured row, and far below.
PROBE_ROWS = (FIRST_DATA_ROW, 999, 60_000, LAST_DATA_ROW, 500_000)


def module_sources_as_written() -> dict[str, str]:
    """Each VBA file that goes into a template, as LibreOffice should give its code back:
    the .cls header block (VERSION ... BEGIN ... END) and the Attribute lines are Excel's, not code."""
    files = [XLWINGS_DIR / name for name in XLWINGS_MODULE_FILES] + sorted(OUR_VBA_DIR.glob("*.bas"))
    sources = {}
    for path in files:
        text = path.read_bytes().decode("cp1252").replace("\r\n", "\n")
        name = re.search(r'^Attribute VB_Name = "(\w+)"', text, re.MULTILINE).group(1)
        if path.suffix == ".cls":
            text = text.split("\nEND\n", 1)[1]
        sources[name] = without_attributes(text)
    for code_name in (WORKBOOK_CODE_NAME, *SHEET_CODE_NAMES):
        sources[code_name] = ""
    return sources


def read_template(office, path: Path) -> dict:
    """Everything the tests ask about one workbook, read through LibreOffice."""
    with office.document(path) as doc:
        users, instructions, conf = (lw.sheet(doc, n) for n in (DATA_SHEET, INSTRUCTIONS_SHEET, CONF_SHEET))
        width = len(lw.used_rows(users)[HEADER_ROW])
        controller = doc.CurrentController
        return {
            "sheets": [(s.Name, s.CodeName, s.IsVisible) for s in (doc.Sheets.getByIndex(i)
                                                                   for i in range(doc.Sheets.Count))],
            "modules": office.modules(doc),
            "buttons": lw.buttons(users),
            "rows": lw.used_rows(users),
            "formats": {col: [lw.number_format(doc, users, col, row) for row in PROBE_ROWS] for col in range(width)},
            "dropdowns": {col: [lw.dropdown(users, col, row) for row in (FIRST_DATA_ROW, LAST_DATA_ROW)]
                          for col in range(width)},
            "colours": {col: [lw.conditional_formulas(users, col, row) for row in (FIRST_DATA_ROW, LAST_DATA_ROW)]
                        for col in range(width)},
            "notes": lw.notes(users),
            "hidden_columns": [col for col in range(width) if lw.column_hidden(users, col)],
            "frozen_rows": controller.getSplitRow() if controller.hasFrozenPanes() else 0,
            "instructions": lw.used_rows(instructions),
            "conf": lw.used_rows(conf),
        }


def copy_of(profile_id: str, folder: Path) -> Path:
    """LibreOffice leaves a lock file beside what it opens: work on a copy, never in workbooks/."""
    target = folder / template_name(get_profile(profile_id))
    shutil.copyfile(WORKBOOKS / target.name, target)
    return target


@pytest.fixture(scope="module", params=list(all_profiles()))
def template(request, libreoffice, tmp_path_factory):
    profile = get_profile(request.param)
    return profile, read_template(libreoffice, copy_of(profile.id, tmp_path_factory.mktemp("read")))


def test_each_vba_module_reads_back_as_written(template):
    _, seen = template
    expected = module_sources_as_written()
    assert sorted(seen["modules"]) == sorted(expected)
    for name, source in expected.items():
        assert seen["modules"][name] == source, f"LibreOffice reads module {name} differently"
    assert len(seen["modules"]["xlwings"]) > 40_000  # many 4096-byte compression chunks


def test_document_modules_match_the_code_names(template):
    _, seen = template
    assert seen["sheets"] == [(DATA_SHEET, "Sheet1", True), (INSTRUCTIONS_SHEET, "Sheet2", True),
                              (CONF_SHEET, "Sheet3", False)]
    assert [code for _, code, _ in seen["sheets"]] == SHEET_CODE_NAMES


def test_buttons_run_macros_that_exist(template):
    """The workbook names each macro plainly ([0]!ValidateRows, as Excel does); LibreOffice finds the
    one module that has it, as Excel does."""
    _, seen = template
    assert seen["buttons"] == [(b.caption, f"VBAProject.{MACRO_MODULE}.{b.macro}") for b in BUTTONS]
    macros = seen["modules"][MACRO_MODULE]
    for button in BUTTONS:
        assert re.search(rf"^Public Sub {button.macro}\(\)$", macros, re.MULTILINE), button.macro


def test_header_row_below_an_empty_button_bar(template):
    profile, seen = template
    assert seen["rows"][0] == ("",) * len(seen["rows"][0])
    assert seen["rows"][HEADER_ROW] == (*(c.header for c in profile.columns), STATUS_HEADER, ERRORS_HEADER,
                                        MARKS_HEADER)
    assert len(seen["rows"]) == HEADER_ROW + 1, "nothing below the header for an admin to delete"
    assert seen["hidden_columns"] == [len(profile.columns) + 2]  # Marks
    assert seen["frozen_rows"] == HEADER_ROW + 1


def test_phone_digits_and_id_columns_are_text(template):
    profile, seen = template
    for col, column in enumerate(profile.columns):
        expected = "@" if column.text_format else "General"
        assert seen["formats"][col] == [expected] * len(PROBE_ROWS), column.header
    assert any(c.text_format for c in profile.columns)


def test_dropdowns_hold_the_profile_values(template):
    profile, seen = template
    for col, column in enumerate(profile.columns):
        expected = tuple(column.dropdown) or None
        assert seen["dropdowns"][col] == [expected, expected], column.header


def test_every_header_has_a_note_with_its_rule_and_example(template):
    profile, seen = template
    for col, column in enumerate(profile.columns):
        note = seen["notes"][(col, HEADER_ROW)]
        assert note.startswith(column.header)
        assert column.describe() in note
        assert requirement(column).lower() in note
        if column.example:
            assert f"Example: {column.example}" in note
    for col in range(len(profile.columns), len(profile.columns) + 3):
        assert seen["notes"][(col, HEADER_ROW)]


def test_cells_are_coloured_from_the_marks_column(template):
    profile, seen = template
    marks = column_letter(len(profile.columns) + 2)
    for col in range(len(profile.columns)):
        first, last = seen["colours"][col]
        assert [f.replace(";", ",") for f in first] == [f'MID(${marks}{FIRST_DATA_ROW + 1},{col + 1},1)="E"',
                                                        f'MID(${marks}{FIRST_DATA_ROW + 1},{col + 1},1)="F"']
        assert len(last) == 2
    assert seen["colours"][len(profile.columns)] == [[], []]  # Status is not coloured


def test_instructions_describe_every_column_from_the_profile(template):
    profile, seen = template
    rows = seen["instructions"]
    text = "\n".join("\t".join(row) for row in rows)
    by_header = {row[0]: row for row in rows}
    for column in profile.columns:
        row = by_header[column.header]
        assert row == (column.header, requirement(column), rule_text(column), ", ".join(column.dropdown),
                       column.example)
    for sentence in (*profile.notes, *profile.decisions, profile.summary, profile.vendor):
        assert sentence in text
    assert f"Template version {template_version()}" in text


def test_conf_sheet_is_hidden_and_holds_no_secret(template):
    profile, seen = template
    expected = template_conf_rows(profile, version=template_version(), server_url=DEFAULT_SERVER_URL,
                                  mode=DEFAULT_MODE)
    assert seen["conf"] == [tuple(row) for row in expected]
    keys = [key.lower() for key, _ in seen["conf"]]
    assert all(keys), "xlwings reads keys from A1 down to the first empty cell"
    for key in keys:
        assert not any(word in key for word in ("token", "secret", "auth", "api_key", "license")), key
        assert not key.endswith("password"), key
    assert not any(value.lower().startswith("bearer") for _, value in seen["conf"])


# --- acting as an admin --------------------------------------------------------------------------

# What the admin types, by header; the Text columns get a '+' and leading zeros.
TYPED = {
    "iplum": {"iPlum ID (phone/email)": "phone", "Phone #": "+14081231234", "Email": "jane@example.com",
              "Name": "Jane Doe"},
    "pbx": {"Type": "User", "LastName": "Doe", "Email": "jo.doe@example.com", "MobilePhone": "14085550101",
            "Extension": "0042", "PIN": "0042"},
    "commpeak": {"Username": "agent.smith", "Email": "agent.smith@example.com", "Virtual Extension": "0042",
                 "Role": "3"},
}


def typed_cells(profile_id: str) -> list[tuple[int, str]]:
    columns = [c.header for c in get_profile(profile_id).columns]
    return [(columns.index(header), text) for header, text in TYPED[profile_id].items()]


@pytest.fixture(scope="module")
def typed_and_saved(libreoffice, tmp_path_factory):
    """Each template with one row typed in, saved by LibreOffice as .xlsm."""
    out = tmp_path_factory.mktemp("saved")
    saved = {}
    for profile_id in TYPED:
        with libreoffice.document(copy_of(profile_id, out)) as doc:
            users = lw.sheet(doc, DATA_SHEET)
            for col, text in typed_cells(profile_id):
                lw.type_into(users, col, FIRST_DATA_ROW, text)
            saved[profile_id] = lw.save_as(doc, out / f"{profile_id}-filled.xlsm")
    return saved


@pytest.mark.parametrize("profile_id", list(TYPED))
def test_typed_text_survives_saving_and_reopening(libreoffice, typed_and_saved, profile_id):
    typed = typed_cells(profile_id)
    with libreoffice.document(typed_and_saved[profile_id]) as doc:
        users = lw.sheet(doc, DATA_SHEET)
        cells = [lw.cell(users, col, FIRST_DATA_ROW) for col, _ in typed]
        formats = [lw.number_format(doc, users, col, FIRST_DATA_ROW + 1) for col, _ in typed]
        modules = libreoffice.modules(doc)
    assert cells == [("TEXT", text) for _, text in typed]
    profile = get_profile(profile_id)
    assert formats == ["@" if profile.columns[col].text_format else "General" for col, _ in typed]
    expected = module_sources_as_written()
    assert sorted(modules) == sorted(expected)
    for name, source in expected.items():
        # LibreOffice's VBA export ends each module with one more line break.
        assert modules[name].rstrip("\n") == source.rstrip("\n"), name


@pytest.mark.parametrize("profile_id", list(TYPED))
def test_buttons_stay_bound_in_the_saved_file(typed_and_saved, profile_id):
    """LibreOffice 7.4 writes the buttons as Excel 2010 form controls but does not read those back,
    so the saved sheet's XML is checked directly: LibreOffice writes the module-qualified form.
    The static check then finds the VBA LibreOffice wrote and its buttons' macros sound."""
    with zipfile.ZipFile(typed_and_saved[profile_id]) as saved:
        sheet_xml = saved.read("xl/worksheets/sheet1.xml").decode()
        macros = button_macros(saved)
    assert re.findall(r'<control [^>]*name="Button \d+".*?macro="([\w.]+)"', sheet_xml) == [
        f"{MACRO_MODULE}.{b.macro}" for b in BUTTONS]
    assert macros == [f"{MACRO_MODULE}.{b.macro}" for b in BUTTONS]
    assert check_workbook(typed_and_saved[profile_id]) == []


@pytest.mark.parametrize("profile_id", list(TYPED))
def test_rosterbook_validate_agrees_with_the_saved_file(typed_and_saved, profile_id):
    path = typed_and_saved[profile_id]
    run = subprocess.run([sys.executable, "-m", "server.cli", "validate", str(path), "--json", "--no-copy"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr + run.stdout
    answer = json.loads(run.stdout)
    read = answer.pop("read")
    assert answer == {"profile": profile_id, "rows": 1, "errors": 0, "warnings": 0,
                      "fixed": 0, "findings": [], "profile_from": "template",
                      "settings": {"phone_region": None, "locale": None}, "unknown_columns": [], "notes": []}
    assert (read["sheet"], read["sheet_from"], read["header_row"]) == (DATA_SHEET, "template", HEADER_ROW + 1)
    report = check_file(path, None, annotate=False).report
    profile = get_profile(profile_id)
    typed = {profile.columns[col].key: text for col, text in typed_cells(profile_id)}
    assert {key: report.rows[0].values[key] for key in typed} == typed


def test_typing_into_a_general_cell_would_lose_the_plus(libreoffice, tmp_path):
    """The control: the same typing into a column that is not Text gives a number."""
    profile = get_profile("iplum")
    general = next(i for i, c in enumerate(profile.columns) if not c.text_format)
    with libreoffice.document(copy_of("iplum", tmp_path)) as doc:
        users = lw.sheet(doc, DATA_SHEET)
        lw.type_into(users, general, FIRST_DATA_ROW, "+14081231234")
        typed = lw.cell(users, general, FIRST_DATA_ROW)
    assert typed == ("VALUE", "14081231234")
