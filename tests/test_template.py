"""`rosterbook build` and the committed templates: reproducible bytes, olevba's reading of the VBA
project, and the Python functions the macros call."""
from __future__ import annotations

import importlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser
from openpyxl import load_workbook

from addin.profiles import all_profiles, get_profile
from addin.rules.settings import CONF_SHEET, MODE_KEY, PROFILE_KEY, SERVER_URL_KEY, VERSION_KEY
from addin.template import build_template_bytes, template_name, template_version
from addin.template.builder import SHEET_CODE_NAMES
from addin.template.buttons import BUTTONS, MACRO_MODULE
from addin.template.vba import OUR_VBA_DIR, template_modules
from tests.conftest import ROOT

WORKBOOKS = ROOT / "workbooks"
RUN_PYTHON = re.compile(r'^\s*RunPython\s+"([^"]*)"', re.MULTILINE)
RUN_REMOTE = re.compile(r'^\s*CallServer\s+"(/[^"]*)"', re.MULTILINE)
SUB = re.compile(r"^Public Sub (\w+)\(\)$(.*?)^End Sub$", re.MULTILINE | re.DOTALL)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, cwd=ROOT)


def extracted_macros(path: Path) -> dict[str, str]:
    """{module name: source} as olevba, an independent reader, extracts them from a workbook."""
    parser = VBA_Parser(str(path))
    try:
        return {Path(name).stem: code.replace("\r\n", "\n") for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


# --- reproducible output ------------------------------------------------------------------------

def test_committed_templates_equal_a_fresh_build(tmp_path):
    run = run_cli("build", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(template_name(p) for p in all_profiles().values())
    assert sorted(p.name for p in WORKBOOKS.glob("*.xlsm")) == built
    for name in built:
        assert (tmp_path / name).read_bytes() == (WORKBOOKS / name).read_bytes(), (
            f"workbooks/{name} is not what `rosterbook build` writes now: run it and commit the result")


def test_build_does_not_depend_on_hash_seed_or_time_zone():
    script = ("import hashlib, sys; from addin.template import build_template_bytes; "
              "from addin.profiles import get_profile; "
              "print(hashlib.sha256(build_template_bytes(get_profile('pbx'))).hexdigest())")
    digests = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT,
                       env={"PYTHONHASHSEED": seed, "TZ": tz, "PATH": "/usr/bin:/bin"}).stdout
        for seed, tz in (("1", "UTC"), ("2", "Pacific/Auckland"))
    }
    assert len(digests) == 1


def test_build_options_reach_the_conf_sheet(tmp_path):
    run = run_cli("build", "--out", str(tmp_path), "--profile", "iplum", "--mode", "local",
                  "--server-url", "http://127.0.0.1:8123/")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"wrote {tmp_path / 'iplum.xlsm'}"
    book = load_workbook(tmp_path / "iplum.xlsm", read_only=True)
    conf = {row[0]: row[1] for row in book[CONF_SHEET].iter_rows(values_only=True)}
    book.close()
    assert conf[PROFILE_KEY] == "iplum"
    assert conf[MODE_KEY] == "local"
    assert conf[SERVER_URL_KEY] == "http://127.0.0.1:8123"
    assert conf[VERSION_KEY] == template_version()


