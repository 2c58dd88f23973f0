"""JSON errors for the API: every bad input gets a 4xx with a message for people, never a traceback."""
from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Flask, Response, jsonify, request
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .schemas import ErrorBody, ErrorDetail
from .versions import ChangedMeanwhile

log = logging.getLogger(__name__)
API_PREFIX = "/api/"

_MESSAGES = {
    400: "The request is not valid.",
    401: "A valid API token is required: send 'Authorization: Bearer <token>' (create one with "
         "'rosterbook token create NAME').",
    404: "Nothing is at this address.",
    405: "This address does not accept this method.",
    413: "The request body is larger than the server accepts: send fewer rows per batch.",
    415: "Send the body as JSON with 'Content-Type: application/json'.",
}


class ApiError(Exception):
    """Raised by the API to answer with a JSON error."""

    def __init__(self, status: int, error: str, message: str,
                 details: Sequence[tuple[str | None, str]] = (), headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.details = [ErrorDetail(location=loc, message=msg) for loc, msg in details]
        self.headers = headers or {}


def json_error(status: int, error: str, message: str, details: list[ErrorDetail] | None = None,
               headers: dict[str, str] | None = None) -> Response:
    body = ErrorBody(error=error, message=message, details=details or [])
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def validation_details(exc: ValidationError) -> list[tuple[str | None, str]]:
    details = []
    for error in exc.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in error["loc"]) or None
        message = error["msg"].removeprefix("Value error, ")
        details.append((location, message))
    return details


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return json_error(exc.status, exc.error, exc.message, exc.details, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if not request.path.startswith(API_PREFIX):
            return exc
        message = _MESSAGES.get(exc.code or 500, exc.description or exc.name)
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        if exc.code == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return json_error(exc.code or 500, exc.name.lower().replace(" ", "_"), message, headers=headers)

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError):
        # No exception text: it could quote SQL; the log line says what happened without row data.
        log.error("database unavailable or busy: %s", type(exc.orig).__name__)
        return json_error(503, "database_unavailable",
                          "The database is busy or unreachable; nothing was stored. Try again in a moment.",
                          headers={"Retry-After": "2"})

    @app.errorhandler(ChangedMeanwhile)
    def _changed_meanwhile(exc: ChangedMeanwhile):
        # every retry of the batch met another request replacing or withdrawing the same users
        log.warning("batch gave up after its retries: other requests kept changing the same users")
        message = ("Other imports are changing the same users right now; nothing was stored. "
                   "Send the rows again in a moment.")
        if not request.path.startswith(API_PREFIX):
            return message, 503, {"Retry-After": "2", "Content-Type": "text/plain; charset=utf-8"}
        return json_error(503, "users_changing", message, headers={"Retry-After": "2"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        # The traceback goes to the server log only; it holds no row values (parameters are hidden).
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_error(500, "internal_error",
                          "Something went wrong on the server; nothing was stored. Try again, and if it "
                          "happens again tell your administrator (the server log has the details).")
