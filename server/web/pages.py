"""The dashboard of import batches, one batch's rows, and the files to download."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select

from addin.profiles import all_profiles

from .. import ROOT
from ..api.imports import MAX_ID, export_response, summary
from ..db import get_db
from ..exports import ExportRefused, batch_export, describe_duration, erase_if_expired
from ..imports import ACCEPTED, CONFLICT, DUPLICATE, REJECTED, batch_files
from ..models import Batch, BatchRow, aware
from ..passwords import erase, keeper, scrub
from ..versions import ReplaceRefused, histories, import_conflict, user_key
from ..withdrawals import NothingToWithdraw, holding_users, users_taken_back, withdraw_batch, withdraw_row
from .auth import current_admin, require_admin

bp = Blueprint("pages", __name__)
bp.before_request(require_admin)

BATCHES_PER_PAGE = 50
ROWS_PER_PAGE = 500
STATUSES = (ACCEPTED, REJECTED, DUPLICATE, CONFLICT)
XLSM_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.12"


def workbooks_dir() -> Path:
    return Path(current_app.config.get("WORKBOOKS_DIR") or ROOT / "workbooks")


def page_number(name: str = "page") -> int:
    value = request.args.get(name, "1")
    if not (value.isascii() and value.isdigit() and len(value) <= 7):  # "²" is a digit to isdigit, not to int
        return 1
    return max(1, int(value))


def templates() -> list[dict]:
    """Every profile's template, and whether its file is here to download."""
    folder = workbooks_dir()
    return [{"profile": p, "file": f"{p.id}.xlsm", "available": (folder / f"{p.id}.xlsm").is_file()}
            for p in all_profiles().values()]


