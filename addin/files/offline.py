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
from .readers import Table, read_table

VENDOR_FILE_SUFFIXES = (".csv", ".txt")


@dataclass
class FileCheck:
    profile: Profile
    table: Table
    report: Report
    annotated: Path | None
    source: Path | None = None


def check_table(table: Table, profile_id: str | None, vendor_file: bool = False) -> tuple[Profile, Report]:
    """Validate a table read from a file; the template's own profile and settings apply.
    vendor_file: the file goes to the vendor as it is (its per-file limit of users is an error)."""
    named = table.settings.get(PROFILE_KEY)
    profile = get_profile(profile_id or named or "")
    report = validate(profile, table.rows, start_row=table.start_row,
                      settings=profile_settings(profile, table.settings), vendor_file=vendor_file)
    if named and named != profile.id:
        report.file_findings.insert(0, Finding(Level.WARNING,
            f"This workbook is the {named} template, but it was checked as {profile.id}"))
    return profile, report


def check_file(path: Path, profile_id: str | None, out: Path | None = None, annotate: bool = True) -> FileCheck:
    """`rosterbook validate`: a CSV is checked as the vendor's file; a workbook (a template's rows,
    imported through rosterbook, whose export splits them) is not."""
    table = read_table(path)
    profile, report = check_table(table, profile_id, vendor_file=path.suffix.lower() in VENDOR_FILE_SUFFIXES)
    target = None
    if annotate:
        target = out or annotated_path(path)
        write_annotated(path, table, report, target)
    return FileCheck(profile, table, report, target, path)
