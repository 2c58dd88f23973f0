"""The upload page: check a filled .xlsx/.xlsm/.csv without macros, download the annotated copy, and
import the valid rows through the same import service as the API.

The check makes everything the next steps need and keeps it, encrypted, under a random id for
UPLOAD_MINUTES (server/upload_store.py); the result page carries only that id and the key, so
its size does not depend on the file's.
"""
from __future__ import annotations

import dataclasses
import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from addin.files.column_mapping import mapping_problem
from addin.files.export import XLSX_TYPE
from addin.profiles import all_profiles
from addin.rules.collector import collector_paused
from addin.rules.settings import ON_EXISTING

from ..db import get_db
from ..imports import BatchInvalid, IdempotencyConflict, submit_batch
from ..limits import too_many_rows
from ..models import Batch
from ..passwords import keeper
from ..upload_store import UploadGone, fetch, forget, keep
from .auth import current_admin, require_admin
from .upload_check import (ACCEPTED_SUFFIXES, KEY_SCOPE, CheckedUpload, MappingStep, PageSummary, UploadProblem,
                           annotated_workbook, batch_request, check_upload, clean_filename, page_summary,
                           request_as_json, request_from_json, upload_key)
from .upload_options import OptionProblem, UploadOptions

bp = Blueprint("upload", __name__, url_prefix="/upload")
bp.before_request(require_admin)

FORM_OVERHEAD = 16 * 1024  # the multipart form's other fields and boundaries


def max_file_bytes() -> int:
    return max(1024, current_app.config["MAX_CONTENT_LENGTH"] - FORM_OVERHEAD)


ENCODINGS = (("utf-8", "UTF-8"), ("utf-16", "UTF-16 (Excel's Unicode Text)"),
             ("windows-1252", "Windows-1252 (Western European)"), ("windows-1250", "Windows-1250 (Central European)"),
             ("windows-1257", "Windows-1257 (Baltic)"), ("windows-1254", "Windows-1254 (Turkish)"),
             ("windows-1253", "Windows-1253 (Greek)"), ("windows-1251", "Windows-1251 (Cyrillic)"))


def _form(error: str | None = None, profile: str | None = None, status: int = 200):
    form = request.form
    return render_template("upload.html", error=error, profiles=all_profiles(), profile=profile,
                           region=form.get("region", ""), sheet=form.get("sheet", ""),
                           header_row=form.get("header_row", ""), encoding=form.get("encoding", ""),
                           skip_hidden=form.get("skip_hidden") in ("1", "on"), encodings=ENCODINGS,
                           suffixes=", ".join(ACCEPTED_SUFFIXES), max_mb=max_file_bytes() / 1024 / 1024,
                           minutes=current_app.config["UPLOAD_MINUTES"]), status


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
        options = UploadOptions.from_form(request.form)
    except OptionProblem as exc:
        return _form(str(exc), profile, 400)
    with collector_paused():  # a checked file's objects hold no cycles: the server's heap need not be scanned
        try:
            checked = check_upload(content, filename, options, current_app.config["READ_LIMITS"], offer_mapping=True)
        except UploadProblem as exc:
            return _form(str(exc), profile, 400)
        if isinstance(checked, MappingStep):
            parts = {"file": content, "filename": filename.encode("utf-8"), "options": options.to_json()}
            upload_id, key = keep(get_db(), current_admin().username, parts, current_app.config["UPLOAD_MINUTES"])
            return _mapping(checked, upload_id, key)
        return _keep_result(checked)


def _keep_result(upload: CheckedUpload):
    """Keep what the result's next steps need (sealed) and show the result."""
    summary = page_summary(upload)
    parts = {"file": upload.content, "filename": upload.filename.encode("utf-8"),
             "options": upload.options.to_json(), "copy": annotated_workbook(upload), "summary": summary.to_json(),
             "request": request_as_json(batch_request(upload))}
    upload_id, key = keep(get_db(), current_admin().username, parts, current_app.config["UPLOAD_MINUTES"])
    return _result(summary, upload_id, key)


def _mapping(step: MappingStep, upload_id: str, key: str, error: str | None = None,
             chosen: dict[int, str | None] | None = None, status: int = 200):
    return render_template("upload_columns.html", step=step, upload_id=upload_id, key=key, error=error,
                           chosen=chosen or {c.index: c.proposed for c in step.choices}), status


@bp.route("/columns", methods=["POST"])
def columns():
    """The mapping step's answer: check the kept file reading its columns as chosen."""
    parts, upload_id, key = _kept("file", "filename", "options")
    filename = parts["filename"].decode("utf-8")
    options = UploadOptions.from_json(parts["options"])
    limits = current_app.config["READ_LIMITS"]
    with collector_paused():
        try:
            step = check_upload(parts["file"], filename, options, limits, offer_mapping=True)
        except UploadProblem as exc:  # the same file and choices read a moment ago: not expected
            return _form(str(exc), options.profile, 400)
        if not isinstance(step, MappingStep):
            abort(400, "The form arrived damaged. Upload the file again.")
        mapping = {c.index: request.form.get(f"column-{c.index}") or None for c in step.choices}
        problem = mapping_problem(step.profile, mapping)
        if problem is not None:
            return _mapping(step, upload_id, key, problem, mapping, 422)
        try:
            checked = check_upload(parts["file"], filename, options.with_mapping(mapping), limits)
        except UploadProblem as exc:
            return _mapping(step, upload_id, key, str(exc), mapping, 422)
        forget(get_db(), upload_id, current_admin().username)
        return _keep_result(checked)


