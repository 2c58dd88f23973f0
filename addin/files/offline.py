"""Checking a filled file without Excel: the `rosterbook validate` command and the upload page."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..profiles import FormatNotRecognised, get_profile, recognise_profile
from ..rules.columns import Profile
from ..rules.engine import Report, validate
from ..rules.findings import Finding, Level
from ..rules.settings import PROFILE_KEY, profile_settings
from .checked_copy import annotated_path, write_annotated
from .limits import ReadLimits
from .read_facts import encoding_warning, read_facts, read_lines
from .readers import CSV_SUFFIXES, PROGRESS_EVERY, Progress, ReadOptions, Table, read_table
from .sheet_layout import explain_merged, hidden_data_rows, mark_hidden, rows_shown

# How the format was chosen, as Report.profile_from says it and a summary words it.
FROM_OPTION, FROM_TEMPLATE, FROM_HEADERS = "option", "template", "headers"


@dataclass
class FileCheck:
    profile: Profile
    table: Table
    report: Report
    annotated: Path | None
    source: Path | None = None
    hidden: frozenset[int] = frozenset()  # data rows the sheet hides
    left_out: bool = False  # and they were left out (skip_hidden)

    def read_facts(self) -> dict[str, Any]:
        return read_facts(self.table, self.hidden, self.left_out)

    def read_lines(self) -> list[str]:
        return read_lines(self.table, self.hidden, self.left_out)

    def as_json(self) -> dict[str, Any]:
        return {**self.report.as_json(), "read": self.read_facts()}


@dataclass
class Checked:
    """check_table's answer: the format, the report, and what the sheet's hidden rows came to."""

    profile: Profile
    report: Report
    hidden: frozenset[int] = frozenset()
    left_out: bool = False
    skipped: frozenset[int] = field(default_factory=frozenset)  # rows left out, for the copy


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
                vendor_file: bool = False, progress: Progress | None = None) -> Checked:
    """Validate a table read from a file; the template's own profile and settings apply, with
    overrides (the command line's --region, --locale and --skip-hidden, the upload page's fields)
    over them. vendor_file: the file goes to the vendor as it is (its per-file limit of users is
    an error)."""
    profile, chosen_by = choose_profile(table, profile_id)
    named = table.settings.get(PROFILE_KEY)
    settings = profile_settings(profile, table.settings)
    settings.update({k: v for k, v in (overrides or {}).items() if v not in (None, "")})
    hidden = hidden_data_rows(table)
    left_out = bool(hidden) and _skip_hidden(profile, settings)
    rows, numbers = rows_shown(table, hidden) if left_out else (table.rows, None)
    total = len(rows)
    on_rows = (lambda done: progress("Checking", done, total)) if progress is not None else None
    report = validate(profile, rows, start_row=table.start_row, settings=settings, vendor_file=vendor_file,
                      progress=on_rows, progress_every=PROGRESS_EVERY, row_numbers=numbers,
                      hidden_rows=() if left_out else hidden)
    report.profile_from = chosen_by
    if hidden and not left_out:
        mark_hidden(report, hidden)
    explain_merged(table, report)
    warning = encoding_warning(table, report)
    if warning is not None:
        report.file_findings.insert(0, warning)
    if named and named.casefold() != profile.id:
        report.file_findings.insert(0, Finding(Level.WARNING,
            f"This workbook is the {named} template, but it was checked as {profile.id}"))
    if not report.rows:
        report.file_findings.append(Finding(Level.ERROR,
            "There are no users in this file: fill in one user per row under the header row, then check it again"))
    return Checked(profile, report, hidden, left_out, hidden if left_out else frozenset())


def _skip_hidden(profile: Profile, settings: Mapping[str, Any]) -> bool:
    try:
        return profile.settings(settings).skip_hidden
    except ValidationError:
        return False  # the check reports the wrong setting; hidden rows are checked meanwhile


def check_file(path: Path, profile_id: str | None, out: Path | None = None, annotate: bool = True,
               overrides: Mapping[str, Any] | None = None, limits: ReadLimits | None = None,
               progress: Progress | None = None, reading: ReadOptions | None = None) -> FileCheck:
    """`rosterbook validate`: a CSV is checked as the vendor's file; a workbook (a template's rows,
    imported through rosterbook, whose export splits them) is not."""
    options = replace(reading or ReadOptions(), profile=get_profile(profile_id) if profile_id else None)
    table = read_table(path, limits, progress, options)
    checked = check_table(table, profile_id, overrides,
                          vendor_file=path.suffix.lower() in CSV_SUFFIXES, progress=progress)
    target = None
    if annotate:
        target = out or annotated_path(path)
        write_annotated(table, checked.report, target, progress, left_out=checked.skipped)
    return FileCheck(checked.profile, table, checked.report, target, path, checked.hidden, checked.left_out)


__all__ = ["FROM_HEADERS", "FROM_OPTION", "FROM_TEMPLATE", "Checked", "FileCheck", "FormatNotRecognised", "ReadOptions",
           "check_file", "check_table", "choose_profile"]
