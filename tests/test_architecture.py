"""addin's layers, as pyproject.toml's import-linter contracts state them.

The contracts are run on the real tree, and on copies of it broken on purpose, one break per
contract: each break must be reported under its own contract's name.
"""
from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

LAYERS = "addin's layers"
RULES_PURE = "The rules and the profiles touch no workbook"
FILES_NO_EXCEL = "Reading and writing files never goes through Excel"
NO_SERVER = "Nothing in addin imports the server"
VBAPROJECT_ALONE = "The VBA project writer stands alone"
NO_CYCLES = "No import cycles between the modules of a package"


def lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def broken_contracts(output: str) -> set[str]:
    """The names of the contracts reported BROKEN in lint-imports' summary."""
    return {line.removesuffix(" BROKEN").strip() for line in _joined_summary(output) if line.endswith(" BROKEN")}


def _joined_summary(output: str) -> list[str]:
    # lint-imports wraps long contract names over two lines; join until KEPT/BROKEN ends one
    lines, current = [], ""
    for line in output.splitlines():
        current = f"{current} {line.strip()}".strip() if current else line.strip()
        if current.endswith((" KEPT", " BROKEN")) or not current:
            lines.append(current)
            current = ""
        elif not line.strip():
            current = ""
    return lines


def test_the_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert broken_contracts(result.stdout) == set()


BREAKS = {
    # a rule reaching up into the files layer (and, through it, to openpyxl)
    "rules import files": ("rules/engine.py", "from ..files import readers\n", LAYERS, RULES_PURE),
    # files and sheet are independent siblings in one layer
    "files import sheet": ("files/offline.py", "from ..sheet import region\n", LAYERS),
    "profiles import template": ("profiles/pbx.py", "from ..template import wording\n", LAYERS),
    "rules import openpyxl": ("rules/cells.py", "import openpyxl\n", RULES_PURE),
    "files import xlwings": ("files/readers.py", "import xlwings\n", FILES_NO_EXCEL),
    "export imports flask": ("files/export.py", "import flask\n", NO_SERVER),
    "vbaproject imports rules": ("vbaproject/cfb.py", "from ..rules import cells\n", VBAPROJECT_ALONE),
    # the cycle the layout broke: fields only describes the column it reads (a Protocol)
    "fields import columns back": ("rules/fields.py",
                                   "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .columns import Column\n",
                                   NO_CYCLES),
}


@pytest.mark.parametrize("case", list(BREAKS))
def test_each_contract_reports_its_own_break(case, tmp_path):
    module, line, *contracts = BREAKS[case]
    copy = tmp_path / "addin"
    shutil.copytree(ROOT / "addin", copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / module, "a", encoding="utf-8") as source:
        source.write("\n" + line)
    result = lint_imports(tmp_path, pythonpath=tmp_path)
    assert result.returncode != 0, result.stdout + result.stderr
    broken = broken_contracts(result.stdout)
    reported = {next((c for c in contracts if name.startswith(c)), name) for name in broken}
    assert reported == set(contracts), result.stdout


PACKAGES = ["addin", "addin.rules", "addin.profiles", "addin.sheet", "addin.files", "addin.template",
            "addin.vbaproject"]


@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_says_what_it_holds_and_may_import(name):
    doc = importlib.import_module(name).__doc__ or ""
    assert len(doc.split()) >= 15, f"{name} has no docstring that says what it holds"
    assert "import" in doc, f"{name}'s docstring does not say what it may import"
