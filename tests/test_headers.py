"""Header rows as admins write them: other spellings of a column are that column, a close
misspelling is an error that names the column meant, and a missing required column always names
the file's column that may be it."""
from __future__ import annotations

import json

import pytest

from addin.profiles import get_profile
from addin.rules.engine import validate
from addin.rules.findings import Level
from tests.cli import run_validate, write_csv

IPLUM = get_profile("iplum")
IPASS = get_profile("ipass")
COMMPEAK = get_profile("commpeak")


def file_findings(report):
    """The header's findings, without iPlum's reminder that it wants its header row word for word."""
    return [(f.level, f.message) for f in report.file_findings if "wants the header row exactly" not in f.message]


@pytest.mark.parametrize("header", [
    ["iPlum ID (phone/email)", "Phone #", "E-Mail", "Full Name"],
    ["iplum id", "phone number", "email address", "full name"],
    ["IPLUM_ID", "Phone", "e-mail", "Name"],
    ["iPlum ID (phone / email)", "PHONE-NUMBER", "E_Mail Address", "NAME"],
])
def test_other_spellings_of_a_column_are_that_column(header):
    report = validate(IPLUM, [header, ["email", None, "ann@example.com", "Ann"]])
    assert [c.key for _, c in report.header.positions] == ["login_type", "phone", "email", "name"]
    assert [f for f in report.file_findings if f.level is Level.ERROR] == []
    assert report.rows[0].values["email"] == "ann@example.com"


def test_a_misspelt_optional_column_is_an_error_naming_the_column_meant():
    report = validate(COMMPEAK, [["Username", "Email", "Virtual Extension", "Role", "Skilgroup"],
                                 ["a.one", "a@example.com", "1001", "3", "7"]])
    [(level, message)] = file_findings(report)
    assert level is Level.ERROR  # its values would otherwise vanish with only a warning
    assert "'Skilgroup' (column E)" in message and "did you mean 'Skill Group'?" in message
    assert report.as_json()["unknown_columns"] == [
        {"column": "E", "header": "Skilgroup", "suggestion": "Skill Group", "candidates": ["Skill Group"]}]


def test_trail_end_is_pointed_at_where_trial_end_is_needed():
    header = ["fname", "lname", "username", "email", "company", "action", "trialStart", "trailEnd"]
    row = ["Ann", "Lee", "alee@acme.ipass.com", "ann@acme.com", "12345", "create", "2026-01-01", "2026-03-31"]
    report = validate(IPASS, [header, row])
    [(level, message)] = file_findings(report)
    assert level is Level.ERROR and "did you mean 'trialEnd'?" in message and "(column H)" in message
    [finding] = report.rows[0].findings
    assert finding.message.startswith("trialEnd: trialStart is filled, so trialEnd is needed too")
    assert "column H is headed 'trailEnd'" in finding.message


def test_a_missing_required_column_names_its_likely_candidate():
    report = validate(IPLUM, [["iPlum ID (phone/email)", "Phone #", "Mail addr", "Name"],
                              ["email", None, "ann@example.com", "Ann"]])
    [(level, message)] = file_findings(report)
    assert level is Level.ERROR and "'Mail addr' (column C)" in message and "did you mean 'Email'?" in message
    assert "required column" in message


def test_a_missing_required_column_without_a_close_header_lists_the_unread_columns():
    report = validate(IPLUM, [["iPlum ID (phone/email)", "Phone #", "Contact", "Name"],
                              ["email", None, "ann@example.com", "Ann"]])
    messages = [m for level, m in file_findings(report) if level is Level.ERROR]
    assert messages == ["Required column 'Email' is missing: add it to the header row, or rename the column "
                        "that holds it (the columns not part of the format are 'Contact' (C))"]


def test_a_misspelt_header_next_to_its_column_is_a_warning_naming_both():
    report = validate(IPLUM, [["iPlum ID (phone/email)", "Phone #", "Email", "Name", "Emial"],
                              ["email", None, "ann@example.com", "Ann", "x"]])
    [(level, message)] = file_findings(report)
    assert level is Level.WARNING and "resembles 'Email', which is column C" in message


def test_header_work_is_done_once_per_file_not_per_row(monkeypatch):
    from rapidfuzz import process  # imported by the header check when it meets an unknown header
    calls = []
    original = process.extract
    monkeypatch.setattr(process, "extract", lambda *a, **k: calls.append(1) or original(*a, **k))
    rows = [["Username", "Email", "Virtual Extension", "Role", "Skilgroup"]]
    rows += [[f"u{i}", f"u{i}@example.com", str(1000 + i), "3", "7"] for i in range(500)]
    validate(COMMPEAK, rows)
    assert len(calls) == 1


def test_the_command_line_says_did_you_mean(tmp_path):
    csv = write_csv(tmp_path / "trial.csv", "fname,lname,username,email,company,action,trialStart,trailEnd\r\n"
                                            "Ann,Lee,alee@acme.ipass.com,ann@acme.com,12345,create,2026-01-01,2026-03-31\r\n")
    done = run_validate(csv, "--profile", "ipass", "--no-copy", check_exit=1)
    assert "did you mean 'trialEnd'?" in done.stdout and "column H is headed 'trailEnd'" in done.stdout
    report = json.loads(run_validate(csv, "--profile", "ipass", "--no-copy", "--json", check_exit=1).stdout)
    assert report["unknown_columns"][0]["suggestion"] == "trialEnd"
