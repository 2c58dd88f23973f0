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

from pydantic import ValidationError
from pydantic_core import from_json, to_json

from addin.files.checked_copy import annotated_path, write_annotated
from addin.files.limits import ReadLimits
from addin.files.offline import FormatNotRecognised, check_table
from addin.files.readers import CSV_SUFFIXES, SPREADSHEET_SUFFIXES, Table, UnreadableFile, read_csv, read_workbook
from addin.profiles import UnknownProfile, all_profiles
from addin.rules.columns import Profile, ProfileSettings
from addin.rules.engine import Report, RowResult
from addin.rules.findings import Level
from addin.rules.import_request import request_source
from addin.rules.settings import PROFILE_KEY, on_existing, profile_settings

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
    region: str | None = None  # the phone region the admin chose on the page, if any

    @property
    def key_context(self) -> str:
        """What besides the bytes decides the import: the format, and the phone region when one was
        chosen (the same file checked with a region imports rows it could not import without)."""
        return f"{self.profile.id}:{self.region}" if self.region else self.profile.id

    @property
    def valid_rows(self) -> list[RowResult]:
        return [r for r in self.report.rows if r.ok]

    @property
    def annotated_name(self) -> str:
        return annotated_path(Path(self.filename)).name


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


def read_upload(content: bytes, filename: str, limits: ReadLimits) -> Table:
    suffix = Path(filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(content, filename, limits)
    if suffix in CSV_SUFFIXES:
        return read_csv(content, filename, limits)
    raise UploadProblem(f"{filename}: choose an Excel workbook (.xlsx or .xlsm) or a CSV file (.csv); "
                        f"'{suffix or 'no extension'}' files cannot be checked.")


def check_upload(content: bytes, filename: str, profile_id: str | None, limits: ReadLimits,
                 region: str | None = None) -> CheckedUpload:
    """Read and validate the file with its profile: the one chosen, else the one its template names,
    else the one its header row matches; with the phone region chosen on the page, if any."""
    region = (region or "").strip() or None
    if region:
        try:
            region = ProfileSettings(phone_region=region).phone_region
        except ValidationError:
            raise UploadProblem(f"{region!r} is not a country code for phone numbers: use two letters such as "
                                "US, GB or DE, or leave the field empty.") from None
    if not content:
        raise UploadProblem(f"{filename} is empty: choose the filled file and try again.")
    try:
        table = read_upload(content, filename, limits)
    except UnreadableFile as exc:
        raise UploadProblem(str(exc)) from None
    if profile_id and profile_id not in all_profiles():
        raise UploadProblem(f"There is no format {profile_id!r}: choose one from the list.")
    try:
        profile, report = check_table(table, profile_id, {"phone_region": region})
    except FormatNotRecognised as exc:
        raise UploadProblem(f"Which format is {filename}? It is not a rosterbook template, and {exc}: choose the "
                            "format from the list and check it again.") from None
    except UnknownProfile:
        raise UploadProblem(f"{filename} names the format {table.settings.get(PROFILE_KEY)!r}, which this "
                            "server does not know: choose the format from the list.") from None
    if not report.rows:
        raise UploadProblem(f"{filename} has no rows under its header: fill in the users and try again.")
    return CheckedUpload(filename, content, profile, table, report, region)


def annotated_workbook(upload: CheckedUpload) -> bytes:
    """The annotated copy `rosterbook validate` writes (always .xlsx), as bytes."""
    out = io.BytesIO()
    write_annotated(upload.table, upload.report, out)
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
        profile_from=report.profile_from, notes=list(report.notes), on_existing=file_on_existing(upload))


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
