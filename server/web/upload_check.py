"""The upload page's work, apart from HTTP: check a filled file's bytes, and make at once what its
next steps need (the annotated copy, the import request of its valid rows, and the result page's
summary), so that downloading and importing redo nothing.

The summary is bounded whatever the file: at most ROWS_SHOWN rows with their findings, the
problems with the whole file up to FILE_FINDINGS_SHOWN, and every finding counted by kind (its
column and level), so a page stays small for a file of a million findings.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic_core import from_json, to_json

from addin.files.checked_copy import annotated_path, write_annotated
from addin.files.column_mapping import ColumnChoice, apply_mapping, mapping_lines, needs_mapping, proposed, read_header
from addin.files.limits import ReadLimits
from addin.files.offline import FormatNotRecognised, check_table, choose_profile
from addin.files.read_facts import read_lines
from addin.files.readers import (CSV_SUFFIXES, SPREADSHEET_SUFFIXES, ReadOptions, Table, UnreadableFile, read_csv,
                                 read_workbook)
from addin.profiles import UnknownProfile
from addin.rules.columns import Profile
from addin.rules.engine import Report, RowResult
from addin.rules.findings import Level
from addin.rules.import_request import request_source
from addin.rules.settings import PROFILE_KEY, on_existing, profile_settings

from .upload_options import UploadOptions

ACCEPTED_SUFFIXES = (*SPREADSHEET_SUFFIXES, *CSV_SUFFIXES)
KEY_PREFIX = "web-"
KEY_SCOPE = "pages"  # one for all admins: a file imported by one is not imported again by another
ROWS_SHOWN = 500
FILE_FINDINGS_SHOWN = 50
ROWS_NAMED = 10  # per kind of finding, the first rows that have it
MESSAGES_PER_ROW = 20


class UploadProblem(ValueError):
    """The file cannot be checked; the message says why and what to do."""


@dataclass
class CheckedUpload:
    filename: str
    content: bytes
    profile: Profile
    table: Table
    report: Report
    options: UploadOptions = UploadOptions()
    hidden: frozenset[int] = frozenset()  # data rows the sheet hides
    left_out: bool = False  # and they were left out, as asked
    columns: list[str] = field(default_factory=list)  # the column mapping in words

    @property
    def region(self) -> str | None:
        return self.options.region

    @property
    def key_context(self) -> str:
        """What besides the bytes decides the import: the format and the choices made on the page
        (the same file checked with a phone region imports rows it could not import without)."""
        return self.options.key_context(self.profile.id)

    @property
    def annotated_name(self) -> str:
        return annotated_path(Path(self.filename)).name


@dataclass
class MappingStep:
    """The file's header row does not all match the format: the admin says which column is which."""

    filename: str
    profile: Profile
    profile_from: str
    choices: list[ColumnChoice]
    header_row: int | None
    sheet: str | None


@dataclass
class ShownRow:
    row: int
    status_text: str
    kind: str  # its worst finding: error, fixed or warning
    findings: list[tuple[str, str]]  # (level, message)
    more: int = 0  # findings of the row not listed


@dataclass
class FindingKind:
    column: str  # '' for the whole file
    level: str
    count: int
    rows: list[int]  # the first rows that have it


@dataclass
class PageSummary:
    """What the result page shows of a checked file; small whatever the file."""

    filename: str
    annotated_name: str
    profile_id: str
    profile_title: str
    rows: int
    valid: int
    fixed: int
    warnings: int
    file_findings: list[tuple[str, str]]  # (level, message), the first FILE_FINDINGS_SHOWN
    file_findings_more: int
    file_errors: list[str]  # the first few problems with the whole file that block the import
    kinds: list[FindingKind]
    shown: list[ShownRow]
    rows_with_findings: int
    key_context: str = ""  # what besides the file's bytes makes its Idempotency-Key (CheckedUpload's)
    file_hash: str = ""  # the file's SHA-256, from which the key is made at import (with the page's choice)
    region: str | None = None
    profile_from: str | None = None  # how the format was chosen (Report.profile_from)
    notes: list[str] = field(default_factory=list)  # the report's notes (how many files an export makes)
    on_existing: str = "skip"  # what the file's template asks for users stored with other values
    read: list[str] = field(default_factory=list)  # how the file was read (sheet, header row, encoding, hidden rows)
    columns: list[str] = field(default_factory=list)  # the column mapping chosen, in words

    @property
    def hidden_rows(self) -> int:
        return self.rows_with_findings - len(self.shown)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> PageSummary:
        raw = json.loads(data)
        raw["kinds"] = [FindingKind(**k) for k in raw["kinds"]]
        raw["shown"] = [ShownRow(**r) for r in raw["shown"]]
        raw["file_findings"] = [tuple(f) for f in raw["file_findings"]]
        return cls(**raw)


