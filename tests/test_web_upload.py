"""The upload page: a filled file checked with the same rules as the template, its annotated copy
downloaded, and only its valid rows imported, once, through the import service."""
from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from addin.files.limits import ReadLimits
from addin.files.offline import check_file
from addin.profiles import all_profiles
from addin.rules.import_request import import_request
from server.db import session_scope
from server.imports import judge
from server.models import Batch, BatchRow, PendingUpload, utcnow
from server.web.upload_check import batch_request, check_upload, request_as_json, request_from_json
from server.web.upload_options import UploadOptions
from tests.conftest import EXAMPLES, ROOT
from tests.web_client import ADMIN, WebClient, admin, create_admin, form_with_button, web  # noqa: F401

PROFILES = list(all_profiles())


def upload_example(client: WebClient, profile_id: str):
    answer = client.upload((EXAMPLES / f"{profile_id}.xlsx").read_bytes(), f"{profile_id}.xlsx", profile_id)
    assert answer.status_code == 200, answer.text
    return answer


def stored(app) -> list[tuple[int, str, int]]:
    """(batch, status, sheet row) of every stored row."""
    with session_scope(app) as session:
        return [tuple(row) for row in session.execute(select(BatchRow.batch_id, BatchRow.status, BatchRow.row_number)
                                    .order_by(BatchRow.batch_id, BatchRow.position))]


def batches(app) -> list[Batch]:
    with session_scope(app) as session:
        return list(session.scalars(select(Batch).order_by(Batch.id)))


def sheet_values(data: bytes | Path) -> list[tuple]:
    book = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


@pytest.mark.parametrize("profile_id", PROFILES)
def test_checking_an_example_shows_its_findings_and_gives_the_annotated_workbook(web, profile_id, tmp_path):
    expected = check_file(EXAMPLES / f"{profile_id}.xlsx", profile_id, out=tmp_path / "expected.xlsx")
    valid = sum(1 for r in expected.report.rows if r.ok)
    page = upload_example(web, profile_id).text
    assert f"checked as {expected.profile.title}" in page
    assert f"Import the {valid} valid rows" in page
    for result in expected.report.rows:
        for finding in result.findings:
            assert finding.message.replace("'", "&#39;") in page
    download = web.press(page, "Download the checked workbook")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f"attachment; filename={profile_id}.checked.xlsx"
    # the very copy `rosterbook validate` writes: same values, Status and Errors columns included
    assert sheet_values(download.data) == sheet_values(expected.annotated)


@pytest.mark.parametrize("profile_id", PROFILES)
def test_import_stores_the_valid_rows_and_records_the_others_as_rejected(app, web, profile_id):
    expected = check_file(EXAMPLES / f"{profile_id}.xlsx", profile_id, annotate=False)
    valid_rows = [r.row for r in expected.report.rows if r.ok]
    invalid = {r.row: r for r in expected.report.rows if not r.ok}
    assert valid_rows and invalid  # the example mixes both
    page = upload_example(web, profile_id).text
    answer = web.press(page, "Import")
    assert answer.status_code == 302
    [batch] = batches(app)
    assert answer.headers["Location"] == f"/batches/{batch.id}"
    assert (batch.accepted, batch.rejected, batch.duplicates) == (len(valid_rows), len(invalid), 0)
    assert (batch.profile, batch.submitted_by, batch.source["workbook"]) == (profile_id, ADMIN, f"{profile_id}.xlsx")
    assert stored(app) == [(batch.id, "accepted" if r.ok else "rejected", r.row) for r in expected.report.rows]
    with session_scope(app) as session:
        recorded = {row.row_number: row.errors for row in session.scalars(
            select(BatchRow).where(BatchRow.status == "rejected"))}
    assert recorded == {row: [{"column": f.column, "message": f.message} for f in result.findings
                              if f.level == "error"] for row, result in invalid.items()}
    shown = web.get(answer.headers["Location"]).text
    assert f"{len(valid_rows)} imported, 0 duplicates (imported before, not again), {len(invalid)} rejected" in shown


