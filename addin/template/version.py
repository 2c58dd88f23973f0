"""The template version: the rosterbook package's own version."""
from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent.parent / "pyproject.toml"


def template_version() -> str:
    try:
        return version("rosterbook")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