def clean_filename(name: str | None) -> str:
    """The name as the admin knows it (no folders), shown and stored as the batch's workbook."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:255] or "upload.csv"


def read_upload(content: bytes, filename: str, limits: ReadLimits, options: ReadOptions | None = None) -> Table:
    suffix = Path(filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(content, filename, limits, options=options)
    if suffix in CSV_SUFFIXES:
        return read_csv(content, filename, limits, options=options)
    raise UploadProblem(f"{filename}: choose an Excel workbook (.xlsx or .xlsm), a CSV file (.csv) or Excel's "
                        f"Unicode Text (.txt); '{suffix or 'no extension'}' files cannot be checked.")


def check_upload(content: bytes, filename: str, options: UploadOptions, limits: ReadLimits,
                 offer_mapping: bool = False) -> CheckedUpload | MappingStep:
    """Read and validate the file with its profile: the one chosen, else the one its template names,
    else the one its header row matches; read and checked as the page's options say. With
    offer_mapping, a header row that does not all match the format stops at the mapping step
    (nothing more is checked until the admin has said which column is which)."""
    if not content:
        raise UploadProblem(f"{filename} is empty: choose the filled file and try again.")
    try:
        table = read_upload(content, filename, limits, options.reading())
        profile, chosen_by = choose_profile(table, options.profile)
    except UnreadableFile as exc:
        raise UploadProblem(str(exc)) from None
    except FormatNotRecognised as exc:
        raise UploadProblem(f"Which format is {filename}? It is not a rosterbook template, and {exc}: choose the "
                            "format from the list and check it again.") from None
    except UnknownProfile:
        raise UploadProblem(f"{filename} names the format {table.settings.get(PROFILE_KEY)!r}, which this "
                            "server does not know: choose the format from the list.") from None
    columns: list[str] = []
    if options.mapping is not None:
        mapping = dict(options.mapping)
        apply_mapping(table, profile, mapping)
        columns = mapping_lines(table, profile, mapping)
    elif offer_mapping:
        header = read_header(table, profile)
        if header is not None and needs_mapping(header):
            return MappingStep(filename, profile, chosen_by, proposed(table, profile, header), table.header_row,
                               table.sheet)
    checked = check_table(table, profile.id, options.overrides())
    report = checked.report
    report.profile_from = chosen_by
    if not report.rows:
        raise UploadProblem(f"{filename} has no rows under its header: fill in the users and try again.")
    return CheckedUpload(filename, content, profile, table, report, options, checked.hidden, checked.left_out,
                         columns)


def annotated_workbook(upload: CheckedUpload) -> bytes:
    """The annotated copy `rosterbook validate` writes (always .xlsx), as bytes."""
    out = io.BytesIO()
    write_annotated(upload.table, upload.report, out, left_out=upload.hidden if upload.left_out else ())
    return out.getvalue()


def batch_request(upload: CheckedUpload) -> dict[str, Any]:
    """The file's rows for the import service: the valid ones to import, and those with errors
    refused with them, so the batch records them. Each record is the engine's normalized row as
    it is (by column key, the form submit_batch(validated=True) takes), not the workbook's Submit
    form by header: no dict per row to make, and none to map back at import. The page's choice
    for users stored with other values (on_existing) is added at import."""
    rows = upload.report.rows
    refused = {r.row: [{"column": f.column, "message": f.message} for f in r.findings if f.level is Level.ERROR]
               for r in rows if not r.ok}
    return {"profile_id": upload.profile.id, "records": [r.values for r in rows],
            "source": request_source(rows, workbook=upload.filename, conf=upload.table.settings),
            "settings": {**profile_settings(upload.profile, upload.table.settings),
                         **({"phone_region": upload.region} if upload.region else {})},
            "refused": refused}


def request_as_json(request: dict[str, Any]) -> bytes:
    """batch_request's answer to keep (the refused rows' numbers as pairs: JSON keys are text)."""
    return to_json({**request, "refused": list(request["refused"].items())})


def request_from_json(data: bytes) -> dict[str, Any]:
    request = from_json(data, cache_strings="keys")  # 10,000s of records share a few keys
    request["refused"] = {int(row): errors for row, errors in request["refused"]}
    return request


def file_on_existing(upload: CheckedUpload) -> str:
    """What the file's template asks for users stored with other values (skip unless it says replace)."""
    try:
        return on_existing(upload.table.settings) or "skip"
    except ValueError:
        return "skip"


