"""The dashboard of batches, a batch's page with every row, and the downloads (templates, exports)."""
from __future__ import annotations

import html
import re

import pytest

from addin.profiles import all_profiles
from server.db import new_session
from server.imports import submit_batch
from server.passwords import keeper
from tests.conftest import ROOT
from tests.plugin_server import new_token
from tests.server_rows import example_rows, login_header
from tests.web_client import admin, anonymous, web  # noqa: F401


def submit(app, profile_id, rows, who="hr-team", workbook="team.xlsm", key=None):
    session = new_session(app)
    try:
        return submit_batch(session, profile_id, rows, idempotency_key=key, submitted_by=who, key_scope=f"token:{who}",
                            source={"workbook": workbook, "template_version": "1.0"}, passwords=keeper(app))
    finally:
        session.close()


def text_of(page) -> str:
    """The page's text as a person reads it: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def row_statuses(text: str) -> list[tuple[str, str]]:
    """(row, status) of each row in a batch page's table."""
    table = text.split("Row Status User Problems Values", 1)[1]
    return re.findall(r"(\d+) (Accepted|Rejected|Duplicate) ", table)


def listed_batches(text: str) -> list[str]:
    table = text.split("Duplicates Export", 1)[1].split("Templates", 1)[0]
    return re.findall(r"Batch (\d+) \d{4}-", table)


def test_the_dashboard_lists_each_batch_with_when_who_format_and_counts(app, web):
    first = submit(app, "commpeak", example_rows("commpeak", 3), who="hr-team", workbook="agents.xlsm")
    rows = example_rows("pbx", 2) + example_rows("pbx", 1) + [{"Extension": "x"}]
    second = submit(app, "pbx", rows, who="it-desk", workbook="phones.xlsx")
    text = text_of(web.get("/"))
    assert "2 batches" in text
    # newest first; each row: batch, when, who, format, workbook, accepted, rejected, duplicates
    assert re.search(rf"Batch {second.batch_id} \d{{4}}-\d\d-\d\d \d\d:\d\d UTC it-desk Hosted PBX phones.xlsx 2 1 1 Download"
                     rf".*Batch {first.batch_id} \d{{4}}-\d\d-\d\d \d\d:\d\d UTC hr-team CommPeak agents.xlsm 3 0 0 Download", text)


def test_the_dashboard_filters_by_format_and_pages(app, web, monkeypatch):
    for i in range(3):
        submit(app, "iplum", example_rows("iplum", 1, i))
    submit(app, "pbx", example_rows("pbx", 1))
    filtered = text_of(web.get("/?profile=iplum"))
    assert "3 batches in iPlum" in filtered
    assert listed_batches(filtered) == ["3", "2", "1"]  # not batch 4, the PBX one
    monkeypatch.setattr("server.web.pages.BATCHES_PER_PAGE", 2)
    first, second = web.get("/").text, web.get("/?page=2").text
    assert "page 1 of 2" in first and "Older batches" in first and "Newer batches" not in first
    assert "page 2 of 2" in second and "Newer batches" in second and "Older batches" not in second
    assert listed_batches(text_of(web.get("/"))) == ["4", "3"]
    assert listed_batches(text_of(web.get("/?page=2"))) == ["2", "1"]
    for odd in ["abc", "0", "-1", "²", "9" * 5000]:  # odd parameters: the first page, never an error
        answer = web.get(f"/?page={odd}&profile=nonsense")
        assert answer.status_code == 200 and listed_batches(text_of(answer)) == ["4", "3"]
        assert web.get(f"/batches/1?page={odd}&status=nonsense").status_code == 200


def test_an_empty_dashboard_says_what_to_do(web):
    text = text_of(web.get("/"))
    assert "No batches yet" in text and "Submit" in text