@pytest.mark.parametrize("profile_id", PROFILES)
def test_the_import_takes_the_checked_rows_as_validating_them_again_would(profile_id):
    """The page's import does not validate its rows a second time: what it stores is what the
    import service makes of them by validating them (values, errors, login keys, statuses), as
    the workbook's Submit sends them (by header)."""
    upload = check_upload((EXAMPLES / f"{profile_id}.xlsx").read_bytes(), f"{profile_id}.xlsx", UploadOptions(profile_id),
                          ReadLimits())
    request = request_from_json(request_as_json(batch_request(upload)))  # kept between check and import
    numbers = request["source"]["row_numbers"]
    sent = import_request(upload.report, upload.report.rows, workbook=upload.filename, conf={})["rows"]
    again = judge(upload.profile, sent, numbers, request["settings"], request["refused"])
    taken = judge(upload.profile, request["records"], numbers, request["settings"], request["refused"],
                  validated=True)
    fields = ("row", "status", "values", "errors", "stored_values", "login_column", "login_key", "first_of",
              "secrets", "change", "notes")
    assert [[getattr(r, f) for f in fields] for r in taken.rows] == [[getattr(r, f) for f in fields] for r in again.rows]


def test_a_second_click_or_a_second_upload_imports_nothing_twice(app, web):
    page = upload_example(web, "iplum").text
    first = web.press(page, "Import")
    second = web.press(page, "Import")
    again = web.press(upload_example(web, "iplum").text, "Import")
    assert first.headers["Location"] == second.headers["Location"] == again.headers["Location"]
    assert len(batches(app)) == 1
    assert "was already imported as batch 1 by alice; nothing was imported again" in web.get("/batches/1").text


def test_a_double_click_at_the_same_moment_imports_once(app, web):
    page = upload_example(web, "commpeak").text
    clients = [web, WebClient(app)]
    clients[1].client.set_cookie("session", web.client.get_cookie("session").value)  # the same browser
    start = threading.Barrier(2)
    answers = [None, None]

    def click(i):
        start.wait()
        answers[i] = clients[i].press(page, "Import")

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    [batch] = batches(app)
    assert len(stored(app)) == batch.accepted + batch.rejected


def test_the_same_file_from_another_admin_points_to_the_first_import(app, web):
    web.press(upload_example(web, "pbx").text, "Import")
    create_admin(app, "bob", "another long password")
    bob = WebClient(app)
    bob.sign_in("bob", "another long password")
    answer = bob.press(upload_example(bob, "pbx").text, "Import")
    assert answer.headers["Location"] == "/batches/1"
    assert "already imported as batch 1 by alice" in bob.get("/batches/1").text
    assert len(batches(app)) == 1


def test_rows_imported_earlier_are_reported_as_duplicates(app, web):
    header = "Username,Password,Plan name,Firstname,Middlename,Lastname,Admin?,Email,Phone,Description,Enabled?\r\n"
    web.press(web.upload((header + "ann,pw-one\r\n").encode(), "first.csv", "controlpanel").text, "Import")
    answer = web.press(web.upload((header + "ann,pw-two\r\nbob,pw-three\r\n").encode(), "second.csv",
                              "controlpanel").text, "Import")
    text = web.get(answer.headers["Location"]).text
    assert "1 imported, 1 duplicate (imported before, not again)" in text
    assert "was already imported (batch 1, row 2)" in text


def test_a_headerless_csv_with_passwords_keeps_them_only_encrypted(app, web):
    content = "ann,Secret-Pass-1,basic\r\nbob,Secret-Pass-2,,Bob,,Builder,1\r\nbad user,Secret-Pass-3\r\n".encode()
    page = web.upload(content, "users.csv", "controlpanel").text
    assert "Import the 2 valid rows" in page
    answer = web.press(page, "Import")
    assert answer.status_code == 302
    assert [(status, row) for _, status, row in stored(app)] == [("accepted", 1), ("accepted", 2), ("rejected", 3)]
    with session_scope(app) as session:
        values = list(session.scalars(select(BatchRow.values)))
    assert values[2]["username"] == "bad user" and "password" not in values[2]
    assert values[1]["admin"] == "TRUE" and "password" not in values[0] and "password" not in values[1]
    database = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    for path in database.parent.glob(database.name + "*"):  # the file, its WAL and shared memory
        assert b"Secret-Pass" not in path.read_bytes(), path.name
    export = web.get(answer.headers["Location"] + "/export").data.decode()
    assert export.splitlines() == ["ann,Secret-Pass-1,basic", "bob,Secret-Pass-2,,Bob,,Builder,TRUE"]


