"""Checking a filled file without Excel: the `rosterbook validate` command and the upload page."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..profiles import FormatNotRecognised, get_profile, recognise_profile
from ..rules.columns import Profile
from ..rules.engine import Report, validate
from ..rules.findings import Finding, Level
from ..rules.settings import PROFILE_KEY, profile_settings
from .checked_copy import annotated_path, write_annotated
from .limits import ReadLimits
from .readers import PROGRESS_EVERY, Progress, Table, read_table

# How the format was chosen, as Report.profile_from says it and a summary words it.
FROM_OPTION, FROM_TEMPLATE, FROM_HEADERS = "option", "template", "headers"
VENDOR_FILE_SUFFIXES = (".csv", ".txt")


@dataclass
class FileCheck:
    profile: Profile
    table: Table
    report: Report
    annotated: Path | None
    source: Path | None = None


def choose_profile(table: Table, profile_id: str | None) -> tuple[Profile, str]:
    """The format to check a table with: the one asked for, else the one its template names (its
    xlwings.conf sheet), else the one its headers match best. Raises UnknownProfile for a name no
    format has and FormatNotRecognised when the headers do not settle it."""
    if profile_id:
        return get_profile(profile_id), FROM_OPTION
    named = table.settings.get(PROFILE_KEY)
    if named:
        return get_profile(named), FROM_TEMPLATE
    profile, _ = recognise_profile(table.rows[0] if table.rows else [])
    return profile, FROM_HEADERS


def check_table(table: Table, profile_id: str | None, overrides: Mapping[str, Any] | None = None,
                vendor_file: bool = False, progress: Progress | None = None) -> tuple[Profile, Report]:
    """Validate a table read from a file; the template's own profile and settings apply, with
    overrides (the command line's --region and --locale, the upload page's field) over them.
    vendor_file: the file goes to the vendor as it is (its per-file limit of users is an error)."""
    profile, chosen_by = choose_profile(table, profile_id)
    named = table.settings.get(PROFILE_KEY)
    settings = profile_settings(profile, table.settings)
    settings.update({k: v for k, v in (overrides or {}).items() if v not in (None, "")})
    total = len(table.rows)
    on_rows = (lambda done: progress("Checking", done, total)) if progress is not None else None
    report = validate(profile, table.rows, start_row=table.start_row, settings=settings, vendor_file=vendor_file,
                      progress=on_rows, progress_every=PROGRESS_EVERY)
    report.profile_from = chosen_by
    if named and named.casefold() != profile.id:
        report.file_findings.insert(0, Finding(Level.WARNING,
            f"This workbook is the {named} template, but it was checked as {profile.id}"))
    if not report.rows:
        report.file_findings.append(Finding(Level.ERROR,
            "There are no users in this file: fill in one user per row under the header row, then check it again"))
    return profile, report


def check_file(path: Path, profile_id: str | None, out: Path | None = None, annotate: bool = True,
               overrides: Mapping[str, Any] | None = None, limits: ReadLimits | None = None,
               progress: Progress | None = None) -> FileCheck:
    """`rosterbook validate`: a CSV is checked as the vendor's file; a workbook (a template's rows,
    imported through rosterbook, whose export splits them) is not."""
    table = read_table(path, limits, progress)
    profile, report = check_table(table, profile_id, overrides,
                                  vendor_file=path.suffix.lower() in VENDOR_FILE_SUFFIXES, progress=progress)
    target = None
    if annotate:
        target = out or annotated_path(path)
        write_annotated(table, report, target, progress)
    return FileCheck(profile, table, report, target, path)


__all__ = ["FROM_HEADERS", "FROM_OPTION", "FROM_TEMPLATE", "FileCheck", "FormatNotRecognised", "check_file",
           "check_table", "choose_profile"]
