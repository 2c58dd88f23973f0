"""Sign-ins that really end, and the session cookie behind an HTTPS proxy, against a real
`rosterbook serve`: headless Chromium signs in and out; a copy of its cookie is then replayed."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.serve_process import rosterbook_command
from tests.test_browser import browser  # noqa: F401  (the headless Chromium fixture)

ADMIN, PASSWORD = "alice", "correct horse battery staple"
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rosterbook.example.org", "X-Forwarded-For": "203.0.113.7"}


def serve_with_admin(serve, instance: Path, **env: str):
    """`rosterbook serve` on SQLite with an admin made by `rosterbook admin create`."""
    url = f"sqlite:///{instance / 'rosterbook.sqlite3'}"
    command_env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERBOOK_")}
    command_env.update(DATABASE_URL=url, ROSTERBOOK_INSTANCE_PATH=str(instance), **env)
    made = subprocess.run([*rosterbook_command(), "admin", "create", ADMIN, "--password-stdin"], input=PASSWORD + "\n",
                          env=command_env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    return serve(database_url=url, instance=instance, token="unused", **env)


def sign_in_in(browser, url: str):
    context = browser.new_context(base_url=url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert f"Signed in as {ADMIN}" in page.locator("header").inner_text()
    return context, page


def session_cookie(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "session")


def test_signing_out_ends_the_session_on_the_server(browser, serve, tmp_path):  # noqa: F811
    served = serve_with_admin(serve, tmp_path / "instance")
    laptop, page = sign_in_in(browser, served.url)
    desktop, other_page = sign_in_in(browser, served.url)
    copied = session_cookie(laptop)  # what a thief, a proxy log or a shared computer kept
    assert requests.get(served.url + "/", cookies={"session": copied}, allow_redirects=False, timeout=30).status_code == 200

    page.get_by_role("button", name="Sign out").click()
    assert "You are signed out" in page.content()
    replayed = requests.get(served.url + "/", cookies={"session": copied}, allow_redirects=False, timeout=30)
    assert replayed.status_code == 302 and replayed.headers["Location"].startswith("/sign-in")
    forged_post = requests.post(served.url + "/upload/import", cookies={"session": copied}, allow_redirects=False,
                                data={"profile": "iplum"}, timeout=30)
    assert forged_post.status_code in (302, 400)  # to the sign-in page, or refused for its form token

    other_page.goto("/")  # another browser's sign-in is its own, and still open
    assert f"Signed in as {ADMIN}" in other_page.locator("header").inner_text()
    store = create_engine(f"sqlite:///{tmp_path / 'instance' / 'rosterbook.sqlite3'}")
    with store.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM admin_sessions")).scalar() == 1
    store.dispose()
    laptop.close()
    desktop.close()


def _cookie_of(answer: requests.Response) -> tuple[str, str]:
    header = answer.headers["Set-Cookie"]
    return header, re.match(r"session=([^;]+)", header).group(1)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_behind_an_https_proxy_the_cookie_is_secure(serve, tmp_path):
    """ROSTERBOOK_COOKIE_SECURE with ROSTERBOOK_TRUSTED_PROXIES=1, the proxy's headers sent as it would."""
    served = serve_with_admin(serve, tmp_path / "instance", ROSTERBOOK_COOKIE_SECURE="1", ROSTERBOOK_TRUSTED_PROXIES="1")
    form = requests.get(served.url + "/sign-in", headers=PROXY, timeout=30)
    header, cookie = _cookie_of(form)
    assert "; Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    # requests keeps a Secure cookie away from http://, as a browser would: the proxy passes it on
    signed = requests.post(served.url + "/sign-in", allow_redirects=False, timeout=30,
                           headers={**PROXY, "Cookie": f"session={cookie}",
                                    "Referer": "https://rosterbook.example.org/sign-in"},
                           data={"csrf_token": _csrf(form.text), "username": ADMIN, "password": PASSWORD})
    assert signed.status_code == 302, signed.text
    header, cookie = _cookie_of(signed)
    assert "; Secure" in header
    page = requests.get(served.url + "/", headers={**PROXY, "Cookie": f"session={cookie}"}, timeout=30,
                        allow_redirects=False)
    assert page.status_code == 200 and f"Signed in as <strong>{ADMIN}</strong>" in page.text


def test_without_the_settings_the_cookie_is_plain_and_forwarded_headers_are_ignored(serve, tmp_path):
    served = serve_with_admin(serve, tmp_path / "instance")
    form = requests.get(served.url + "/sign-in", headers=PROXY, timeout=30)
    header, _ = _cookie_of(form)
    assert "Secure" not in header
    # A client that claims another address in X-Forwarded-For is still counted as itself.
    answers = []
    for i in range(6):
        answer = requests.post(served.url + "/sign-in", cookies=form.cookies, timeout=30,
                               headers={"X-Forwarded-For": f"198.51.100.{i}"},
                               data={"csrf_token": _csrf(form.text), "username": ADMIN, "password": "guess"})
        answers.append(answer.status_code)
    assert answers == [401] * 5 + [429]


def test_an_admin_from_before_the_upgrade_signs_in_after_it(database_url, tmp_path):
    """Migrations 0004 and 0005 (sessions and failed sign-ins in the store) on a store with an admin."""
    from werkzeug.security import generate_password_hash

    from server import create_app, db
    from server.db import engine_for
    from tests.web_client import WebClient

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": database_url})
    db.upgrade(app, "0003")
    with engine_for(app).begin() as connection:
        connection.execute(text("INSERT INTO admins (username, password_hash, created_at) "
                                "VALUES (:name, :hash, CURRENT_TIMESTAMP)"),
                           {"name": ADMIN, "hash": generate_password_hash(PASSWORD, method="scrypt")})
    db.upgrade(app)
    client = WebClient(app)
    assert client.sign_in(ADMIN, "a wrong guess").status_code == 401
    assert client.sign_in(ADMIN, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    with engine_for(app).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM admin_sessions")).scalar() == 1
        # the name's failure is forgiven; the address keeps its count of one wrong guess
        assert connection.execute(text("SELECT username FROM signin_failures")).scalars().all() == [""]
    engine_for(app).dispose()
