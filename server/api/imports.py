"""POST and GET /api/v1/imports, and each batch's vendor export."""
from __future__ import annotations

from contextlib import nullcontext

from flask import Response, current_app, g, request
from sqlalchemy import func, select

from addin.files.export import XLSX_TYPE, ZIP_TYPE
from addin.profiles import all_profiles
from addin.rules.collector import collector_paused

from ..after_response import release_after_response
from ..auth import key_scope
from ..db import get_db
from ..errors import ApiError
from ..exports import ExportRefused, batch_export
from ..imports import BatchInvalid, IdempotencyConflict, batch_files, stored_rows, submit_batch
from ..models import Batch, aware
from ..passwords import erase, keeper, scrub
from ..withdrawals import withdraw_batch
from ..schemas import BatchDetail, BatchPage, BatchResult, BatchSummary, ErrorBody, ImportRequest, PageQuery
from . import bp
from .spec import json_body, json_response, operation, query_args

BIG_BODY_BYTES = 256 * 1024  # about 1,000 rows
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every store
IDEMPOTENCY_KEY = "Idempotency-Key"
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"}
NOT_FOUND = (404, ("No batch with this id", ErrorBody))
BATCH_ID = {"batch_id": {"type": "integer", "minimum": 1}}


@operation(bp, "POST", "/imports", "Validate and import one batch of rows", {
    201: ("The batch was processed: a result for every row", BatchResult),
    400: ("Malformed JSON, bad encoding or a missing Idempotency-Key", ErrorBody),
    409: ("The Idempotency-Key was used with this token for a different request", ErrorBody),
    413: ("The body is larger than the server accepts", ErrorBody),
    415: ("The body is not JSON", ErrorBody),
    422: ("The body is JSON but not a batch the profile accepts", ErrorBody),
    503: ("The database is busy or unreachable, or other requests kept changing the same users; nothing stored",
          ErrorBody),
}, body=ImportRequest, headers={IDEMPOTENCY_KEY: (True, KEY_SCHEMA, "A unique key per batch (a UUID): a retry with "
                                                  "the same key and body returns the first answer. Keys belong "
                                                  "to the token: another token's keys are its own")})
def create_import():
    key = _idempotency_key()
    # A big batch is hundreds of thousands of objects without cycles: no collector passes over them
    big = (request.content_length or 0) >= BIG_BODY_BYTES
    with collector_paused() if big else nullcontext():
        body = json_body(ImportRequest, {"max_batch_rows": current_app.config["MAX_BATCH_ROWS"]})
        source = body.source.model_dump(exclude_none=True) if body.source else None
        try:
            result = submit_batch(get_db(), body.profile, body.rows, idempotency_key=key, submitted_by=g.api_user,
                                  key_scope=key_scope(g.api_user), source=source, settings=body.settings,
                                  passwords=keeper(), on_existing=body.on_existing)
        except BatchInvalid as exc:
            raise ApiError(422, "invalid_batch", exc.message, exc.details) from None
        except IdempotencyConflict as exc:
            raise ApiError(409, "idempotency_conflict", str(exc)) from None
        response = json_response(result, 201)
        release_after_response(body, result)
        return response


def _idempotency_key() -> str:
    key = request.headers.get(IDEMPOTENCY_KEY, "")
    if not key:
        raise ApiError(400, "missing_idempotency_key",
                       f"The {IDEMPOTENCY_KEY} header is required: send a new unique value (a UUID) with each batch, "
                       "and the same value when you retry it, so a batch is never imported twice.")
    if len(key) > 255 or not all(0x21 <= ord(c) <= 0x7E for c in key):
        raise ApiError(400, "invalid_idempotency_key",
                       f"The {IDEMPOTENCY_KEY} header must be 1 to 255 visible ASCII characters (a UUID is ideal).")
    return key


