"""The upload page's column-mapping step in a real browser (Chromium, headless, Playwright) against a
real `rosterbook serve`: the admin says which file column is which with the page's dropdowns, and
the check and the import read the file that way."""
from __future__ import annotations

from tests.test_browser import api, browser, page, screenshot, served, upload  # noqa: F401
from tests.test_browser_record import sign_in

LIST = ("iPlum ID (phone/email),Phone #,Contact,Name,Team\r\n"
        "email,,ana@example.com,Ana Núñez,North\r\n"
        "email,,li@example.com,Li Wei,South\r\n")


def test_an_admin_matches_a_column_and_the_import_reads_it_so(page, served):
    sign_in(page)
    upload(page, "team.csv", "iplum", LIST.encode())
    assert page.get_by_role("heading", level=1).inner_text() == "team.csv: which column is which?"
    mail = page.get_by_label("Column C, Contact, holds")
    team = page.get_by_label("Column E, Team, holds")
    assert mail.input_value() == "" and team.input_value() == ""  # not close enough to any column to guess
    assert page.get_by_label("Column A, iPlum ID (phone/email), holds").input_value() == "login_type"
    mail.select_option(value="email")
    screenshot(page, "web-upload-columns.png")
    page.get_by_role("button", name="Check with these columns").click()

    assert page.get_by_role("heading", level=1).inner_text() == "team.csv: checked as iPlum"
    matched = page.get_by_role("region", name="Columns as you matched them").inner_text()
    assert "Column C, 'Contact': read as 'Email'." in matched and "Column E, 'Team': not imported." in matched
    page.get_by_role("button", name="Import the 2 valid rows").click()
    assert "2 imported" in page.get_by_role("status").first.inner_text()
    export = api(served, "/imports/1/export").content.decode("utf-8").splitlines()
    assert export == ["iPlum ID (phone/email),Phone #,Email,Name", "email,,ana@example.com,Ana Núñez",
                      "email,,li@example.com,Li Wei"]

    # the same file, the column left out this time: the emails are missing, nothing is valid
    upload(page, "team.csv", "iplum", LIST.encode())
    page.get_by_role("button", name="Check with these columns").click()
    assert "Import is not possible until the problems with the whole file are fixed" in \
        page.locator("form.actions").inner_text()
    assert "Required column 'Email' is missing" in page.locator("main").inner_text()
    assert page.problems == []
