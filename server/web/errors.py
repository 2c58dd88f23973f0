"""Error pages for people: what went wrong and what to do, never a traceback."""
from __future__ import annotations

import logging

from flask import Blueprint, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: "The request was not understood. Go back, reload the page and try again.",
    404: "There is nothing at this address. Start again from the list of batches.",
    405: "This address cannot be used that way. Start again from the list of batches.",
    413: "The file is larger than the server accepts. Split it into smaller files, or ask whoever runs the "
         "server to raise ROSTERBOOK_MAX_CONTENT_LENGTH.",
    429: "Too many attempts. Wait a few minutes and try again.",
}
CSRF_MESSAGE = ("This form could not be accepted: it was opened before your last sign-in, or it did not come "
                "from this site. Nothing was changed. Go back, reload the page and send the form again.")
BUSY_MESSAGE = "The database is busy or unreachable, so nothing was changed. Wait a moment and try again."
FAILED_MESSAGE = ("Something went wrong on the server and nothing was changed. Try again; if it happens again, "
                  "tell whoever runs the server (its log has the details).")


def error_page(status: int, title: str, message: str, headers: dict[str, str] | None = None):
    return render_template("error.html", status=status, title=title, message=message), status, headers or {}


def register(bp: Blueprint) -> None:
    @bp.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        log.info("refused a form without a valid CSRF token on %s: %s", request.path, exc.description)
        return error_page(400, "Form not accepted", CSRF_MESSAGE)

    @bp.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = exc.code or 500
        message = MESSAGES.get(code, exc.description or exc.name)
        if exc.description and exc.description != type(exc).description:
            message = exc.description  # the page's own words ("there is no batch 12") say more
        return error_page(code, exc.name, message)

    @bp.errorhandler(OperationalError)
    def _busy(exc: OperationalError):
        log.error("database unavailable or busy: %s", type(exc.orig).__name__)
        g.setdefault("admin", None)  # the page's header must not ask the database who is signed in
        return error_page(503, "Database busy", BUSY_MESSAGE, {"Retry-After": "2"})

    @bp.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_page(500, "Something went wrong", FAILED_MESSAGE)