@pytest.mark.parametrize("args, message", [
    (("--server-url", "127.0.0.1:5000"), "--server-url must start with http:// or https://"),
    (("--mode", "remote"), "invalid choice: 'remote'"),
    (("--profile", "nope"), "invalid choice: 'nope'"),
])
def test_build_refuses_bad_options_with_a_message(tmp_path, args, message):
    run = run_cli("build", "--out", str(tmp_path), *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert not list(tmp_path.iterdir())


def test_build_says_when_it_cannot_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    run = run_cli("build", "--out", str(blocker / "sub"))
    assert run.returncode == 2
    assert run.stderr.startswith(f"rosterbook build: cannot write to {blocker / 'sub'}")


def test_template_version_is_the_package_version():
    from importlib.metadata import version

    assert template_version() == version("rosterbook")


# --- the VBA project, read by olevba ----------------------------------------------------------

@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_olevba_extracts_the_sources_that_went_in(profile_id):
    extracted = extracted_macros(WORKBOOKS / template_name(get_profile(profile_id)))
    expected = {m.name: m.stored().text.replace("\r\n", "\n") for m in template_modules(SHEET_CODE_NAMES)}
    assert extracted == expected
    ours = (OUR_VBA_DIR / f"{MACRO_MODULE}.bas").read_text(encoding="cp1252")
    assert ours.split("\n", 1)[1] in extracted[MACRO_MODULE]  # the file as written, after its VB_Name line


def test_template_holds_no_project_password_or_signature():
    with zipfile.ZipFile(WORKBOOKS / "iplum.xlsm") as book:
        names = book.namelist()
    assert "xl/vbaProject.bin" in names
    assert not any("vbaProjectSignature" in name for name in names)


# --- the macros only call Python that exists -------------------------------------------------

def our_macros() -> dict[str, str]:
    return extracted_macros(WORKBOOKS / "iplum.xlsm")


def test_every_runpython_call_names_an_importable_function():
    commands = RUN_PYTHON.findall(our_macros()[MACRO_MODULE])
    assert len(commands) == len(BUTTONS)
    for command in commands:
        match = re.fullmatch(r"import ([\w.]+); ([\w.]+)\.(\w+)\(\)", command)
        assert match, f"RunPython command {command!r} is not 'import module; module.function()'"
        module_name, called_module, function = match.groups()
        assert called_module == module_name
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function, None)), f"{module_name}.{function} does not exist"


def server_endpoints_called() -> dict[str, str]:
    """{macro: server path} for each button's macro, checking that each is thin on the way."""
    subs = dict(SUB.findall(our_macros()[MACRO_MODULE]))
    assert set(subs) == {b.macro for b in BUTTONS}
    endpoints = {}
    for button in BUTTONS:
        body = subs[button.macro]
        assert len(RUN_PYTHON.findall(body)) == 1
        (endpoints[button.macro],) = RUN_REMOTE.findall(body)
        assert "Application.StatusBar = False" in body
    return endpoints


def test_each_button_macro_calls_python_and_nothing_else_of_substance():
    """Thin macros: per button one RunPython (local mode) and one server call, nothing more."""
    assert server_endpoints_called() == {"ValidateRows": "/xlwings/validate", "SubmitRows": "/xlwings/submit",
                                         "ClearMarks": "/xlwings/clear"}


def test_the_server_answers_every_path_the_macros_post_to(app):
    routes = {rule.rule: rule.methods for rule in app.url_map.iter_rules()}
    for macro, path in server_endpoints_called().items():
        assert "POST" in routes.get(path, ()), f"{macro} posts to {path}, which the server does not have"


def test_the_server_call_never_takes_the_token_from_the_workbook():
    macros = our_macros()[MACRO_MODULE]
    assert 'Environ("ROSTERBOOK_TOKEN")' in macros
    assert 'GetConfig("ROSTERBOOK_TOKEN", "", "user")' in macros  # the admin's own xlwings.conf file
    assert 'auth:="Bearer " & token' in macros
    assert "32767" in macros  # Remote.bas counts rows As Integer


# --- what the builder puts in, straight from the file ------------------------------------------

@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_nothing_below_the_header_row(profile_id):
    """No example row an admin would have to delete, and formats on columns only (a small used range)."""
    with zipfile.ZipFile(WORKBOOKS / f"{profile_id}.xlsm") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert re.findall(r'<row r="(\d+)"', sheet) == ["1", "2"]
    assert re.search(r'<dimension ref="A1:[A-Z]+2"/>', sheet)


def test_bytes_differ_by_mode():
    profile = get_profile("iplum")
    assert build_template_bytes(profile, mode="local") != build_template_bytes(profile, mode="server")
    with pytest.raises(ValueError, match="mode must be one of"):
        build_template_bytes(profile, mode="remote")
