"""The system-of-record controls in a real browser (Chromium, headless, driven by Playwright) against
a real `rosterbook serve`: replacing a stored user from a conflict row, the upload page's choice,
erasing passwords and withdrawing a user and a batch (a box to tick first), each a click away."""
from __future__ import annotations

import requests

from tests.test_browser import ADMIN, PASSWORD, api, browser, download, page, screenshot, served, upload  # noqa: F401
from tests.server_rows import example_rows

FIRST = [{"Username": "ann", "Password": "Ann-Secret-1", "Plan name": "basic"},
         {"Username": "bob", "Password": "Bob-Secret-2", "Plan name": "basic"}]


def post(served, rows, key, **extra):
    answer = requests.post(served.url + "/api/v1/imports", headers=served.headers(key), timeout=30,
                           json={"profile": "controlpanel", "rows": rows, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def sign_in(page):
    page.goto("/")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_replaces_a_stored_user_erases_passwords_and_withdraws_with_clicks(page, served):
    post(served, FIRST, "first")
    changed = [{**FIRST[0], "Plan name": "gold", "Password": "Ann-Secret-9"}, FIRST[1]]
    second = post(served, changed, "second")
    assert [r["status"] for r in second["rows"]] == ["conflict", "duplicate"]
    sign_in(page)

    page.goto(f"/batches/{second['batch_id']}")
    assert "Plan name: was 'basic', now 'gold'" in page.locator("table.rows").inner_text()
    page.get_by_role("button", name="Replace the stored user with row 1").click()
    assert "Row 1 is now the stored version of its user" in page.get_by_role("status").first.inner_text()
    page.locator("details.history summary").first.click()
    history = page.locator("details.history").first.inner_text()
    assert "batch 1, row 1" in history and "Plan name: was 'basic', now 'gold'" in history
    screenshot(page, "web-batch-history.png")
    export = download(page, page.get_by_role("link", name="Download the Control Panel upload file"))
    assert export.decode().splitlines() == ["ann,Ann-Secret-9,gold"]  # the password kept for the export

    page.get_by_role("button", name="Erase the passwords now").click()
    assert f"The passwords of batch {second['batch_id']} are erased." in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("link", name="Download the Control Panel upload file").count() == 0
    assert "so its upload file cannot be made" in page.locator("main").inner_text()

    page.goto("/batches/1")
    page.get_by_role("button", name="Withdraw the user of row 2").click()
    assert "Row 2's user is withdrawn" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Withdraw this batch").click()  # the box is not ticked: the browser stops it
    # nothing sent: the browser holds the form back while its required box is not ticked
    assert page.locator("#withdraw input[name=confirm]").evaluate("box => box.validity.valueMissing")
    assert api(served, "/imports/1").json()["withdrawn_at"] is None
    # ann's user is batch 2's version now, row 2's was withdrawn: the batch takes nobody back
    assert "withdrawing the batch takes none of them back" in page.locator("#withdraw").inner_text()
    page.get_by_label("Yes, withdraw batch 1").check()
    page.get_by_role("button", name="Withdraw this batch").click()
    assert "Batch 1 is withdrawn: no user taken back" in page.get_by_role("status").first.inner_text()
    assert page.locator(".badge-withdrawn").count() == 2
    assert api(served, "/imports/1").json()["withdrawn_by"] == ADMIN
    assert page.problems == []


def test_the_upload_page_replaces_when_chosen(page, served):
    post(served, example_rows("controlpanel", 1), "seed")
    sign_in(page)
    upload(page, "cp.csv", "controlpanel", b"user0,Pw-new-secret,gold\r\n")
    assert page.get_by_label("Skip them: list what differs (conflicts) and import nothing for them").is_checked()
    page.get_by_label("Replace them: store these rows as the users' new versions").check()
    page.get_by_role("button", name="Import the 1 valid row").click()
    assert "1 imported" in page.get_by_role("status").first.inner_text()
    assert "this row is stored as the user's new version" in page.locator("table.rows").inner_text()
    assert page.problems == []