def upload_key(secret: str, context: str, file_hash: bytes) -> str:
    """The Idempotency-Key of a file's import: the same file (its SHA-256) in the same context (format,
    region, choice) always gets the same key, so a double click or a second upload imports nothing
    twice. Keyed with the server's secret, so the stored key reveals nothing about the file
    (passwords included)."""
    message = context.encode("utf-8") + b"\n" + file_hash
    return KEY_PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def page_summary(upload: CheckedUpload) -> PageSummary:
    report = upload.report
    kinds: dict[tuple[str, str], FindingKind] = {}
    shown: list[ShownRow] = []
    with_findings = valid = fixed = warnings = 0
    for finding in report.file_findings:
        _count(kinds, "", str(finding.level), None)
    for result in report.rows:
        if not result.findings:
            valid += 1
            continue
        errors = 0
        for finding in result.findings:
            level = finding.level
            errors += level is Level.ERROR
            fixed += level is Level.FIXED
            warnings += level is Level.WARNING
            _count(kinds, finding.column or "", str(level), result.row)
        valid += not errors
        with_findings += 1
        if len(shown) < ROWS_SHOWN:
            listed = [(str(f.level), f.message) for f in result.findings[:MESSAGES_PER_ROW]]
            shown.append(ShownRow(result.row, result.status_text, _worst(result), listed,
                                  max(0, len(result.findings) - MESSAGES_PER_ROW)))
    fixed += sum(1 for f in report.file_findings if f.level is Level.FIXED)
    warnings += sum(1 for f in report.file_findings if f.level is Level.WARNING)
    file_errors = [f.message for f in report.file_findings if f.level is Level.ERROR]
    order = {"error": 0, "warning": 1, "fixed": 2}
    return PageSummary(
        filename=upload.filename, annotated_name=upload.annotated_name, profile_id=upload.profile.id,
        profile_title=upload.profile.title, rows=len(report.rows), valid=valid, fixed=fixed, warnings=warnings,
        file_findings=[(str(f.level), f.message) for f in report.file_findings[:FILE_FINDINGS_SHOWN]],
        file_findings_more=max(0, len(report.file_findings) - FILE_FINDINGS_SHOWN),
        file_errors=file_errors[:3], kinds=sorted(kinds.values(), key=lambda k: (order[k.level], -k.count)),
        shown=shown, rows_with_findings=with_findings, key_context=upload.key_context,
        file_hash=hashlib.sha256(upload.content).hexdigest(), region=upload.region,
        profile_from=report.profile_from, notes=list(report.notes), on_existing=file_on_existing(upload),
        read=read_lines(upload.table, upload.hidden, upload.left_out), columns=list(upload.columns))


def _count(kinds: dict[tuple[str, str], FindingKind], column: str, level: str, row: int | None) -> None:
    kind = kinds.get((column, level))
    if kind is None:
        kind = kinds[(column, level)] = FindingKind(column, level, 0, [])
    kind.count += 1
    if row is not None and len(kind.rows) < ROWS_NAMED and (not kind.rows or kind.rows[-1] != row):
        kind.rows.append(row)


def _worst(row: RowResult) -> str:
    for level in (Level.ERROR, Level.FIXED, Level.WARNING):
        if row.count(level):
            return str(level)
    return "ok"
