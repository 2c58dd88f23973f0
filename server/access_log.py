"""One log line per request: who asked what and how it went, never a body, a query string or a token.

    127.0.0.1 POST /api/v1/imports 201 4,213 bytes 153 ms by hr-team

"by" names the API token's owner (its name, never the token) or the signed-in admin.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("rosterbook.access")


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_log)


def _started() -> None:
    g.access_started = time.perf_counter()


def _log(response: Response) -> Response:
    if log.isEnabledFor(logging.INFO):
        took = (time.perf_counter() - g.get("access_started", time.perf_counter())) * 1000
        size = response.content_length
        admin = g.get("admin")
        who = g.get("api_user") or (admin.username if admin is not None else None)
        log.info("%s %s %s %d %s %.0f ms%s", request.remote_addr or "-", request.method, request.path,
                 response.status_code, f"{size:,} bytes" if size is not None else "- bytes", took,
                 f" by {who}" if who else "")
    return response
