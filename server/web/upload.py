"""The upload page: check a filled .xlsx/.xlsm/.csv without macros, download the annotated copy, and
import the valid rows through the same import service as the API."""
from __future__ import annotations

import base64
import binascii
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from addin.files.export import XLSX_TYPE
from addin.profiles import all_profiles
from addin.rules.engine import RowResult
from addin.rules.findings import Level

from ..db import get_db
from ..imports import BatchInvalid, IdempotencyConflict, submit_batch
from ..limits import too_many_rows
from ..models import Batch
from ..passwords import keeper
from .auth import current_admin, require_admin
from .upload_check import (ACCEPTED_SUFFIXES, KEY_SCOPE, CheckedUpload, UploadProblem, annotated_workbook,
                           batch_request, check_upload, clean_filename, file_on_existing, upload_key)

bp = Blueprint("upload", __name__, url_prefix="/upload")
bp.before_request(require_admin)

FORM_OVERHEAD = 64 * 1024  # the result page's form sends the file back base64-encoded, plus a few fields
ROWS_SHOWN = 500


def max_file_bytes() -> int:
    return max(1024, (current_app.config["MAX_CONTENT_LENGTH"] - FORM_OVERHEAD) * 3 // 4)


def _form(error: str | None = None, profile: str | None = None, status: int = 200):
    return render_template("upload.html", error=error, profiles=all_profiles(), profile=profile,
                           region=request.form.get("region", ""), suffixes=", ".join(ACCEPTED_SUFFIXES), max_mb=max_file_bytes() / 1024 / 1024), status


@bp.route("", methods=["GET"])
def form():
    return _form()


@bp.route("", methods=["POST"])
def check():
    profile = request.form.get("profile") or None
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return _form("Choose a file first: the filled template, or a CSV you exported.", profile, 400)
    filename = clean_filename(sent.filename)
    content = sent.read(max_file_bytes() + 1)
    if len(content) > max_file_bytes():
        return _form(f"{filename} is larger than {max_file_bytes() / 1024 / 1024:.1f} MB, the most this page "
                     "takes: split it into smaller files.", profile, 413)
    try:
        upload = check_upload(content, filename, profile, request.form.get("region"))
    except UploadProblem as exc:
        return _form(str(exc), profile, 400)
    return _result(upload)


def _result(upload: CheckedUpload):
    report = upload.report
    with_findings = [r for r in report.rows if r.findings]
    return render_template("upload_result.html", upload=upload, rows=with_findings[:ROWS_SHOWN],
                           hidden_rows=max(0, len(with_findings) - ROWS_SHOWN), kind=row_kind,
                           on_existing=on_existing_choice(upload), too_big=batch_limit_problem(upload),
                           fixed=report.total(Level.FIXED), warnings=report.total(Level.WARNING),
                           content=base64.b64encode(upload.content).decode("ascii"))


def batch_limit_problem(upload: CheckedUpload) -> str | None:
    """The server's batch limit counts every row of the file (rejected rows are recorded too)."""
    problem = too_many_rows(len(upload.report.rows), current_app.config["MAX_BATCH_ROWS"])
    return f"{upload.filename} has {problem}." if problem else None


def on_existing_choice(upload: CheckedUpload) -> str:
    """The page's choice for users stored with other values: as sent, else as the file's template says."""
    chosen = request.form.get("on_existing")
    return chosen if chosen in ("skip", "replace") else file_on_existing(upload)


def row_kind(row: RowResult) -> str:
    """The row's worst finding, for its badge: error, fixed or warning."""
    for level in (Level.ERROR, Level.FIXED, Level.WARNING):
        if row.count(level):
            return str(level)
    return "ok"


def _resent() -> CheckedUpload:
    """The file the result page sends back, checked again from its bytes."""
    try:
        content = base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400, "The form arrived damaged. Upload the file again.")
    try:
        return check_upload(content, clean_filename(request.form.get("filename")), request.form.get("profile"),
                            request.form.get("region"))
    except UploadProblem as exc:
        abort(400, str(exc))


@bp.route("/checked", methods=["POST"])
def annotated():
    upload = _resent()
    return send_file(io.BytesIO(annotated_workbook(upload)), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name=upload.annotated_name)


@bp.route("/import", methods=["POST"])
def import_rows():
    upload = _resent()
    if upload.file_errors:
        return _refused(upload, "Nothing was imported: the file as a whole has a problem to fix first. "
                        + " ".join(upload.file_errors))
    if not upload.valid_rows:
        return _refused(upload, "Nothing was imported: no row is free of errors. Fix the red cells in the "
                                "checked workbook and upload it again.")
    if (too_big := batch_limit_problem(upload)) is not None:
        return _refused(upload, too_big)
    db = get_db()
    choice = on_existing_choice(upload)
    # the same file sent again to replace what it changed is a new import, not a double click
    context = upload.key_context if choice == "skip" else f"{upload.key_context}:{choice}"
    key = upload_key(current_app.config["SECRET_KEY"], context, upload.content)
    same_file = select(Batch).where(Batch.idempotency_scope == KEY_SCOPE, Batch.idempotency_key == key)
    earlier = db.scalar(same_file)
    if earlier is None:
        try:
            result = submit_batch(db, idempotency_key=key, key_scope=KEY_SCOPE, submitted_by=current_admin().username,
                                  passwords=keeper(), **batch_request(upload, choice))
        except BatchInvalid as exc:
            return _refused(upload, exc.message)
        except IdempotencyConflict:  # the same file, sent at the same moment by someone else
            earlier = db.scalar(same_file)
        else:
            flash(f"{upload.filename}: {len(upload.valid_rows)} valid row{'s' if len(upload.valid_rows) != 1 else ''} "
                  f"sent as batch {result.batch_id}: {result.accepted} imported, {result.duplicates} "
                  f"duplicate{'s' if result.duplicates != 1 else ''} (imported before, not again), "
                  f"{result.rejected} rejected"
                  + (f", {result.conflicts} conflict{'s' if result.conflicts != 1 else ''} (imported before with "
                     "other values, not imported: see below)" if result.conflicts else "") + ".", "success")
            return redirect(url_for("pages.batch", batch_id=result.batch_id))
    if earlier is None:
        abort(409, "This file is being imported right now by someone else. Open the list of batches in a moment.")
    flash(f"{upload.filename} was already imported as batch {earlier.id} by {earlier.submitted_by}; "
          "nothing was imported again. Its rows are below.", "info")
    return redirect(url_for("pages.batch", batch_id=earlier.id))


def _refused(upload: CheckedUpload, message: str):
    flash(message, "error")
    return _result(upload), 422
