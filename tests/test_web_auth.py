"""Signing in to the web pages: required everywhere, admin accounts from `rosterbook admin create`,
a session cookie that scripts cannot read, no open redirect, and a limit on password guessing."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from server.db import new_session, session_scope, writing
from server.models import Admin, Batch, SignInFailure
from server.web.throttle import SignInThrottle
from tests.web_client import ADMIN, PASSWORD, WebClient, admin, anonymous, csrf_token, web  # noqa: F401

PAGES = ["/", "/batches/1", "/batches/1/export", "/upload", "/templates/iplum.xlsm", "/?profile=pbx&page=2"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_stranger_to_sign_in_and_back(anonymous, admin, path):
    answer = anonymous.get(path)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/sign-in?next=")
    signed = anonymous.sign_in(next=path)
    assert signed.status_code == 302 and signed.headers["Location"] == path


def test_a_form_posted_without_a_session_changes_nothing(app, anonymous, admin):
    token = csrf_token(anonymous.get("/sign-in").text)  # a valid token, but nobody is signed in
    answer = anonymous.post("/upload/import", data={"csrf_token": token, "content": "", "profile": "iplum"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/sign-in"
    assert "Your sign-in has ended" in anonymous.get("/sign-in").text
    with session_scope(app) as session:
        assert session.scalars(select(Batch)).all() == []


def test_an_account_made_with_the_command_signs_in(app, runner):
    made = runner.invoke(["admin", "create", "bob", "--password-stdin"], stdin="a long enough password\n")
    assert made.exit_code == 0, made.stderr
    client = WebClient(app)
    assert client.sign_in("bob", "a long enough password").status_code == 302
    page = client.get("/")
    assert page.status_code == 200 and "Signed in as <strong>bob</strong>" in page.text


def test_a_wrong_password_is_refused_with_a_message(anonymous, admin):
    answer = anonymous.sign_in(ADMIN, "not the password")
    assert answer.status_code == 401
    assert "The user name or the password is not right" in answer.text
    assert anonymous.get("/").status_code == 302  # still not signed in


@pytest.mark.parametrize("username", ["nobody", "", " ", "a" * 500, "ali\x00ce", "ali\nce"])
def test_impossible_user_names_are_refused_like_wrong_ones(anonymous, admin, username):
    answer = anonymous.sign_in(username, PASSWORD)
    assert answer.status_code == 401
    assert "not right" in answer.text


def test_the_sign_in_page_says_how_to_make_the_first_account(anonymous):
    page = anonymous.get("/sign-in").text
    assert "No admin account exists yet" in page and "rosterbook admin create" in page


def test_the_session_cookie_is_http_only_and_same_site(anonymous, admin):
    answer = anonymous.sign_in()
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert PASSWORD not in cookie


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_to_another_site(anonymous, admin, target):
    answer = anonymous.sign_in(next=target)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_signing_out_ends_the_session(web):
    page = web.get("/").text
    answer = web.press(page, "Sign out")
    assert answer.status_code == 302 and answer.headers["Location"] == "/sign-in"
    assert web.get("/").status_code == 302
    assert "You are signed out" in web.get("/sign-in").text


def test_signing_out_needs_a_form_not_a_link(web):
    assert web.get("/sign-out").status_code == 405
    assert web.get("/").status_code == 200


def test_a_new_password_ends_open_sessions(app, web):
    from werkzeug.security import generate_password_hash

    with session_scope(app) as session:
        session.scalar(select(Admin).where(Admin.username == ADMIN)).password_hash = generate_password_hash("another one!")
    assert web.get("/").status_code == 302


def test_a_deleted_account_ends_open_sessions(app, web):
    with session_scope(app) as session:
        session.delete(session.scalar(select(Admin).where(Admin.username == ADMIN)))
    assert web.get("/").status_code == 302


def test_password_guessing_is_stopped_for_a_while(app, anonymous, admin):
    limit = app.config.get("SIGNIN_MAX_FAILURES", 5)
    for _ in range(limit):
        assert anonymous.sign_in(ADMIN, "guess").status_code == 401
    locked = anonymous.sign_in(ADMIN, PASSWORD)  # even the right password waits now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in locked.text and "Wait 15 minutes" in locked.text
    assert anonymous.get("/").status_code == 302


def test_the_lock_lifts_after_the_window_and_a_success_clears_the_count(store_app):
    now = [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]
    throttle = SignInThrottle(per_user=3, per_address=5, window_seconds=60, clock=lambda: now[0])

    def attempt(address: str, name: str, success: bool = False) -> int:
        session = new_session(store_app)
        try:
            tried = throttle.attempt(session, address, name)
            if success and not tried.wait:
                with writing(session):
                    throttle.succeeded(session, tried)
                    session.commit()
            return tried.wait
        finally:
            session.close()

    for _ in range(3):
        assert attempt("10.0.0.1", "Alice") == 0
    assert attempt("10.0.0.1", "alice ") == 61  # names compare as people type them
    assert attempt("10.0.0.2", "alice") == 0  # another computer is not locked out
    assert attempt("10.0.0.1", "bob") == 0  # nor another name, until the address limit
    assert attempt("10.0.0.1", "carol") == 0
    assert attempt("10.0.0.1", "dave") > 0  # five failures from one address: all names wait
    now[0] += dt.timedelta(seconds=61)
    assert attempt("10.0.0.1", "alice", success=True) == 0
    for _ in range(3):  # the success forgave alice's failures
        assert attempt("10.0.0.1", "alice") == 0
    with session_scope(store_app) as session:  # and the failures of the last window are gone
        assert session.scalar(select(func.count()).select_from(SignInFailure)) == 3 * 2