def test_a_filled_template_says_its_own_format(web, tmp_path):
    book = load_workbook(ROOT / "workbooks" / "iplum.xlsm", keep_vba=True)
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 20) if sheet.cell(r, 1).value)
    for offset, (login, phone, email, name) in enumerate([("phone", "+14081231234", "a@example.com", "Ann"),
                                                          ("email", None, "not-an-email", "Bob")], start=1):
        for column, value in enumerate((login, phone, email, name), start=1):
            sheet.cell(header + offset, column, value)
    out = io.BytesIO()
    book.save(out)
    page = web.upload(out.getvalue(), "team.xlsm", profile="").text  # format: as the template says
    assert "checked as iPlum" in page and "Import the 1 valid row<" in page


@pytest.mark.parametrize("filename, content, profile, message", [
    ("users.csv", b"", "iplum", "users.csv is empty"),
    ("users.docx", b"PK\x03\x04", "iplum", "choose an Excel workbook (.xlsx or .xlsm), a CSV file"),
    ("users.xlsx", b"this is no workbook", "iplum", "not a readable Excel workbook"),
    ("users.csv", b"Username,Email\r\nann,a@example.com\r\n", "", "not a rosterbook template, and its headers match"),
    ("users.csv", b"iPlum ID (phone/email),Phone #,Email,Name\r\n", "iplum", "has no rows under its header"),
    ("users.csv", b"a,b\r\n", "nonsense", "There is no format 'nonsense'"),
    ("users.csv", "ß".encode("utf-16-le"), "iplum", "not a text file"),
])
def test_a_file_that_cannot_be_checked_gets_a_message_and_nothing_is_stored(app, web, filename, content, profile, message):
    answer = web.upload(content, filename, profile)
    assert answer.status_code == 400
    assert message in answer.text.replace("&#39;", "'")
    assert 'enctype="multipart/form-data"' in answer.text  # the form again, to choose another file
    assert batches(app) == []


def test_no_file_chosen(web):
    answer = web.post("/upload", data={"csrf_token": web.token("/upload"), "profile": "iplum"})
    assert answer.status_code == 400 and "Choose a file first" in answer.text


def test_a_file_over_the_limit_is_refused_with_the_limit(app, web):
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    big = b"Email,Name\r\n" + b"a@example.com,Ann\r\n" * 10300  # about 196 KB: over what the page takes
    answer = web.upload(big, "big.csv", "iplum")
    assert answer.status_code == 413 and "is larger than 0.2 MB" in answer.text
    huge = web.upload(big * 2, "huge.csv", "iplum")  # over the whole request limit
    assert huge.status_code == 413 and "larger than the server accepts" in huge.text


def test_a_damaged_form_is_refused(app, web):
    page = upload_example(web, "iplum").text
    form, target = form_with_button(page, "Import")
    answer = web.post(target, data={**form.fields, "upload": ""})
    assert answer.status_code == 400 and "arrived damaged" in answer.text
    assert batches(app) == []


def test_problems_with_the_whole_file_block_the_import(app, web):
    page = web.upload(b"Phone #,Name\r\n+14081231234,Ann\r\n", "users.csv", "iplum").text
    assert "Problems with the whole file" in page and "Required column" in page
    assert "Import is not possible" in page
    form, _ = form_with_button(page, "Download")
    answer = web.post("/upload/import", data=form.fields)
    assert answer.status_code == 422 and "Nothing was imported" in answer.text
    assert batches(app) == []


def test_a_file_without_a_valid_row_offers_no_import(app, web):
    page = web.upload(b"iPlum ID (phone/email),Phone #,Email,Name\r\nsms,,a@example.com,Ann\r\n", "users.csv", "iplum").text
    assert "No row is free of errors yet" in page
    form, _ = form_with_button(page, "Download")
    answer = web.post("/upload/import", data=form.fields)
    assert answer.status_code == 422 and "no row is free of errors" in answer.text
    assert batches(app) == []


