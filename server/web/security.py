"""CSRF protection on every form and the security headers on every response, in one place.

The JSON blueprints that authenticate with a bearer token (the API and the workbook's xlwings
endpoints) are outside CSRF: a browser never adds that header by itself, so a forged
cross-site request carries no credential. Everything else that changes state needs the form's
token.
"""
from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

TOKEN_BLUEPRINTS = frozenset({"api", "xlwings"})

# No script may run, nothing may frame the pages, forms post only back here.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: Flask-WTF checks the referrer of forms posted over HTTPS
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def init_app(app: Flask) -> None:
    # Flask-WTF's own hook would check every blueprint; ours leaves out the bearer-token ones.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    @app.before_request
    def _check_csrf() -> None:
        if request.blueprint in TOKEN_BLUEPRINTS or not app.config.get("WTF_CSRF_ENABLED", True):
            return
        csrf.protect(apply_exemptions=True)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not (request.endpoint or "").endswith(".static"):
            # Pages and files hold people's data (a checked upload even its passwords): no copy in
            # any cache. Replaces send_file's "no-cache", which still lets the browser keep a copy.
            response.headers["Cache-Control"] = "no-store"
        return response