@bp.route("/columns/again", methods=["POST"])
def columns_again():
    """From a result read through a mapping: the mapping step again, starting from that mapping."""
    parts, upload_id, key = _kept("file", "filename", "options")
    options = UploadOptions.from_json(parts["options"])
    if options.mapping is None:
        abort(400, "The form arrived damaged. Upload the file again.")
    filename = parts["filename"].decode("utf-8")
    unmapped = dataclasses.replace(options, mapping=None)
    with collector_paused():
        try:
            step = check_upload(parts["file"], filename, unmapped, current_app.config["READ_LIMITS"],
                                offer_mapping=True)
        except UploadProblem as exc:
            return _form(str(exc), options.profile, 400)
    if not isinstance(step, MappingStep):
        abort(400, "The form arrived damaged. Upload the file again.")
    parts = {"file": parts["file"], "filename": parts["filename"], "options": unmapped.to_json()}
    new_id, new_key = keep(get_db(), current_admin().username, parts, current_app.config["UPLOAD_MINUTES"])
    return _mapping(step, new_id, new_key, chosen=dict(options.mapping))




def _result(summary: PageSummary, upload_id: str, key: str):
    return render_template("upload_result.html", upload=summary, upload_id=upload_id, key=key,
                           on_existing=on_existing_choice(summary), too_big=batch_limit_problem(summary))


def batch_limit_problem(summary: PageSummary) -> str | None:
    """The server's batch limit counts every row of the file (rejected rows are recorded too)."""
    problem = too_many_rows(summary.rows, current_app.config["MAX_BATCH_ROWS"])
    return f"{summary.filename} has {problem}." if problem else None


def on_existing_choice(summary: PageSummary) -> str:
    """The page's choice for users stored with other values: as sent, else as the file's template says."""
    chosen = request.form.get("on_existing")
    return chosen if chosen in ON_EXISTING else summary.on_existing


def _kept(*names: str) -> tuple[dict[str, bytes], str, str]:
    """The parts the check kept for this page, from the id and key its form sends back."""
    upload_id, key = request.form.get("upload", ""), request.form.get("key", "")
    if not upload_id or not key:
        abort(400, "The form arrived damaged. Upload the file again.")
    try:
        parts = fetch(get_db(), upload_id, key, current_admin().username, current_app.config["UPLOAD_MINUTES"])
    except UploadGone:
        abort(410, f"This check is over: the server keeps a checked file for {current_app.config['UPLOAD_MINUTES']} "
                   "minutes, and only for the admin who uploaded it. Upload the file again.")
    if any(name not in parts for name in names):
        abort(400, "The form arrived damaged. Upload the file again.")
    return parts, upload_id, key


@bp.route("/checked", methods=["POST"])
def annotated():
    parts, _, _ = _kept("copy", "summary")
    summary = PageSummary.from_json(parts["summary"])
    return send_file(io.BytesIO(parts["copy"]), mimetype=XLSX_TYPE, as_attachment=True,
                     download_name=summary.annotated_name)


@bp.route("/import", methods=["POST"])
def import_rows():
    parts, upload_id, key = _kept("request", "summary")
    summary = PageSummary.from_json(parts["summary"])
    if summary.file_errors:
        return _refused(summary, upload_id, key, "Nothing was imported: the file as a whole has a problem to fix "
                        "first. " + " ".join(summary.file_errors))
    if not summary.valid:
        return _refused(summary, upload_id, key, "Nothing was imported: no row is free of errors. Fix the red "
                        "cells in the checked workbook and upload it again.")
    if (too_big := batch_limit_problem(summary)) is not None:
        return _refused(summary, upload_id, key, too_big)
    db = get_db()
    choice = on_existing_choice(summary)
    # the same file sent again to replace what it changed is a new import, not a double click
    context = summary.key_context if choice == "skip" else f"{summary.key_context}:{choice}"
    idempotency_key = upload_key(current_app.config["SECRET_KEY"], context, bytes.fromhex(summary.file_hash))
    same_file = select(Batch).where(Batch.idempotency_scope == KEY_SCOPE, Batch.idempotency_key == idempotency_key)
    earlier = db.scalar(same_file)
    if earlier is None:
        try:
            # validated: the check judged these rows a moment ago, and they come back sealed from
            # it, so the import service does not validate them again. The collector is paused as
            # for the check (the request's tiny form does not trigger the API's pause for big bodies)
            with collector_paused():
                result = submit_batch(db, idempotency_key=idempotency_key, key_scope=KEY_SCOPE,
                                      submitted_by=current_admin().username, passwords=keeper(), on_existing=choice,
                                      validated=True, **request_from_json(parts["request"]))
        except BatchInvalid as exc:
            return _refused(summary, upload_id, key, exc.message)
        except IdempotencyConflict:  # the same file, sent at the same moment by someone else
            earlier = db.scalar(same_file)
        else:
            flash(f"{summary.filename}: {summary.valid} valid row{'s' if summary.valid != 1 else ''} "
                  f"sent as batch {result.batch_id}: {result.accepted} imported, {result.duplicates} "
                  f"duplicate{'s' if result.duplicates != 1 else ''} (imported before, not again), "
                  f"{result.rejected} rejected"
                  + (f", {result.conflicts} conflict{'s' if result.conflicts != 1 else ''} (imported before with "
                     "other values, not imported: see below)" if result.conflicts else "") + ".", "success")
            return redirect(url_for("pages.batch", batch_id=result.batch_id))
    if earlier is None:
        abort(409, "This file is being imported right now by someone else. Open the list of batches in a moment.")
    flash(f"{summary.filename} was already imported as batch {earlier.id} by {earlier.submitted_by}; "
          "nothing was imported again. Its rows are below.", "info")
    return redirect(url_for("pages.batch", batch_id=earlier.id))


def _refused(summary: PageSummary, upload_id: str, key: str, message: str):
    flash(message, "error")
    return _result(summary, upload_id, key), 422