def test_upload_import_and_pages_on_each_store(store_app):
    """The same journey on SQLite and on a real PostgreSQL: upload, import, batch page, dashboard, export."""
    create_admin(store_app)
    client = WebClient(store_app)
    client.sign_in()
    expected = check_file(EXAMPLES / "pbx.xlsx", "pbx", annotate=False)
    valid = [r.row for r in expected.report.rows if r.ok]
    answer = client.press(upload_example(client, "pbx").text, "Import")
    assert answer.status_code == 302
    batch_page = client.get(answer.headers["Location"]).text
    assert f"{len(valid)} imported" in batch_page and "UTC" in batch_page
    assert [row for _, status, row in stored(store_app) if status == "accepted"] == valid
    assert "pbx.xlsx" in client.get("/").text
    export = client.get(answer.headers["Location"] + "/export")
    assert export.status_code == 200 and len(export.data.decode().splitlines()) == len(valid) + 1


def test_the_page_carries_only_an_id_and_a_key_and_the_server_keeps_the_upload_sealed(app, web):
    lines = ["Type,LastName,Email", "User,Unmistakable-Name,a@example.com"] + [f"User,Poe,p{i}@example.com"
                                                                                 for i in range(3000)]
    content = "\r\n".join(lines).encode()
    page = web.upload(content, "users.csv", "pbx")
    assert page.status_code == 200 and len(page.data) < 20_000 < len(content)  # every row is OK: nothing listed
    form, _ = form_with_button(page.text, "Import")
    assert set(form.fields) == {"csrf_token", "upload", "key", "on_existing"}  # the file is not in it
    with session_scope(app) as session:
        [kept] = session.scalars(select(PendingUpload)).all()
        assert kept.admin == ADMIN and b"Unmistakable-Name" not in kept.data
    assert web.press(page.text, "Download").status_code == 200


def test_a_kept_upload_opens_only_for_its_admin_its_key_and_its_time(app, web):
    page = upload_example(web, "pbx").text
    form, target = form_with_button(page, "Import")
    assert web.post(target, data={**form.fields, "key": form.fields["key"][::-1]}).status_code == 410
    create_admin(app, "bob", "another long password")
    bob = WebClient(app)
    bob.sign_in("bob", "another long password")
    answer = bob.post(target, data={**form.fields, "csrf_token": bob.token("/upload")})
    assert answer.status_code == 410 and "only for the admin who uploaded it" in answer.text
    with session_scope(app) as session:
        session.execute(update(PendingUpload).values(created_at=utcnow() - dt.timedelta(hours=2)))
    assert web.press(page, "Import").status_code == 410
    assert batches(app) == []


FRENCH_DID = b"Type,LastName,Extension,IncomingDID\r\nUser,Dupont,2001,06 12 34 56 78\r\n"


def test_the_phone_region_field_completes_national_numbers_and_the_import_keeps_them(app, web):
    without = web.upload(FRENCH_DID, "fr.csv").text  # no format chosen: recognised by the header row
    assert "checked as Hosted PBX" in without and "recognised by the file's header row" in without
    assert "has no country code" in without and "France &#39;+33612345678&#39;" in without
    assert "Import the" not in without
    page = web.upload(FRENCH_DID, "fr.csv", region="fr").text
    assert "completed with the country code of FR" in page and "Import the 1 valid row<" in page
    assert "(was &#39;06 12 34 56 78&#39;)" in page
    checked = web.press(page, "Download the checked workbook")
    assert sheet_values(checked.data)[1][4] == "+33612345678"  # the Status column first
    answer = web.press(page, "Import")
    assert answer.status_code == 302
    with session_scope(app) as session:
        [values] = list(session.scalars(select(BatchRow.values)))
    assert values["incoming_did"] == "+33612345678"


def test_an_unknown_phone_region_is_refused_on_the_form(app, web):
    answer = web.upload(FRENCH_DID, "fr.csv", "pbx", region="XX")
    assert answer.status_code == 400 and "is not a country code for phone numbers" in answer.text
    assert 'value="XX"' in answer.text and batches(app) == []
