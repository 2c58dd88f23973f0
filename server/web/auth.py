"""Signing in to the web pages with an admin account made by `rosterbook admin create NAME`.

Sessions are kept on the server (server/web/sessions.py): signing out ends one for good. Failed
sign-ins are counted in the database (server/web/throttle.py).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from sqlalchemy import func, select

from ..accounts import verify_admin
from ..db import get_db, writing
from ..models import Admin
from . import sessions
from .sessions import SignedIn
from .throttle import SignInThrottle

bp = Blueprint("auth", __name__)

MAX_USERNAME = 100
MAX_PASSWORD = 1024
_THROTTLE = "rosterbook.signin_throttle"
_SESSION_ID = "sid"


def current_admin() -> SignedIn | None:
    """The admin this request's session belongs to, or None."""
    if "admin" not in g:
        session_id = session.get(_SESSION_ID)
        g.admin = sessions.find(get_db(), session_id) if isinstance(session_id, str) else None
    return g.admin


def require_admin():
    """before_request of every page blueprint: not signed in -> to the sign-in page, and back after."""
    if current_admin() is not None:
        return None
    if request.method == "GET":
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    flash("Your sign-in has ended, so nothing was done: sign in and do it again.", "error")
    return redirect(url_for("auth.sign_in"))


@bp.app_context_processor
def _signed_in() -> dict:
    return {"signed_in": current_admin()}


def throttle() -> SignInThrottle:
    extensions = current_app.extensions
    if _THROTTLE not in extensions:
        config = current_app.config
        extensions[_THROTTLE] = SignInThrottle(config.get("SIGNIN_MAX_FAILURES", 5),
                                               config.get("SIGNIN_MAX_FAILURES_PER_ADDRESS", 20),
                                               config.get("SIGNIN_LOCK_SECONDS", 900))
    return extensions[_THROTTLE]


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an address elsewhere (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_admin() is not None:
            return redirect(target or url_for("pages.dashboard"))
        return _form(target)

    username = request.form.get("username", "")
    password = request.form.get("password", "")
    db = get_db()
    attempt = throttle().attempt(db, request.remote_addr or "unknown", username)
    if attempt.wait:
        wait = attempt.wait
        minutes = (wait + 59) // 60
        message = (f"Too many failed sign-ins from this computer. Wait {minutes} minute{'s' if minutes > 1 else ''} "
                   "and try again; if you forgot the password, ask whoever runs the server to create a new "
                   "account for you with 'rosterbook admin create'.")
        return _form(target, username, message, status=429, headers={"Retry-After": str(wait)})
    admin = None
    if _plausible(username, password):
        admin = verify_admin(db, username, password)
    if admin is None:  # the attempt stays counted as a failure
        return _form(target, username, "The user name or the password is not right. Check both and try again "
                                       "(passwords are case-sensitive).", status=401)
    db.expunge(admin)  # its values are read; the write below starts a transaction of its own
    db.rollback()
    with writing(db):
        throttle().succeeded(db, attempt)
        previous = session.get(_SESSION_ID)
        if isinstance(previous, str):
            sessions.end(db, previous)
        session_id = sessions.start(db, admin, current_app.permanent_session_lifetime)
        db.commit()
    session.clear()
    session.permanent = True
    session[_SESSION_ID] = session_id
    return redirect(target or url_for("pages.dashboard"))


def _plausible(username: str, password: str) -> bool:
    """Input no account can have is refused before any database work (a NUL would even upset PostgreSQL)."""
    name = username.strip()
    return (0 < len(name) <= MAX_USERNAME and 0 < len(password) <= MAX_PASSWORD
            and name.isprintable() and "\x00" not in password)


def _form(target: str | None, username: str = "", error: str | None = None, status: int = 200,
          headers: dict[str, str] | None = None):
    no_admins = get_db().scalar(select(func.count(Admin.id))) == 0
    body = render_template("sign_in.html", next=target, username=username[:MAX_USERNAME], error=error,
                           no_admins=no_admins)
    return body, status, headers or {}


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    session_id = session.get(_SESSION_ID)
    if isinstance(session_id, str):
        db = get_db()
        db.rollback()
        with writing(db):
            sessions.end(db, session_id)
            db.commit()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.sign_in"))
