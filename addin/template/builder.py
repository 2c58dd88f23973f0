"""Build one .xlsm template per profile, reproducible byte for byte."""
from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from xlsxwriter import Workbook

from ..profiles import all_profiles
from ..rules.columns import Profile
from ..rules.settings import DEFAULT_MODE, DEFAULT_SERVER_URL, MODES
from .conf_sheet import CONF_CODE_NAME, template_conf_rows, write_conf_sheet
from .data_sheet import DATA_CODE_NAME, write_data_sheet
from .instructions import INSTRUCTIONS_CODE_NAME, instruction_lines, write_instructions
from .vba import WORKBOOK_CODE_NAME, vba_project
from .version import template_version

# Fixed document dates: the same input always gives the same bytes.
DOCUMENT_DATE = datetime(2026, 1, 1)
SHEET_CODE_NAMES = [DATA_CODE_NAME, INSTRUCTIONS_CODE_NAME, CONF_CODE_NAME]  # in sheet order


def template_name(profile: Profile) -> str:
    return f"{profile.id}.xlsm"


def build_template_bytes(profile: Profile, *, mode: str = DEFAULT_MODE,
                         server_url: str = DEFAULT_SERVER_URL) -> bytes:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    version = template_version()
    target = io.BytesIO()
    workbook = Workbook(target, {"in_memory": True})
    workbook.set_properties({
        "title": f"{profile.title} user import template",
        "subject": profile.summary,
        "author": "rosterbook",
        "comments": f"rosterbook template {version} for {profile.vendor}",
        "created": DOCUMENT_DATE,
    })
    workbook.set_vba_name(WORKBOOK_CODE_NAME)
    write_data_sheet(workbook, profile)
    write_instructions(workbook, instruction_lines(profile, version=version, mode=mode, server_url=server_url))
    write_conf_sheet(workbook, template_conf_rows(profile, version=version, server_url=server_url, mode=mode))
    workbook.add_vba_project(io.BytesIO(vba_project(SHEET_CODE_NAMES)), is_stream=True)
    workbook.close()
    return target.getvalue()


def build_template(profile: Profile, out_dir: Path, **options) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_name(profile)
    data = build_template_bytes(profile, **options)
    temporary = path.with_suffix(".xlsm.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)  # an open reader never sees half a file
    return path


def build_all(out_dir: Path, profiles: Iterable[Profile] | None = None, **options) -> list[Path]:
    return [build_template(p, out_dir, **options) for p in (profiles or all_profiles().values())]
