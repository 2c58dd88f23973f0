"""The web pages in a real browser: Debian's Chromium, headless, driven by Playwright, against a real
`rosterbook serve` on a loopback port. Screenshots go to test-artifacts/ (two are in the README)."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from tests.conftest import EXAMPLES, ROOT, require
from tests.serve_process import rosterbook_command
from tests.server_rows import example_rows

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"
# What Chromium reports for a request cut short by the next navigation or turned into a download.
ABORTED = "net::ERR_ABORTED"
ADMIN, PASSWORD = "alice", "correct horse battery staple"
OVERLAP_CSV = ("iPlum ID (phone/email),Phone #,Email,Name\r\n"
               "email,,li.new@example.com,Li New\r\n"
               "phone,+14081231234,jane@example.com,Jane Doe\r\n")  # Jane is in the example: imported before


@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM.exists(), f"Debian's chromium is not installed ({CHROMIUM}); scripts/setup.sh --test installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def served(serve, tmp_path):
    """`rosterbook serve` on SQLite with an admin made by `rosterbook admin create`, as on a real machine."""
    instance = tmp_path / "instance"
    url = f"sqlite:///{instance / 'rosterbook.sqlite3'}"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("ROSTERBOOK_")}
    env.update(DATABASE_URL=url, ROSTERBOOK_INSTANCE_PATH=str(instance))
    made = subprocess.run([*rosterbook_command(), "admin", "create", ADMIN, "--password-stdin"], input=PASSWORD + "\n",
                          env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    token = subprocess.run([*rosterbook_command(), "token", "create", "hr-team"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert token.returncode == 0, token.stderr
    return serve(database_url=url, instance=instance, token=token.stdout.strip())


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True, base_url=served.url)
    page = context.new_page()
    page.problems = []  # console errors (a CSP violation is one), error answers and broken requests
    page.on("console", lambda m: page.problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: page.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: None if r.failure == ABORTED else page.problems.append(f"{r.failure} {r.url}"))
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def upload(page, path_or_name, profile: str, content: bytes | None = None) -> None:
    nav(page, "Check a file")
    if content is None:
        page.get_by_label("File").set_input_files(str(path_or_name))
    else:
        page.get_by_label("File").set_input_files({"name": path_or_name, "mimeType": "text/csv", "buffer": content})
    page.get_by_label("Format").select_option(profile)
    page.get_by_role("button", name="Check the file").click()


def download(page, control) -> bytes:
    with page.expect_download() as started:
        control.click()
    return Path(started.value.path()).read_bytes()


def api(served, path: str) -> requests.Response:
    answer = requests.get(served.url + "/api/v1" + path, headers=served.headers(), timeout=30)
    assert answer.status_code == 200, answer.text
    return answer


def test_an_admin_signs_in_uploads_follows_the_batch_and_downloads_the_export(page, served):
    # A batch from a workbook's Submit button (over the API), so the dashboard has more than uploads.
    submitted = requests.post(served.url + "/api/v1/imports", headers=served.headers("team-sheet-1"), timeout=30,
                              json={"profile": "commpeak", "rows": [*example_rows("commpeak", 3), {"Username": "x y"}],
                                    "source": {"workbook": "agents.xlsm", "template_version": "1.0"}})
    assert submitted.status_code == 201, submitted.text

    page.goto("/")
    assert page.url.startswith(served.url + "/sign-in")
    screenshot(page, "web-sign-in.png")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert "not right" in page.get_by_role("alert").inner_text()
    # the refused password: expected
    page.problems.remove(f"401 {served.url}/sign-in")
    page.problems.remove("console: Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Import batches"
    assert f"Signed in as {ADMIN}" in page.locator("header").inner_text()

    # Upload the iPlum example, see what is wrong, download the checked copy.
    upload(page, EXAMPLES / "iplum.xlsx", "iplum")
    assert page.get_by_role("heading", level=1).inner_text() == "iplum.xlsx: checked as iPlum"
    assert "scientific notation" in page.locator("table.rows").inner_text()
    screenshot(page, "web-upload.png")
    checked = load_workbook(io.BytesIO(download(page, page.get_by_role("button", name="Download the checked workbook"))))
    statuses = [row[0] for row in checked.worksheets[0].iter_rows(min_row=2, max_row=12, max_col=5, values_only=True)]
    assert statuses[0] == "OK" and statuses[4] == "1 error"

    # Import the valid rows: the browser follows to the new batch.
    page.get_by_role("button", name="Import the 5 valid rows").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Batch 2: iPlum"
    assert "5 imported, 0 duplicates" in page.get_by_role("status").first.inner_text()
    rows = page.locator("table.rows tbody tr").all_inner_texts()  # the rows with errors recorded too
    assert len(rows) == 11 and sum("Accepted" in t for t in rows) == 5 and sum("Rejected" in t for t in rows) == 6
    export = download(page, page.get_by_role("link", name="Download the iPlum upload file"))
    assert export == api(served, "/imports/2/export").content
    assert export.decode("utf-8").splitlines()[0] == "iPlum ID (phone/email),Phone #,Email,Name"

    # A second file overlapping the first, imported with a double click: one batch, Jane a duplicate.
    upload(page, "more.csv", "iplum", OVERLAP_CSV.encode())
    page.get_by_role("button", name="Import the 2 valid rows").dblclick()
    page.wait_for_url("**/batches/3")
    assert page.get_by_role("heading", level=1).inner_text() == "Batch 3: iPlum"
    assert api(served, "/imports").json()["total"] == 3
    assert [r["status"] for r in api(served, "/imports/3").json()["rows"]] == ["accepted", "duplicate"]
    assert "was already imported (batch 2, row 2)" in page.locator("table.rows").inner_text()
    page.locator("table.rows details").first.locator("summary").click()  # the row's values, opened
    page.get_by_role("heading", level=1).click()  # focus off the control, for the picture
    screenshot(page, "web-batch.png")

    nav(page, "Batches")
    listed = page.locator("table.batches tbody tr").all_inner_texts()
    assert [t.split("\t")[0] for t in listed] == ["Batch 3", "Batch 2", "Batch 1"]
    assert "hr-team\tCommPeak\tagents.xlsm\t3\t1\t0\t" in listed[2]
    screenshot(page, "web-dashboard.png")
    template = download(page, page.get_by_role("link", name="iplum.xlsm"))
    assert template == (ROOT / "workbooks" / "iplum.xlsm").read_bytes()

    page.get_by_role("button", name="Sign out").click()
    assert "You are signed out" in page.get_by_role("status").inner_text()
    page.goto("/batches/2")
    assert page.url.startswith(served.url + "/sign-in")
    assert page.problems == []
