"""Shared fixtures. Each area keeps its fixtures in its own plugin module, listed here."""
import os
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.conftest_libreoffice",  # the headless LibreOffice session
    "tests.plugin_server",
    "tests.plugin_xlwings",
]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "workbooks" / "examples"


def require(condition: bool, reason: str) -> None:
    """A missing real part fails the run in CI (CI=true) and skips with the reason elsewhere."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must have it: see scripts/setup.sh)")
    pytest.skip(reason)
