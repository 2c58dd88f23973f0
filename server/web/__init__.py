"""The web pages for admins: sign-in, the batches dashboard, a batch's rows, and the upload checker.

init_app(app) registers the blueprints (auth, pages, upload), CSRF protection on every form,
the security headers on every response and the HTML error pages.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Flask

from . import auth, errors, pages, security, upload

# Only the CSS: the pages run no script at all.
assets = Blueprint("web", __name__, static_folder="static", static_url_path="/web-static")

SIGNED_IN_FOR = dt.timedelta(hours=12)

# Once, at import: a blueprint takes no new handlers after its first registration, and a process
# may create several apps (tests, commands).
for _blueprint in (auth.bp, pages.bp, upload.bp):
    errors.register(_blueprint)


def init_app(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=app.config.get("WEB_SIGNED_IN_FOR", SIGNED_IN_FOR),
        # A form's token lives as long as the sign-in: a checked file left open over lunch still imports.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    security.init_app(app)
    app.register_blueprint(assets)
    for blueprint in (auth.bp, pages.bp, upload.bp):
        app.register_blueprint(blueprint)
