"""Checking a filled file without Excel: the `rosterbook validate` command and the upload page."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..profiles import get_profile
from ..rules.columns import Profile
from ..rules.engine import Report, validate
from ..rules.findings import Finding, Level
from ..rules.settings import PROFILE_KEY, profile_settings
from .checked_copy import annotated_path, write_annotated
from .limits import ReadLimits
from .readers import PROGRESS_EVERY, Progress, Table, read_table


@dataclass
class FileCheck:
    profile: Profile
    table: Table
    report: Report
    annotated: Path | None
    source: Path | None = None


def check_table(table: Table, profile_id: str | None, progress: Progress | None = None) -> tuple[Profile, Report]:
    """Validate a table read from a file; the template's own profile and settings apply."""
    named = table.settings.get(PROFILE_KEY)
    profile = get_profile(profile_id or named or "")
    total = len(table.rows)
    on_rows = (lambda done: progress("Checking", done, total)) if progress is not None else None
    report = validate(profile, table.rows, start_row=table.start_row,
                      settings=profile_settings(profile, table.settings), progress=on_rows,
                      progress_every=PROGRESS_EVERY)
    if named and named != profile.id:
        report.file_findings.insert(0, Finding(Level.WARNING,
            f"This workbook is the {named} template, but it was checked as {profile.id}"))
    return profile, report


def check_file(path: Path, profile_id: str | None, out: Path | None = None, annotate: bool = True,
               limits: ReadLimits | None = None, progress: Progress | None = None) -> FileCheck:
    table = read_table(path, limits, progress)
    profile, report = check_table(table, profile_id, progress)
    target = None
    if annotate:
        target = out or annotated_path(path)
        write_annotated(table, report, target, progress)
    return FileCheck(profile, table, report, target, path)
