"""POST /xlwings/validate, /xlwings/submit, /xlwings/clear: the template's buttons in server mode.

The workbook's macro calls RunRemotePython (xlwings' Remote.bas), which posts every sheet's
values; xlwings builds a Book from that JSON, the same addin.macros functions as in local mode
run on it, and the answer is the list of actions Remote.bas applies to the workbook. Every
problem is answered with an alert action (HTTP 200), so the admin reads a sentence, never a
traceback. Submit stores through the import service in-process, not over HTTP to itself.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import RequestEntityTooLarge

from addin import macros
from addin.sheet.submission import ImportFailed, idempotency_key

from .auth import bearer_token, key_scope, owner_of
from .db import get_db
from .errors import validation_details
from .imports import BatchInvalid, IdempotencyConflict, submit_batch
from .passwords import keeper
from .schemas import ImportRequest

log = logging.getLogger(__name__)
bp = Blueprint("xlwings", __name__, url_prefix="/xlwings")

LICENSE_VARIABLE = "XLWINGS_LICENSE_KEY"
# xlwings' remote engine keeps one "active book" for the whole process (its alerts go there), so
# one workbook request is handled at a time.
_ENGINE_LOCK = threading.Lock()

NO_LICENSE = (
    "The rosterbook server cannot open workbooks yet: the xlwings code that reads them needs a licence key. "
    f"Whoever runs the server sets the environment variable {LICENSE_VARIABLE} — to 'noncommercial' for "
    "non-commercial use, or to a paid xlwings licence key for commercial use — and restarts 'rosterbook serve'. "
    "Until then, set rosterbook.mode to 'local' on the workbook's xlwings.conf sheet to run the checks on this computer.")
BAD_TOKEN = (
    "The import server did not accept your token. Check the ROSTERBOOK_TOKEN you set (environment variable "
    "or your own xlwings.conf file) against the token you were given, and ask whoever runs the server for a "
    "new one if it was revoked ('rosterbook token create NAME').")
NOT_A_WORKBOOK = (
    "The server received something that is not a workbook sent by a rosterbook template's buttons. "
    "Press the button again; if this keeps happening, download a fresh template from this server.")
TOO_LARGE = (
    "The workbook is larger than the server accepts in one request. Delete empty rows and columns below and "
    "right of your data, move part of the rows to another workbook, or ask whoever runs the server to raise "
    "ROSTERBOOK_MAX_CONTENT_LENGTH.")
UNREADABLE_JSON = (
    "The server could not read what Excel sent. A cell probably holds a 16-digit or longer number typed as "
    "text starting with 0 (Excel's web module sends such text without quotes). Put a letter or a space in "
    "front of it, or check that column, then try again.")
FAILED = ("rosterbook hit an unexpected problem and changed nothing in your workbook. Try again; if it happens "
          "again, tell whoever runs the server (its log has the details).")


def alert_answer(prompt: str, title: str = "rosterbook") -> dict[str, Any]:
    """An answer with a single alert action, in the shape xlwings' own actions have."""
    return {"actions": [{"func": "alert", "args": [prompt, title, "ok", "critical", ""], "values": None,
                         "sheet_position": None, "start_row": None, "start_column": None,
                         "row_count": None, "column_count": None}]}


def remote_engine_ready() -> bool:
    import xlwings

    return any(engine.name == "remote" for engine in xlwings.engines)


class InProcessSender:
    """Server-mode Submit: the import service, called directly with the caller's token."""

    def __init__(self, owner: str, token: str):
        self.owner, self.token = owner, token

    def __call__(self, body: dict[str, Any]) -> Mapping[str, Any]:
        try:
            batch = ImportRequest.model_validate(body, context={"max_batch_rows": current_app.config["MAX_BATCH_ROWS"]})
        except ValidationError as exc:
            problems = "; ".join(message for _, message in validation_details(exc)[:5])
            raise ImportFailed(f"The import server cannot take these rows: {problems}") from None
        source = batch.source.model_dump(exclude_none=True) if batch.source else None
        try:
            result = submit_batch(get_db(), batch.profile, batch.rows, idempotency_key=idempotency_key(self.token, body),
                                  submitted_by=self.owner, key_scope=key_scope(self.owner), source=source,
                                  settings=batch.settings, passwords=keeper(), on_existing=batch.on_existing)
        except BatchInvalid as exc:
            raise ImportFailed(exc.message) from None
        except IdempotencyConflict as exc:
            raise ImportFailed(str(exc)) from None
        except OperationalError as exc:
            log.error("database unavailable or busy during an in-sheet submit: %s", type(exc.orig).__name__)
            raise ImportFailed("The server's database is busy or unreachable; nothing was stored. "
                               "Press Submit again in a moment.") from None
        return result.model_dump(mode="json")


def _run(title: str, macro: Callable[..., Any], **kwargs: Any):
    if not remote_engine_ready():
        return jsonify(alert_answer(NO_LICENSE, title))
    try:
        payload = request.get_json(force=True, silent=True)
    except RequestEntityTooLarge:
        return jsonify(alert_answer(TOO_LARGE, title))
    except RecursionError:  # lists nested a thousand levels deep: nothing Excel sends
        return jsonify(alert_answer(NOT_A_WORKBOOK, title))
    if payload is None:
        return jsonify(alert_answer(UNREADABLE_JSON, title))
    if not isinstance(payload, dict) or not isinstance(payload.get("sheets"), list) or "book" not in payload:
        return jsonify(alert_answer(NOT_A_WORKBOOK, title))
    import xlwings
    from xlwings.pro import _xlremote

    with _ENGINE_LOCK:
        try:
            book = xlwings.Book(json=payload)
        except xlwings.XlwingsError as exc:
            return jsonify(alert_answer(
                f"{exc} Download a fresh template from this server: its macros match the server's xlwings.", title))
        except Exception:
            log.warning("unreadable xlwings payload on %s", request.path, exc_info=True)
            return jsonify(alert_answer(NOT_A_WORKBOOK, title))
        try:
            macro(book, **kwargs)
            answer = book.json()
        except Exception:
            log.exception("in-sheet %s failed", request.path)
            return jsonify(alert_answer(FAILED, title))
        finally:
            book.close()  # the engine keeps every book it opened; a server must let them go
            _xlremote.get_range_api.cache_clear()  # and caches every sheet it read
    return jsonify(answer)


def _caller() -> tuple[str, str] | None:
    token = bearer_token(request.headers.get("Authorization"))
    owner = owner_of(get_db(), token) if token else None
    return (owner, token) if owner else None


@bp.post("/validate")
def validate():
    if _caller() is None:
        return jsonify(alert_answer(BAD_TOKEN, "rosterbook: Validate"))
    return _run("rosterbook: Validate", macros.validate)


@bp.post("/submit")
def submit():
    caller = _caller()
    if caller is None:
        return jsonify(alert_answer(BAD_TOKEN, "rosterbook: Submit"))
    return _run("rosterbook: Submit", macros.submit, send=InProcessSender(*caller))


@bp.post("/clear")
def clear():
    if _caller() is None:
        return jsonify(alert_answer(BAD_TOKEN, "rosterbook: Clear marks"))
    return _run("rosterbook: Clear marks", macros.clear_marks)