def test_a_batch_page_shows_every_row_its_status_and_its_errors(app, web):
    earlier = submit(app, "commpeak", example_rows("commpeak", 1, 5))
    good = example_rows("commpeak", 2)
    bad = dict(example_rows("commpeak", 1, 9)[0], Email="agent.smith@")
    again = example_rows("commpeak", 1, 5)[0]
    result = submit(app, "commpeak", [good[0], bad, again, good[1], good[0]])
    text = text_of(web.get(f"/batches/{result.batch_id}"))
    assert f"Batch {result.batch_id}: CommPeak" in text
    assert "Accepted 2 Rejected 1 Duplicates 2" in text
    assert row_statuses(text) == [("1", "Accepted"), ("2", "Rejected"), ("3", "Duplicate"), ("4", "Accepted"), ("5", "Duplicate")]
    login = login_header("commpeak")
    assert f"{login}: " in text
    assert f"was already imported (batch {earlier.batch_id}, row 1)" in text
    assert "is also in row 1 of this batch" in text
    assert "Email:" in text and "agent.smith@" in text  # the rejected row says why
    only_rejected = text_of(web.get(f"/batches/{result.batch_id}?status=rejected"))
    assert row_statuses(only_rejected) == [("2", "Rejected")]


def test_a_batch_page_lists_only_the_filled_values_of_a_row(app, web):
    row = dict(example_rows("commpeak", 1, 40)[0], Tag="", Desk="")  # columns the file has, left blank
    result = submit(app, "commpeak", [row])
    page = web.get(f"/batches/{result.batch_id}").text
    filled = [header for header, value in row.items() if value]
    assert f"{len(filled)} values" in text_of(web.get(f"/batches/{result.batch_id}"))
    values = re.search(r'<dl class="values">(.*?)</dl>', page, re.S).group(1)
    assert re.findall(r"<dt>([^<]*)</dt>", values) == filled


def test_a_batch_page_pages_its_rows(app, web, monkeypatch):
    result = submit(app, "iplum", example_rows("iplum", 5))
    monkeypatch.setattr("server.web.pages.ROWS_PER_PAGE", 2)
    pages = [text_of(web.get(f"/batches/{result.batch_id}?page={n}")) for n in (1, 2, 3)]
    assert [[row for row, _ in row_statuses(page)] for page in pages] == [["1", "2"], ["3", "4"], ["5"]]
    assert "page 3 of 3" in pages[2]


@pytest.mark.parametrize("path", ["/batches/999", "/batches/999/export", "/batches/99999999999999"])
def test_a_missing_batch_gets_a_page_that_says_so(web, path):
    answer = web.get(path)
    assert answer.status_code == 404
    assert "There is no batch 9" in answer.text and "Back to the list of batches" in answer.text


def test_the_export_download_is_the_api_export(app, web):
    rows = example_rows("controlpanel", 3)
    result = submit(app, "controlpanel", rows)
    page = web.get(f"/batches/{result.batch_id}").text
    assert f'href="/batches/{result.batch_id}/export"' in page
    download = web.get(f"/batches/{result.batch_id}/export")
    token = new_token(app, "export-compare")
    api = web.get(f"/api/v1/imports/{result.batch_id}/export", headers={"Authorization": f"Bearer {token}"})
    assert download.status_code == 200 and api.status_code == 200
    assert download.data == api.data
    assert download.headers["Content-Disposition"] == api.headers["Content-Disposition"]
    lines = download.data.decode("utf-8").splitlines()
    assert [line.split(",")[:2] for line in lines] == [["user0", "Pw-0-secret"], ["user1", "Pw-1-secret"],
                                                       ["user2", "Pw-2-secret"]]  # headerless, positional


@pytest.mark.parametrize("profile_id", list(all_profiles()))
def test_every_template_is_linked_and_downloads_as_the_built_file(web, profile_id):
    link = f'href="/templates/{profile_id}.xlsm"'
    assert link in web.get("/").text
    answer = web.get(f"/templates/{profile_id}.xlsm")
    assert answer.status_code == 200
    assert answer.data == (ROOT / "workbooks" / f"{profile_id}.xlsm").read_bytes()
    assert answer.mimetype == "application/vnd.ms-excel.sheet.macroEnabled.12"
    assert f'filename={profile_id}.xlsm' in answer.headers["Content-Disposition"]


def test_a_template_not_built_says_how_to_build_it(app, web, tmp_path):
    app.config["WORKBOOKS_DIR"] = str(tmp_path)
    assert "rosterbook build" in web.get("/").text
    answer = web.get("/templates/iplum.xlsm")
    assert answer.status_code == 404 and "rosterbook build" in answer.text
    assert web.get("/templates/..%2Fpyproject.xlsm").status_code == 404


def test_a_page_past_the_last_says_so(app, web):
    submit(app, "iplum", example_rows("iplum", 1))
    text = text_of(web.get("/?page=7"))
    assert "Page 7 is past the last page of batches (page 1): go to the newest batches" in text