@bp.route("/")
def dashboard():
    profiles = all_profiles()
    profile = request.args.get("profile") or None
    if profile not in profiles:
        profile = None
    page = page_number()
    db = get_db()
    where = [Batch.profile == profile] if profile else []
    total = db.scalar(select(func.count(Batch.id)).where(*where))
    batches = db.scalars(select(Batch).where(*where).order_by(Batch.id.desc())
                         .offset((page - 1) * BATCHES_PER_PAGE).limit(BATCHES_PER_PAGE))
    return render_template("dashboard.html", batches=[summary(b) for b in batches], total=total, page=page,
                           pages=max(1, -(-total // BATCHES_PER_PAGE)), profile=profile, profiles=profiles,
                           templates=templates())


def batch_or_404(batch_id: int) -> Batch:
    batch = get_db().get(Batch, batch_id) if 1 <= batch_id <= MAX_ID else None
    if batch is None:
        abort(404, f"There is no batch {batch_id}. Pick one from the list of batches.")
    return batch


@bp.route("/batches/<int:batch_id>")
def batch(batch_id: int):
    found = batch_or_404(batch_id)
    erase_if_expired(get_db(), found)
    status = request.args.get("status")
    if status not in STATUSES:
        status = None
    page = page_number()
    where = [BatchRow.batch_id == found.id] + ([BatchRow.status == status] if status else [])
    db = get_db()
    shown = db.scalar(select(func.count(BatchRow.id)).where(*where))
    rows = list(db.scalars(select(BatchRow).where(*where).order_by(BatchRow.position)
                           .offset((page - 1) * ROWS_PER_PAGE).limit(ROWS_PER_PAGE)))
    profile = all_profiles().get(found.profile)
    login_columns = profile.login_key_columns if profile else ()

    def user(row: BatchRow) -> str:
        """Who the row is about: its login key, or for a rejected row the first login column it has."""
        for key in (row.login_column, *login_columns):
            if key and row.values.get(key):
                return row.values[key]
        return ""

    keys = {row.id: user_key(profile, row) for row in rows if row.status != REJECTED} if profile else {}
    known = histories(db, profile, keys.values()) if profile else {}

    def history(row: BatchRow) -> list:
        """The versions of the row's user, when there is more to say than this row."""
        versions = known.get(keys.get(row.id), [])
        return versions if len(versions) > 1 or (versions and versions[0].row_id != row.id) else []

    return render_template("batch.html", batch=summary(found), profile=profile, rows=rows, user=user,
                           history=history, files=batch_files(found), holding=holding_users(db, found.id),
                           kept_for=_kept_for(found),
                           needs_passwords=bool(profile and any(c.secret and c.required for c in profile.columns)),
                           retention=describe_duration(keeper().retention), keeps=keeper().keeps,
                           headers={c.key: c.header for c in profile.columns} if profile else {},
                           status=status, statuses=STATUSES, shown=shown, page=page,
                           pages=max(1, -(-shown // ROWS_PER_PAGE)))


def _kept_for(batch: Batch) -> str | None:
    """How long after its import the batch's passwords are held: the retention when it was
    imported (the server's setting may have changed since)."""
    if batch.passwords_until is None:
        return None
    span = aware(batch.passwords_until) - aware(batch.created_at)
    if span >= dt.timedelta(hours=1):
        # a batch imported before 2026-11-30 counted its retention from the end of its import,
        # a few moments after its created_at
        span = dt.timedelta(minutes=round(span.total_seconds() / 60))
    return describe_duration(span)


@bp.route("/batches/<int:batch_id>/export")
def export(batch_id: int):
    """The very file GET /api/v1/imports/<id>/export serves, for a signed-in admin."""
    found = batch_or_404(batch_id)
    if found.profile not in all_profiles():
        abort(404, f"Batch {batch_id} is in the format {found.profile!r}, which this server no longer knows.")
    try:
        return export_response(batch_export(get_db(), found, keeper()))
    except ExportRefused as exc:
        # An error page, not a redirect: the batch page's link downloads what it gets, and a
        # browser reports a refused download instead of saving a page as the file.
        abort(409, exc.message)


def _batch_with_row_or_404(batch_id: int, row_id: int) -> Batch:
    """The batch, when the row id can be one of a row (the row itself is looked up by the action)."""
    found = batch_or_404(batch_id)
    if not 1 <= row_id <= MAX_ID:
        abort(404, f"Batch {batch_id} has no row {row_id}.")
    return found


@bp.post("/batches/<int:batch_id>/rows/<int:row_id>/replace")
def replace_stored_user(batch_id: int, row_id: int):
    """A conflict row, imported as its user's new version: the admin's per-row choice."""
    found = _batch_with_row_or_404(batch_id, row_id)
    try:
        row = import_conflict(get_db(), found.id, row_id, current_admin().username)
    except ReplaceRefused as exc:
        flash(exc.message, "error")
    else:
        flash(f"Row {row.row_number} is now the stored version of its user; the earlier version stays in the "
              "user's history.", "success")
    return redirect(url_for("pages.batch", batch_id=found.id, _anchor=f"row-{row_id}"), 303)


@bp.post("/batches/<int:batch_id>/withdraw")
def withdraw(batch_id: int):
    found = batch_or_404(batch_id)
    if request.form.get("confirm") != "yes":
        flash("Tick the box to confirm, then press Withdraw: nothing was withdrawn.", "error")
        return redirect(url_for("pages.batch", batch_id=found.id, _anchor="withdraw"), 303)
    count = withdraw_batch(get_db(), found.id, current_admin().username)
    flash(f"Batch {found.id} is withdrawn: {users_taken_back(count)}. Its rows stay here, marked.", "success")
    return redirect(url_for("pages.batch", batch_id=found.id), 303)


@bp.post("/batches/<int:batch_id>/rows/<int:row_id>/withdraw")
def withdraw_user_row(batch_id: int, row_id: int):
    found = _batch_with_row_or_404(batch_id, row_id)
    try:
        row = withdraw_row(get_db(), found.id, row_id, current_admin().username)
    except NothingToWithdraw as exc:
        flash(exc.message, "error")
    else:
        flash(f"Row {row.row_number}'s user is withdrawn: the login can be imported again.", "success")
    return redirect(url_for("pages.batch", batch_id=found.id, _anchor=f"row-{row_id}"), 303)


@bp.post("/batches/<int:batch_id>/passwords/erase")
def erase_passwords(batch_id: int):
    found = batch_or_404(batch_id)
    db = get_db()
    if erase(db, batch_id=found.id):
        scrub(db.get_bind())
        flash(f"The passwords of batch {found.id} are erased.", "success")
    else:
        flash(f"Batch {found.id} holds no passwords: nothing to erase.", "info")
    return redirect(url_for("pages.batch", batch_id=found.id), 303)


@bp.route("/templates/<profile_id>.xlsm")
def template(profile_id: str):
    path = workbooks_dir() / f"{profile_id}.xlsm"
    if profile_id not in all_profiles() or not path.is_file():
        abort(404, f"There is no template named {profile_id}.xlsm here. The list of batches links every template "
                   "this server has; whoever runs the server makes them with 'rosterbook build'.")
    return send_file(path, mimetype=XLSM_TYPE, as_attachment=True, download_name=path.name)


@bp.app_template_filter("when")
def when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@bp.app_context_processor
def _helpers() -> dict:
    def page_url(endpoint: str, page: int, **args) -> str:
        return url_for(endpoint, page=page, **{k: v for k, v in args.items() if v})

    return {"page_url": page_url}
