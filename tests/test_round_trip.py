"""The round trip, for every format: the example workbook's valid rows (passwords included) imported
into a real `rosterbook serve` over loopback, the export downloaded, and `rosterbook validate
--profile P` run on it as an admin would: zero errors, the same users with the same values,
passwords included while they are held. The control panel's file also parses as its seed's
grammar (11 positional values, optional ones as empty fields, trailing empties left off)."""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
import requests

from addin.files.offline import check_file
from addin.profiles import all_profiles, get_profile
from addin.rules.import_request import import_request
from tests.conftest import EXAMPLES
from tests.serve_process import rosterbook_command

PROFILES = list(all_profiles())


def filled(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def exported_files(answer: requests.Response, folder: Path) -> list[Path]:
    """The downloaded file, or the files of a downloaded ZIP, on disk as the admin would have them."""
    name = re.search(r'filename="([^"]+)"', answer.headers["Content-Disposition"]).group(1)
    if not name.endswith(".zip"):
        path = folder / name
        path.write_bytes(answer.content)
        return [path]
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        archive.extractall(folder)
        return [folder / member for member in archive.namelist()]


def validate_cli(path: Path, profile_id: str) -> dict:
    done = subprocess.run([*rosterbook_command(), "validate", str(path), "--profile", profile_id, "--json",
                           "--no-copy"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def import_and_export(served, body: dict, folder: Path) -> tuple[dict, list[Path]]:
    created = requests.post(served.url + "/api/v1/imports", json=body, headers=served.headers(str(uuid.uuid4())),
                            timeout=120)
    assert created.status_code == 201, created.text
    result = created.json()
    answer = requests.get(f"{served.url}/api/v1/imports/{result['batch_id']}/export", headers=served.headers(),
                          timeout=120)
    assert answer.status_code == 200, answer.text
    return result, exported_files(answer, folder)


@pytest.mark.parametrize("profile_id", PROFILES)
def test_the_export_of_an_example_s_valid_rows_validates_as_the_same_users_and_values(served_sqlite, profile_id,
                                                                                      tmp_path):
    round_trip(served_sqlite, profile_id, tmp_path)


def test_the_round_trip_of_every_format_on_postgresql(serve, postgres_url, tmp_path):
    served = serve(database_url=postgres_url)
    for profile_id in PROFILES:
        (tmp_path / profile_id).mkdir()
        round_trip(served, profile_id, tmp_path / profile_id)


def round_trip(served, profile_id: str, folder: Path) -> None:
    checked = check_file(EXAMPLES / f"{profile_id}.xlsx", profile_id, annotate=False)
    valid = [r for r in checked.report.rows if r.ok]
    body = import_request(checked.report, valid, workbook=f"{profile_id}.xlsx", conf=checked.table.settings)
    result, [path] = import_and_export(served, body, folder)
    assert result["accepted"] == len(valid) > 0

    report = validate_cli(path, profile_id)
    assert (report["errors"], report["rows"]) == (0, len(valid))
    again = check_file(path, profile_id, annotate=False)
    assert [filled(r.values) for r in again.report.rows] == [filled(r.values) for r in valid]
    secret = [c.key for c in get_profile(profile_id).columns if c.secret]
    sent_passwords = [r.values.get(key) for r in valid for key in secret if r.values.get(key)]
    assert [r.values.get(key) for r in again.report.rows for key in secret if r.values.get(key)] == sent_passwords
    if profile_id in ("controlpanel", "ipass"):
        assert sent_passwords  # the examples do carry passwords, so this compares something


CONTROL_PANEL_LINE = re.compile(  # the seed's format line, one value per field
    r"(?P<username>[A-Za-z0-9]{1,15}),(?P<password>[^,]+)"
    r"(?:,(?P<rest>.*))?")
BOOLEAN = {"", "TRUE", "FALSE", "true", "false", "1", "0", "yes", "no"}


def test_the_control_panel_export_parses_as_the_seed_s_grammar(served_sqlite, tmp_path):
    checked = check_file(EXAMPLES / "controlpanel.xlsx", "controlpanel", annotate=False)
    valid = [r for r in checked.report.rows if r.ok]
    body = import_request(checked.report, valid, workbook="grammar.xlsx", conf={})
    body["rows"] = [{**row, "Username": row["Username"] + "g"} for row in body["rows"]]  # users of their own
    _, [path] = import_and_export(served_sqlite, body, tmp_path)
    text = path.read_bytes().decode("utf-8")
    assert text.endswith("\r\n") and not text.startswith("Username")  # no header line
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert len(lines) == len(valid)
    for fields, sent in zip(lines, body["rows"]):
        assert 2 <= len(fields) <= 11 and fields[-1] != ""  # trailing empty values left off
        assert CONTROL_PANEL_LINE.fullmatch(",".join(fields)), fields
        assert (fields[0], fields[1]) == (sent["Username"], sent["Password"])
        padded = fields + [""] * (11 - len(fields))
        assert padded[6] in BOOLEAN and padded[10] in BOOLEAN
    assert any(len(fields) < 11 for fields in lines) and any("" in fields for fields in lines)
