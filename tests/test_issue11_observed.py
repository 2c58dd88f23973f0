"""Issue 11's "Observed" list, case by case, as an admin meets each: `rosterbook validate` run as the
installed command in a subprocess, and the upload page ("Check a file"). Each test names the case.
Closer tests of each part: test_phone_table, test_headers, test_encodings, test_sheet_and_header,
test_hidden_and_merged, test_upload_columns, test_cli_admin."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from openpyxl import Workbook, load_workbook

from addin.rules.settings import CONF_SHEET, PROFILE_KEY
from tests.cli import ROSTERBOOK, run_validate, write_csv
from tests.conftest import EXAMPLES, ROOT
from tests.web_client import admin, forms, web  # noqa: F401


def text(page) -> str:
    return page.text.replace("&#39;", "'").replace("&amp;", "&")


def report(done) -> dict:
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- wrong phone repairs

PANEL = "ann,Pw-one-1,,,,,,,0215552626\r\nbob,Pw-two-2,,,,,,,06 12 34 56 78\r\n"
WRONG = ("+10215552626", "+10612345678")


def test_phones_without_a_country_code_are_not_given_the_us_code_cli(tmp_path):
    path = write_csv(tmp_path / "panel.csv", PANEL)
    done = run_validate(path, "--profile", "controlpanel", "--json", check_exit=0)
    phones = [f for f in report(done)["findings"] if f["column"] == "Phone"]
    assert [(f["level"], f["fixed_value"]) for f in phones] == [("warning", None), ("warning", None)]
    assert "France '+33612345678'" in phones[1]["message"] and "has no country code" in phones[1]["message"]
    assert not any(w in done.stdout for w in WRONG)
    copy = load_workbook(tmp_path / "panel.checked.xlsx").active
    assert [copy["J1"].value, copy["J2"].value] == ["0215552626", "06 12 34 56 78"]  # kept as typed
    fixed = report(run_validate(path, "--profile", "controlpanel", "--region", "FR", "--json", check_exit=0))
    [_, second] = [f for f in fixed["findings"] if f["column"] == "Phone"]
    assert (second["level"], second["fixed_value"]) == ("fixed", "+33612345678")
    assert "(was '06 12 34 56 78')" in second["message"]  # the original quoted
    note = load_workbook(tmp_path / "panel.checked.xlsx").active["J2"].comment
    assert note is not None and "06 12 34 56 78" in note.text  # and kept in the copy


def test_phones_without_a_country_code_are_not_given_the_us_code_upload(web):
    page = text(web.upload(PANEL.encode(), "panel.csv", profile="controlpanel"))
    assert not any(w in page for w in WRONG)
    assert "France '+33612345678'" in page and "<strong>0</strong> repairs" in page
    page = text(web.upload(PANEL.encode(), "panel.csv", profile="controlpanel", region="FR"))
    assert "'+33612345678' (was '06 12 34 56 78')" in page


# --------------------------------------------------------------------------- encodings

POLISH = "Type,LastName,FirstName,Email,Extension\r\nUser,Wałęsa,Łukasz,lw@example.com,2001\r\n"
UNICODE_TEXT = ("\ufeffType\tLastName\tFirstName\tEmail\tExtension\r\n"
                "User\tWałęsa\tŁukasz\tlw@example.com\t2001\r\n"
                "Robot\tДвořák\tТомаш\ttd@example.com\t2002\r\n")


def test_windows_1250_is_not_read_as_windows_1252_cli(tmp_path):
    done = run_validate(write_csv(tmp_path / "pl.csv", POLISH, "cp1250"), check_exit=0)
    assert "£ukasz" not in done.stdout and "Windows-1250 (Central European)" in done.stdout
    row = next(load_workbook(tmp_path / "pl.checked.xlsx").active.iter_rows(min_row=2, values_only=True))
    assert row[2:4] == ("Wałęsa", "Łukasz")


def test_windows_1250_is_not_read_as_windows_1252_upload(web):
    page = text(web.upload(POLISH.encode("cp1250"), "pl.csv"))
    assert "Windows-1250 (Central European)" in page and "Import the 1 valid row" in page


def test_unicode_text_is_read_cli(tmp_path):
    path = tmp_path / "users.txt"
    path.write_bytes(UNICODE_TEXT.encode("utf-16-le"))
    done = run_validate(path, "--json", "--no-copy", check_exit=1)
    found = report(done)
    assert found["profile"] == "pbx" and found["rows"] == 2
    assert [(f["row"], f["column"]) for f in found["findings"]] == [(3, "Type")]  # the bad row, and only it


def test_unicode_text_is_read_upload(web):
    page = web.upload(UNICODE_TEXT.encode("utf-16-le"), "users.txt")
    assert page.status_code == 200
    page = text(page)
    assert "Every row is OK" not in page and "Type: " in page and "Import the 1 valid row" in page


# --------------------------------------------------------------------------- headers

IPLUM_SPELLINGS = ("iPlum ID (phone/email),Phone #,E-Mail,Full Name\r\nemail,,ann@example.com,Ann Lee\r\n"
                   "email,,bob@example.com,Bob Ray\r\n")


@pytest.mark.parametrize("email", ["e-mail", "E-Mail", "email address"])
def test_header_spellings_are_the_columns_cli(tmp_path, email):
    csv = IPLUM_SPELLINGS.replace("E-Mail", email)
    done = run_validate(write_csv(tmp_path / "h.csv", csv), "--json", "--no-copy", check_exit=0)
    found = report(done)
    assert found["profile"] == "iplum" and found["unknown_columns"] == []
    assert not any("not part of the" in f["message"] or "is missing" in f["message"] for f in found["findings"])


def test_header_spellings_are_the_columns_upload(web):
    page = text(web.upload(IPLUM_SPELLINGS.encode(), "h.csv"))
    assert "checked as iPlum" in page and "Import the 2 valid rows" in page and "is missing" not in page


SKILGROUP = "Username,Email,Virtual Extension,Role,Skilgroup\r\nagent.one,one@example.com,1001,3,7\r\n"
TRAILEND = ("fname,lname,username,email,company,action,trialStart,trailEnd\r\n"
            "Ann,Lee,alee@acme.ipass.com,ann@acme.com,12345,create,2026-01-01,2026-03-31\r\n")


def test_misspelt_headers_say_what_they_meant_cli(tmp_path):
    skil = report(run_validate(write_csv(tmp_path / "s.csv", SKILGROUP), "--json", "--no-copy", check_exit=1))
    [error] = [f for f in skil["findings"] if f["level"] == "error"]
    assert "did you mean 'Skill Group'?" in error["message"]  # an error: its values are not dropped quietly
    trail = report(run_validate(write_csv(tmp_path / "t.csv", TRAILEND), "--json", "--no-copy", check_exit=1))
    messages = [f["message"] for f in trail["findings"]]
    assert any("did you mean 'trialEnd'?" in m for m in messages)
    [needed] = [m for m in messages if m.startswith("trialEnd: trialStart is filled")]
    assert "column H is headed 'trailEnd'" in needed


@pytest.mark.parametrize("content, name, column", [(SKILGROUP, "s.csv", "skill_group"), (TRAILEND, "t.csv", "trial_end")])
def test_misspelt_headers_are_proposed_as_what_they_meant_upload(web, content, name, column):
    step = web.upload(content.encode(), name)
    [form] = [f for f in forms(step.text) if "Check with these columns" in f.buttons]
    assert column in form.fields.values()
    result = text(web.press(step.text, "Check with these columns"))
    assert "Import the 1 valid row" in result and "did you mean" not in result and "is needed too" not in result


# --------------------------------------------------------------------------- sheet and header row

def cover_and_title(path):
    book = Workbook()
    book.active.title = "Cover"
    book.active.append(["ACME: new staff"])
    users = book.create_sheet("Users")
    users.append(["New staff, March 2026"])
    users.append(["Type", "LastName", "Extension"])
    users.append(["User", "Poe", "2001"])
    book.save(path)
    return path


def test_the_users_sheet_and_header_row_are_found_and_named_cli(tmp_path):
    done = run_validate(cover_and_title(tmp_path / "c.xlsx"), "--no-copy", check_exit=0)
    assert "Required column 'Type' is missing" not in done.stdout
    assert "Read: Sheet 'Users'" in done.stdout and "Read: Header on row 2" in done.stdout


def test_the_users_sheet_and_header_row_are_found_and_named_upload(web, tmp_path):
    page = text(web.upload(cover_and_title(tmp_path / "c.xlsx").read_bytes(), "c.xlsx"))
    assert "Import the 1 valid row" in page and "Sheet 'Users'" in page and "Header on row 2" in page


# --------------------------------------------------------------------------- merged and hidden rows

def merged_and_hidden(path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Type", "LastName", "Email", "Extension"])
    sheet.append(["User", "Poe", "ed@example.com", "2001"])
    sheet.append([None, "Lee", "ann@example.com", "2002"])
    sheet.append(["User", "Kim", "ed@example.com", "2003"])
    sheet.merge_cells("A2:A3")
    sheet.row_dimensions[4].hidden = True
    book.save(path)
    return path


def test_merged_and_hidden_rows_are_said_cli(tmp_path):
    path = merged_and_hidden(tmp_path / "m.xlsx")
    messages = {(f["row"], f["message"]) for f in
                report(run_validate(path, "--json", "--no-copy", check_exit=1))["findings"]}
    assert (3, "Type: required, but the cell is empty (A2:A3 are merged: only A2 holds a value; unmerge the cells "
               "and fill in each one)") in messages
    assert (2, "Email: 'ed@example.com' is also in row 4 (hidden); each user must appear only once") in messages
    assert any(row == 4 and m.startswith("This row is hidden in the sheet") for row, m in messages)
    skipped = report(run_validate(path, "--skip-hidden", "--json", "--no-copy", check_exit=1))
    assert skipped["rows"] == 2 and not any(f["row"] == 4 for f in skipped["findings"])


def test_merged_and_hidden_rows_are_said_upload(web, tmp_path):
    content = merged_and_hidden(tmp_path / "m.xlsx").read_bytes()
    page = text(web.upload(content, "m.xlsx"))
    assert "A2:A3 are merged: only A2 holds a value" in page and "is also in row 4 (hidden)" in page
    left_out = text(web.upload(content, "m.xlsx", skip_hidden="1"))
    assert "Row 4 is hidden in the sheet (or filtered out): left out, as asked." in left_out
    assert "Import the 1 valid row" in left_out


# --------------------------------------------------------------------------- smaller

def test_the_examples_name_their_format_cli(tmp_path):
    source = shutil.copy(EXAMPLES / "iplum.xlsx", tmp_path / "iplum.xlsx")
    done = run_validate(source, "--no-copy", check_exit=1)
    assert done.stdout.startswith("iPlum (iplum)") and "Unknown" not in done.stderr
    assert run_validate(source, "--profile", "IPlum", "--no-copy", check_exit=1).stdout.startswith("iPlum (iplum)")
    book = load_workbook(source)
    assert book[CONF_SHEET]["A1"].value == PROFILE_KEY and book[CONF_SHEET]["B1"].value == "iplum"


def test_the_examples_name_their_format_upload(web):
    page = text(web.upload((EXAMPLES / "pbx.xlsx").read_bytes(), "pbx.xlsx"))
    assert "pbx.xlsx: checked as Hosted PBX" in page
    assert "checked as iPlum" in text(web.upload((EXAMPLES / "iplum.xlsx").read_bytes(), "i.xlsx", profile="IPlum"))


def test_a_file_with_only_a_header_is_an_error_cli(tmp_path):
    done = run_validate(write_csv(tmp_path / "e.csv", "Type,LastName,Extension\r\n"), "--no-copy", check_exit=1)
    assert "0 rows, 1 errors" in done.stdout and "There are no users in this file" in done.stdout


def test_a_file_with_only_a_header_is_an_error_upload(web):
    page = web.upload(b"Type,LastName,Extension\r\n", "e.csv")
    assert page.status_code == 400 and "has no rows under its header" in page.text


FIXES = ("iPlum ID (phone/email),Phone #,Email,Name\r\n"
         + "".join(f"Email,,u{i}@EXAMPLE.com,User {i}\r\n" for i in range(9)))


def test_the_summary_says_what_was_fixed_cli(tmp_path):
    done = run_validate(write_csv(tmp_path / "f.csv", FIXES), "--no-copy", check_exit=0)
    assert "0 errors, 0 warnings, 18 fixed" in done.stdout
    repaired = [line for line in done.stdout.splitlines() if line.startswith("  row ")]
    assert len(repaired) == 18 and "(was 'Email')" in repaired[0] and "(was 'u0@EXAMPLE.com')" in repaired[1]


def test_the_summary_says_what_was_fixed_upload(web):
    page = text(web.upload(FIXES.encode(), "f.csv"))
    assert "<strong>18</strong> repairs" in page and "(was 'u8@EXAMPLE.com')" in page


def test_piping_into_head_prints_no_traceback_cli(tmp_path):
    path = write_csv(tmp_path / "big.csv", FIXES * 200)
    done = subprocess.run(f"'{ROSTERBOOK}' validate '{path}' --profile iplum --no-copy | head -n 1", shell=True,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("iPlum (iplum)") and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("template", ["controlpanel", "iplum"])
def test_the_instructions_sheets_use_no_internal_word(template):
    book = load_workbook(ROOT / "workbooks" / f"{template}.xlsm", read_only=True)
    words = " ".join(str(v) for row in book["Instructions"].iter_rows(values_only=True) for v in row if v)
    assert "seed" not in words.casefold() and "default_region" not in words


PBX_SCIENTIFIC = "Type,LastName,Extension,HomePhone,IncomingDID\r\nUser,Poe,2001,1.40855E+10,1.40855E+10\r\n"


def test_scientific_notation_in_a_digits_only_column_asks_for_no_plus_cli(tmp_path):
    found = report(run_validate(write_csv(tmp_path / "p.csv", PBX_SCIENTIFIC), "--json", "--no-copy", check_exit=1))
    home, did = (next(f["message"] for f in found["findings"] if f["column"] == c) for c in ("HomePhone", "IncomingDID"))
    assert "scientific notation" in home and "starting with +" not in home
    assert "starting with + and the country code" in did


def test_scientific_notation_in_a_digits_only_column_asks_for_no_plus_upload(web):
    page = text(web.upload(PBX_SCIENTIFIC.encode(), "p.csv"))
    home = next(item for item in page.split("</li>") if "HomePhone:" in item)
    assert "scientific notation" in home and "starting with +" not in home


IPLUM_NATIONAL = "iPlum ID (phone/email),Phone #,Email,Name\r\nphone,4155550123,ann@example.com,Ann Lee\r\n"


def test_iplums_phone_region_does_what_it_says_cli(tmp_path):
    path = write_csv(tmp_path / "n.csv", IPLUM_NATIONAL)
    [error] = report(run_validate(path, "--json", "--no-copy", check_exit=1))["findings"]
    assert "United States '+14155550123'" in error["message"]
    [fixed] = report(run_validate(path, "--region", "US", "--json", "--no-copy", check_exit=0))["findings"]
    assert fixed["fixed_value"] == "+14155550123"


def test_iplums_phone_region_does_what_it_says_upload(web):
    assert "United States '+14155550123'" in text(web.upload(IPLUM_NATIONAL.encode(), "n.csv"))
    assert "'+14155550123' (was '4155550123')" in text(web.upload(IPLUM_NATIONAL.encode(), "n.csv", region="US"))


def test_what_the_readme_says_of_passwords_is_true(tmp_path):
    readme = (ROOT / "README.md").read_text()
    assert "Passwords never appear in any output" not in readme
    assert "The annotated copy is your own working file: like the file you checked, it\n  keeps the passwords" in readme
    path = write_csv(tmp_path / "panel.csv", "ann,Secret-Pass-1\r\n")
    done = run_validate(path, "--profile", "controlpanel", "--json", check_exit=0)
    assert "Secret-Pass-1" not in done.stdout + done.stderr
    assert load_workbook(tmp_path / "panel.checked.xlsx").active["C1"].value == "Secret-Pass-1"