@operation(bp, "GET", "/imports", "List import batches, newest first", {
    200: ("One page of batches", BatchPage),
    400: ("Invalid paging parameters", ErrorBody),
}, query=PageQuery)
def list_imports():
    query = query_args(PageQuery)
    db = get_db()
    where = [Batch.profile == query.profile] if query.profile else []
    total = db.scalar(select(func.count(Batch.id)).where(*where))
    batches = db.scalars(select(Batch).where(*where).order_by(Batch.id.desc())
                         .offset((query.page - 1) * query.per_page).limit(query.per_page))
    page = BatchPage(items=[summary(b) for b in batches], page=query.page, per_page=query.per_page, total=total)
    return page.model_dump(mode="json")


def summary(batch: Batch) -> BatchSummary:
    return BatchSummary(batch_id=batch.id, profile=batch.profile, submitted_by=batch.submitted_by,
                        created_at=aware(batch.created_at), accepted=batch.accepted, rejected=batch.rejected,
                        duplicates=batch.duplicates, conflicts=batch.conflicts, withdrawn=batch.withdrawn,
                        withdrawn_at=aware(batch.withdrawn_at), withdrawn_by=batch.withdrawn_by,
                        source=batch.source or {}, passwords_until=aware(batch.passwords_until),
                        passwords_erased_at=aware(batch.passwords_erased_at), export_files=batch_files(batch))


@operation(bp, "GET", "/imports/<int:batch_id>", "One batch with the result of every row", {
    200: ("The batch", BatchDetail), 404: NOT_FOUND[1],
}, path_params=BATCH_ID)
def get_import(batch_id: int):
    db = get_db()
    batch = _batch_or_404(batch_id)
    detail = BatchDetail(**summary(batch).model_dump(), rows=stored_rows(db, batch.id))
    return json_response(detail)


@operation(bp, "DELETE", "/imports/<int:batch_id>", "Withdraw the batch: the users it holds are taken back", {
    200: ("The batch, withdrawn. Its rows stay, marked withdrawn, and leave its export; their users can be imported "
          "again, except those a later import replaced (they keep that version); its passwords are erased",
          BatchSummary),
    404: NOT_FOUND[1],
}, path_params=BATCH_ID)
def withdraw_import(batch_id: int):
    batch = _batch_or_404(batch_id)
    db = get_db()
    withdraw_batch(db, batch.id, g.api_user)
    db.refresh(batch)
    return json_response(summary(batch))


@operation(bp, "GET", "/imports/<int:batch_id>/export", "The upload file the target system accepts", {
    200: ("The accepted rows in the vendor's file format (CSV, or XLSX for iPass names with international "
          "characters), with their passwords while the batch's passwords are kept; a ZIP of such files when there "
          "are more rows than the vendor takes per file ("
          + ", ".join(f"{p.title}: {p.max_rows}" for p in all_profiles().values() if p.max_rows) + ").",
          {"text/csv": {"type": "string"}, XLSX_TYPE: {"type": "string", "format": "binary"},
           ZIP_TYPE: {"type": "string", "format": "binary"}}),
    404: NOT_FOUND[1],
    409: ("The format needs a password on every line and this batch's passwords are no longer kept", ErrorBody),
}, path_params=BATCH_ID)
def export_import(batch_id: int):
    batch = _batch_or_404(batch_id)
    try:
        exported = batch_export(get_db(), batch, keeper())
    except ExportRefused as exc:
        raise ApiError(409, "passwords_not_kept", exc.message) from None
    return export_response(exported)


def export_response(exported) -> Response:
    return Response(exported.content, mimetype=exported.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{exported.filename}"'})


@operation(bp, "DELETE", "/imports/<int:batch_id>/passwords", "Erase the batch's passwords now", {
    200: ("The batch, its passwords erased (or none were held)", BatchSummary), 404: NOT_FOUND[1],
}, path_params=BATCH_ID)
def erase_passwords(batch_id: int):
    batch = _batch_or_404(batch_id)
    db = get_db()
    if erase(db, batch_id=batch.id):
        scrub(db.get_bind())
    db.refresh(batch)
    return json_response(summary(batch))


def _batch_or_404(batch_id: int) -> Batch:
    batch = get_db().get(Batch, batch_id) if 1 <= batch_id <= MAX_ID else None
    if batch is None:
        raise ApiError(404, "not_found", f"There is no batch {batch_id}: see GET /api/v1/imports for the list.")
    return batch
