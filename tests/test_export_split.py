"""CommPeak takes at most 500 users per file (seed 002): rosterbook takes more in the template, the
API and the upload page, says how many files the export will make, and exports a ZIP of files of
at most 500 users, each with its header. A CSV checked with `rosterbook validate` is the dialer's
own file: more than 500 rows stay an error there."""
from __future__ import annotations

import csv
import io
import subprocess
import uuid
import zipfile

import requests
from openpyxl import Workbook

from addin.files.export import ZIP_TYPE, export_rows
from addin.profiles import get_profile
from tests.plugin_xlwings import WorkbookModel
from tests.serve_process import rosterbook_command
from tests.server_rows import example_rows
from tests.test_round_trip import validate_cli
from tests.web_client import WebClient, create_admin

COMMPEAK = get_profile("commpeak")
NOTE = "rosterbook's export of them will be {files} files of at most 500 users each (a ZIP)"


def stored_values(count: int, start: int = 0) -> list[dict[str, str]]:
    return [{"username": f"agent{i}", "email": f"agent{i}@example.com", "virtual_extension": str(1000 + i),
             "role": "3"} for i in range(start, start + count)]


def parts(content: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"), newline="")))
                for name in archive.namelist()}


def test_more_users_than_a_file_takes_export_as_a_zip_of_files_with_headers():
    exported = export_rows(COMMPEAK, stored_values(1201), "commpeak-batch-7")
    assert (exported.filename, exported.mimetype) == ("commpeak-batch-7.zip", ZIP_TYPE)
    found = parts(exported.content)
    assert list(found) == [f"commpeak-batch-7-part-{n}-of-3.csv" for n in (1, 2, 3)]
    header = [c.header for c in COMMPEAK.columns]
    assert all(lines[0] == header for lines in found.values())
    assert [len(lines) - 1 for lines in found.values()] == [500, 500, 201]
    assert [line[0] for lines in found.values() for line in lines[1:]] == [f"agent{i}" for i in range(1201)]
    assert export_rows(COMMPEAK, stored_values(1201), "commpeak-batch-7").content == exported.content  # stable
    assert export_rows(COMMPEAK, stored_values(500), "c").filename == "c.csv"  # 500 fit in one file


def test_the_api_takes_1200_users_and_every_exported_file_validates_for_the_dialer(served_sqlite, tmp_path):
    served = served_sqlite
    rows = example_rows("commpeak", 1200, 600_000)
    created = requests.post(served.url + "/api/v1/imports", json={"profile": "commpeak", "rows": rows},
                            headers=served.headers(str(uuid.uuid4())), timeout=120)
    assert created.status_code == 201, created.text[:500]
    batch_id = created.json()["batch_id"]
    assert created.json()["accepted"] == 1200
    assert created.json()["export_files"] == 3  # the answer says how many files the export makes
    listed = requests.get(f"{served.url}/api/v1/imports/{batch_id}", headers=served.headers(), timeout=120).json()
    assert listed["export_files"] == 3
    answer = requests.get(f"{served.url}/api/v1/imports/{batch_id}/export", headers=served.headers(), timeout=120)
    assert answer.headers["Content-Type"] == ZIP_TYPE
    assert f'filename="commpeak-batch-{batch_id}.zip"' in answer.headers["Content-Disposition"]
    users = []
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert archive.namelist() == [f"commpeak-batch-{batch_id}-part-{n}-of-3.csv" for n in (1, 2, 3)]
        archive.extractall(tmp_path)
    for name in sorted(p.name for p in tmp_path.glob("*.csv")):
        report = validate_cli(tmp_path / name, "commpeak")  # exit 0: a file the dialer takes
        assert report["errors"] == 0 and report["rows"] <= 500 and report["notes"] == []
        users += [line[0] for line in csv.reader(io.StringIO((tmp_path / name).read_text("utf-8")))][1:]
    assert users == [row["Username"] for row in rows]


def test_validate_a_workbook_notes_the_files_but_a_csv_for_the_dialer_is_an_error(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in COMMPEAK.columns[:4]])
    for values in stored_values(600):
        sheet.append(list(values.values()))
    book.save(tmp_path / "agents.xlsx")
    done = subprocess.run([*rosterbook_command(), "validate", str(tmp_path / "agents.xlsx"), "--profile", "commpeak",
                           "--no-copy"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert NOTE.format(files=2) in done.stdout and "0 errors" in done.stdout
    lines = ["Username,Email,Virtual Extension,Role"] + [",".join(v.values()) for v in stored_values(600)]
    (tmp_path / "agents.csv").write_text("\r\n".join(lines), "utf-8")
    done = subprocess.run([*rosterbook_command(), "validate", str(tmp_path / "agents.csv"), "--profile", "commpeak",
                           "--no-copy"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "This file has 600 users; CommPeak accepts at most 500 per file" in done.stdout


def test_the_upload_page_takes_600_users_and_says_how_many_files_the_export_makes(app):
    create_admin(app)
    web = WebClient(app)
    web.sign_in()
    lines = ["Username,Email,Virtual Extension,Role"] + [",".join(v.values()) for v in stored_values(600, 3000)]
    data = {"csrf_token": web.token("/upload"), "profile": "commpeak",
            "file": (io.BytesIO("\r\n".join(lines).encode()), "agents.csv")}
    page = web.post("/upload", data=data, content_type="multipart/form-data").text
    assert NOTE.format(files=2).replace("'", "&#39;") in page and "Import the 600 valid rows" in page
    answer = web.press(page, "Import")
    assert answer.status_code == 302
    batch_page = web.get(answer.headers["Location"]).text
    assert "Download the CommPeak upload files (a ZIP of 2)" in batch_page
    download = web.get(answer.headers["Location"] + "/export")
    assert download.mimetype == ZIP_TYPE and len(parts(download.data)) == 2


def test_the_template_s_validate_takes_600_users_and_says_how_many_files(press):
    rows = [{"Username": v["username"], "Email": v["email"], "Virtual Extension": v["virtual_extension"],
             "Role": v["role"]} for v in stored_values(600)]
    model = WorkbookModel.from_template(COMMPEAK, rows)
    press(model, "validate")
    prompt = model.alerts[-1]["prompt"]
    assert "Checked 600 users: 600 OK, 0 with errors." in prompt and NOTE.format(files=2) in prompt
    assert model.alerts[-1]["mode"] != "critical"


def test_a_batch_of_a_format_the_server_no_longer_knows_still_lists(app, client, auth_headers):
    from server.db import session_scope
    from server.models import Batch, utcnow

    with session_scope(app) as session:
        session.add(Batch(profile="retired", submitted_by="old", source={}, accepted=3, rejected=0, duplicates=0,
                          request_hash="", created_at=utcnow()))
        session.commit()
    listed = client.get("/api/v1/imports", headers=auth_headers)
    assert listed.status_code == 200 and listed.json["items"][0]["export_files"] == 1
    assert client.get(f"/api/v1/imports/{listed.json['items'][0]['batch_id']}", headers=auth_headers).status_code == 200
