"""The upload page's work, apart from HTTP: check a filled file's bytes, annotate it, and turn its
valid rows into a batch for the import service.

Everything is done again from the file's bytes at each step (check, download, import), so the
server keeps no copy of an upload between requests: a file holding passwords is never written
anywhere but a temporary folder that is gone when the request ends.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.files.checked_copy import annotated_path, write_annotated
from pydantic import ValidationError

from addin.files.offline import FormatNotRecognised, check_table
from addin.files.readers import SPREADSHEET_SUFFIXES, Table, UnreadableFile, read_csv_bytes, read_workbook
from addin.profiles import UnknownProfile, all_profiles
from addin.rules.columns import ProfileSettings
from addin.rules.columns import Profile
from addin.rules.engine import Report, RowResult
from addin.rules.findings import Level
from addin.rules.import_request import import_request
from addin.rules.settings import ON_EXISTING_KEY, PROFILE_KEY, on_existing, profile_settings

CSV_SUFFIXES = (".csv", ".txt")
ACCEPTED_SUFFIXES = (*SPREADSHEET_SUFFIXES, *CSV_SUFFIXES)
KEY_PREFIX = "web-"
KEY_SCOPE = "pages"  # one for all admins: a file imported by one is not imported again by another


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
    def file_errors(self) -> list[str]:
        return [f.message for f in self.report.file_findings if f.level is Level.ERROR]

    @property
    def annotated_name(self) -> str:
        return annotated_path(Path(self.filename)).name


def clean_filename(name: str | None) -> str:
    """The name as the admin knows it (no folders), shown and stored as the batch's workbook."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:255] or "upload.csv"


def read_upload(content: bytes, filename: str) -> Table:
    suffix = Path(filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return read_workbook(io.BytesIO(content), filename)
    if suffix in CSV_SUFFIXES:
        return read_csv_bytes(content, filename)
    raise UploadProblem(f"{filename}: choose an Excel workbook (.xlsx or .xlsm) or a CSV file (.csv); "
                        f"'{suffix or 'no extension'}' files cannot be checked.")


def check_upload(content: bytes, filename: str, profile_id: str | None, region: str | None = None) -> CheckedUpload:
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
        table = read_upload(content, filename)
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
    suffix = Path(upload.filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        with tempfile.TemporaryDirectory(prefix="rosterbook-upload-") as folder:
            source = Path(folder) / f"upload{suffix}"
            source.write_bytes(upload.content)
            write_annotated(source, upload.table, upload.report, out)
    else:
        write_annotated(None, upload.table, upload.report, out)
    return out.getvalue()


def batch_request(upload: CheckedUpload, on_existing: str) -> dict[str, Any]:
    """The file's rows as the import service takes them (as the workbook's Submit sends them): the
    valid ones to import, and those with errors refused with them, so the batch records them."""
    conf = {k: v for k, v in upload.table.settings.items() if k != ON_EXISTING_KEY}  # the page's choice instead
    body = import_request(upload.report, upload.report.rows, workbook=upload.filename, conf=conf)
    refused = {r.row: [{"column": f.column, "message": f.message} for f in r.findings if f.level is Level.ERROR]
               for r in upload.report.rows if not r.ok}
    return {"profile_id": body["profile"], "records": body["rows"], "source": body["source"],
            "settings": {**profile_settings(upload.profile, upload.table.settings),
                         **({"phone_region": upload.region} if upload.region else {})},
            "on_existing": on_existing, "refused": refused}


def file_on_existing(upload: CheckedUpload) -> str:
    """What the file's template asks for users stored with other values (skip unless it says replace)."""
    try:
        return on_existing(upload.table.settings) or "skip"
    except ValueError:
        return "skip"


def upload_key(secret: str, profile_id: str, content: bytes) -> str:
    """The Idempotency-Key of a file's import: the same file in the same format always gets the same
    key, so a double click or a second upload imports nothing twice. Keyed with the server's secret,
    so the stored key reveals nothing about the file (passwords included)."""
    message = profile_id.encode("utf-8") + b"\n" + hashlib.sha256(content).digest()
    return KEY_PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
