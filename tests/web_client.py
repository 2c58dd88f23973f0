"""Helpers and fixtures for the web page tests: an admin account, a signed-in test client, and the
forms of a page read back the way a browser sees them (hidden fields, CSRF token, button targets).

Test modules import the fixtures they use from here (`from tests.web_client import admin, web`).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

ADMIN = "alice"
PASSWORD = "correct horse battery staple"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)  # button text -> the address it posts to


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._button: tuple[str, list[str]] | None = None
        self._select: str | None = None  # the name of the <select> being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(Form(attrs.get("action") or "", (attrs.get("method") or "get").lower()))
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") != "file":
            if attrs.get("type") in ("radio", "checkbox") and "checked" not in attrs:
                return  # a browser sends only the chosen ones
            self.forms[-1].fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "button":
            self._button = (attrs.get("formaction") or self.forms[-1].action, [])
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif tag == "option" and self._select is not None:
            fields = self.forms[-1].fields
            if "selected" in attrs or self._select not in fields:  # a browser sends the first unless one is chosen
                fields[self._select] = attrs.get("value") or ""

    def handle_data(self, data):
        if self._button is not None:
            self._button[1].append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "button" and self._button is not None:
            target, text = self._button
            self.forms[-1].buttons[" ".join("".join(text).split())] = target
            self._button = None


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with_button(html: str, text_start: str) -> tuple[Form, str]:
    """The form holding the button whose text starts with text_start, and where that button posts."""
    for form in forms(html):
        for text, target in form.buttons.items():
            if text.startswith(text_start):
                return form, target
    raise AssertionError(f"no button starting {text_start!r} on the page")


def csrf_token(html: str) -> str:
    for form in forms(html):
        if "csrf_token" in form.fields:
            return form.fields["csrf_token"]
    raise AssertionError("no CSRF token on the page")


def create_admin(app, username: str = ADMIN, password: str = PASSWORD) -> None:
    from server.accounts import create_admin as create
    from server.db import session_scope

    with session_scope(app) as session:
        create(session, username, password)


class WebClient:
    """A Flask test client that signs in and fills forms like a person with a browser."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, **kwargs)

    def sign_in(self, username: str = ADMIN, password: str = PASSWORD, next: str | None = None):
        page = self.client.get("/sign-in")
        data = {"csrf_token": csrf_token(page.text), "username": username, "password": password}
        if next is not None:
            data["next"] = next
        return self.client.post("/sign-in", data=data)

    def token(self, path: str = "/") -> str:
        return csrf_token(self.client.get(path).text)

    def upload(self, content: bytes, filename: str, profile: str = "", region: str = "", **fields):
        """Send a file from the Check a file page, with its form's other fields."""
        data = {"csrf_token": self.token("/upload"), "profile": profile, "region": region, **fields,
                "file": (io.BytesIO(content), filename)}
        return self.client.post("/upload", data=data, content_type="multipart/form-data")

    def press(self, html: str, button: str, **extra):
        """Submit the form holding BUTTON, as the browser would, with extra fields."""
        form, target = form_with_button(html, button)
        return self.client.post(target, data={**form.fields, **extra})


@pytest.fixture
def admin(app) -> str:
    create_admin(app)
    return ADMIN


@pytest.fixture
def web(app, admin) -> WebClient:
    """A client signed in as the admin."""
    client = WebClient(app)
    answer = client.sign_in()
    assert answer.status_code == 302, answer.text
    return client


@pytest.fixture
def anonymous(app) -> WebClient:
    return WebClient(app)
