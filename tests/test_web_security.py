"""CSRF protection on every form, and the security headers on every response."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from server.db import session_scope
from server.models import Batch
from server.web.security import SECURITY_HEADERS
from tests.plugin_server import new_token
from tests.server_rows import example_rows
from tests.web_client import ADMIN, PASSWORD, WebClient, admin, anonymous, csrf_token, forms, web  # noqa: F401

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def assert_secured(answer) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, name
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp  # no script may run at all


def test_security_headers_on_pages_files_errors_and_the_api(app, web, anonymous):
    token = new_token(app, "headers")
    responses = {
        "sign-in page": anonymous.get("/sign-in"),
        "redirect to sign-in": anonymous.get("/"),
        "dashboard": web.get("/"),
        "upload page": web.get("/upload"),
        "missing batch": web.get("/batches/999"),
        "template download": web.get("/templates/iplum.xlsm"),
        "stylesheet": web.get("/web-static/rosterbook.css"),
        "unknown address": web.get("/no/such/page"),
        "API without token": web.get("/api/v1/imports"),
        "API with token": web.get("/api/v1/imports", headers={"Authorization": f"Bearer {token}"}),
        "OpenAPI": web.get("/api/v1/openapi.json"),
    }
    for what, answer in responses.items():
        try:
            assert_secured(answer)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from None


def test_pages_and_downloads_are_not_kept_by_the_browser_but_the_stylesheet_may_be(web):
    assert web.get("/").headers["Cache-Control"] == "no-store"
    assert web.get("/templates/iplum.xlsm").headers["Cache-Control"] == "no-store"
    stylesheet = web.get("/web-static/rosterbook.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


def test_no_template_holds_a_script_or_an_inline_style():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", text, re.I), template.name


@pytest.mark.parametrize("path, data", [
    ("/sign-in", {"username": ADMIN, "password": PASSWORD}),
    ("/sign-out", {}),
    ("/upload", {"profile": "iplum"}),
    ("/upload/checked", {"profile": "iplum", "filename": "a.csv", "content": ""}),
    ("/upload/import", {"profile": "iplum", "filename": "a.csv", "content": ""}),
])
@pytest.mark.parametrize("token", ["none", "forged", "another session's"])
def test_a_form_without_its_token_is_refused_and_changes_nothing(app, web, path, data, token):
    if token == "forged":
        data = {**data, "csrf_token": "IjAwMDAi.AAAAAA.forged"}
    elif token == "another session's":
        other = WebClient(app)
        data = {**data, "csrf_token": csrf_token(other.get("/sign-in").text)}
    answer = web.post(path, data=data)
    assert answer.status_code == 400
    assert "This form could not be accepted" in answer.text and "Nothing was changed" in answer.text
    assert_secured(answer)
    assert web.get("/").status_code == 200  # still signed in: sign-out did not happen either
    with session_scope(app) as session:
        assert session.scalars(select(Batch)).all() == []


def test_every_form_on_every_page_carries_a_token(web):
    for path in ["/", "/upload", "/batches/1"]:
        for form in forms(web.get(path).text):
            if form.method == "post":
                assert form.fields.get("csrf_token"), (path, form.action)


def test_the_token_apis_need_no_csrf_token(app, web):
    token = new_token(app, "csrf-free")
    answer = web.post("/api/v1/imports", json={"profile": "pbx", "rows": example_rows("pbx", 2)},
                      headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.text
    xlwings = web.post("/xlwings/validate", json={})
    assert xlwings.status_code != 400 or "form could not be accepted" not in xlwings.text


def test_a_cookie_is_no_credential_for_the_api(web):
    """Signed in to the pages is not signed in to the API: a forged request from a page gets nothing."""
    answer = web.post("/api/v1/imports", json={"profile": "pbx", "rows": example_rows("pbx", 1)},
                      headers={"Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 401
