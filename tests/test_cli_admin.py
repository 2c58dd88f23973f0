"""`rosterbook validate` as an admin (or an admin's script) uses it: which format, honest summaries,
the phone region, the checked copy keeping originals, and texts without internal words."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from openpyxl import Workbook, load_workbook

from addin.profiles import all_profiles, get_profile
from addin.rules.engine import check_cell
from addin.rules.fields import Context
from addin.rules.settings import CONF_SHEET, PROFILE_KEY, SETTING_PREFIX
from addin.template.instructions import instruction_lines
from tests.cli import ROSTERBOOK, run_validate, write_csv
from tests.conftest import EXAMPLES

IPLUM_HEADER = "iPlum ID (phone/email),Phone #,Email,Name\r\n"


class TestWhichFormat:
    def test_an_example_workbook_says_its_format(self, tmp_path):
        source = shutil.copy(EXAMPLES / "pbx.xlsx", tmp_path / "pbx.xlsx")
        done = run_validate(source, "--no-copy", check_exit=1)
        assert done.stdout.startswith("Hosted PBX (pbx):") and "as the workbook's settings say" in done.stdout
        assert done.stderr == ""

    @pytest.mark.parametrize("name", ["IPlum", "IPLUM", " iplum "])
    def test_format_names_are_case_insensitive(self, tmp_path, name):
        csv = write_csv(tmp_path / "ok.csv", IPLUM_HEADER + "phone,+14155550123,ana@example.com,Ana\r\n")
        assert run_validate(csv, "--profile", name, "--no-copy", check_exit=0).stdout.startswith("iPlum (iplum)")

    def test_build_takes_any_case_too(self, tmp_path):
        done = subprocess.run([str(ROSTERBOOK), "build", "--out", str(tmp_path), "--profile", "IPlum"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and (tmp_path / "iplum.xlsm").exists(), done.stderr

    def test_a_csv_is_recognised_by_its_headers_and_says_so(self, tmp_path):
        csv = write_csv(tmp_path / "users.csv", "Type,LastName,Extension,E-Mail\r\nUser,Poe,2001,poe@example.com\r\n")
        done = run_validate(csv, "--no-copy", check_exit=0)
        assert done.stdout.startswith("Hosted PBX (pbx)") and "recognised by the file's header row" in done.stdout
        report = json.loads(run_validate(csv, "--no-copy", "--json", check_exit=0).stdout)
        assert report["profile"] == "pbx" and report["profile_from"] == "headers"

    def test_two_formats_equally_close_are_refused_naming_both(self, tmp_path):
        csv = write_csv(tmp_path / "users.csv", "Username,Email\r\nann,ann@example.com\r\n")
        done = run_validate(csv, "--no-copy", check_exit=2)
        assert "cannot tell which format" in done.stderr and "equally well" in done.stderr
        assert "CommPeak (commpeak)" in done.stderr and "--profile" in done.stderr
        assert done.stdout == "" and "Traceback" not in done.stderr


class TestHonestSummaries:
    def test_a_file_with_no_users_is_an_error(self, tmp_path):
        done = run_validate(write_csv(tmp_path / "empty.csv", IPLUM_HEADER), "--profile", "iplum", "--no-copy",
                            check_exit=1)
        assert "0 rows, 1 errors" in done.stdout and "There are no users in this file" in done.stdout

    def test_the_summary_lists_the_repairs_then_a_count_and_the_file_findings(self, tmp_path):
        lines = [f"Phone,+14155550{100 + i},u{i}@EXAMPLE.com,User {i}" for i in range(25)]
        csv = write_csv(tmp_path / "many.csv", "iPlum ID (phone/email),Phone #,Email,Name,Notes\r\n"
                        + "\r\n".join(f"{line}," for line in lines) + "\r\n")
        done = run_validate(csv, "--profile", "iplum", "--no-copy", check_exit=0)
        out = done.stdout.splitlines()
        start = out.index(next(line for line in out if line.startswith("Repaired")))
        repairs = out[start + 1:start + 22]
        assert len([r for r in repairs if r.startswith("  row ")]) == 20
        assert repairs[-1] == "  ... and 30 more repaired values"  # 25 login types and 25 domains: 50 in all
        assert "(was 'Phone')" in repairs[0]
        assert "About the whole file:" in out and any("'Notes' (column E)" in line for line in out)

    def test_quiet_prints_nothing_and_the_exit_status_still_tells(self, tmp_path):
        bad = write_csv(tmp_path / "bad.csv", IPLUM_HEADER + "phone,4081231234,ana@example.com,Ana\r\n")
        done = run_validate(bad, "--profile", "iplum", "--quiet", check_exit=1)
        assert done.stdout == "" and done.stderr == ""
        assert (tmp_path / "bad.checked.xlsx").exists()  # the copy is still written
        good = write_csv(tmp_path / "good.csv", IPLUM_HEADER + "phone,+14155550123,ana@example.com,Ana\r\n")
        assert run_validate(good, "--profile", "iplum", "--quiet", "--no-copy", check_exit=0).stdout == ""

    def test_a_closed_pipe_is_no_traceback(self, tmp_path):
        rows = "".join(f"phone,40812{i:05d},user{i}@example.com,User {i}\r\n" for i in range(3000))
        csv = write_csv(tmp_path / "big.csv", IPLUM_HEADER + rows)
        for options in (["--json"], []):
            done = subprocess.run(f"'{ROSTERBOOK}' validate '{csv}' --profile iplum --no-copy {' '.join(options)} "
                                  "| head -c 100", shell=True, capture_output=True, text=True, timeout=120)
            assert len(done.stdout) == 100
            assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


class TestPhoneRegion:
    CSV = "Type,LastName,Extension,IncomingDID\r\nUser,Dupont,2001,06 12 34 56 78\r\n"

    def test_region_on_the_command_line_completes_national_numbers(self, tmp_path):
        csv = write_csv(tmp_path / "fr.csv", self.CSV)
        plain = json.loads(run_validate(csv, "--profile", "pbx", "--json", "--no-copy", check_exit=1).stdout)
        [error] = plain["findings"]
        assert error["level"] == "error" and "France '+33612345678'" in error["message"]
        done = run_validate(csv, "--profile", "pbx", "--region", "fr", "--json", check_exit=0)
        [fixed] = json.loads(done.stdout)["findings"]
        assert (fixed["level"], fixed["value"], fixed["fixed_value"]) == ("fixed", "06 12 34 56 78", "+33612345678")
        assert "(was '06 12 34 56 78')" in fixed["message"]

    def test_the_checked_copy_keeps_the_original_in_a_note(self, tmp_path):
        csv = write_csv(tmp_path / "fr.csv", self.CSV)
        run_validate(csv, "--profile", "pbx", "--region", "FR", check_exit=0)
        cell = load_workbook(tmp_path / "fr.checked.xlsx").active["E2"]  # the Status column is first
        assert cell.value == "+33612345678"
        assert cell.comment is not None and "06 12 34 56 78" in cell.comment.text

    def test_a_workbooks_phone_region_setting_is_used(self, tmp_path):
        book = Workbook()
        book.active.append(["Type", "LastName", "Extension", "IncomingDID"])
        book.active.append(["User", "Dupont", "2001", "06 12 34 56 78"])
        conf = book.create_sheet(CONF_SHEET)
        conf.append([PROFILE_KEY, "pbx"])
        conf.append([SETTING_PREFIX + "phone_region", "FR"])
        book.save(tmp_path / "fr.xlsx")
        report = json.loads(run_validate(tmp_path / "fr.xlsx", "--json", "--no-copy", check_exit=0).stdout)
        assert [f["fixed_value"] for f in report["findings"]] == ["+33612345678"]
        assert report["settings"]["phone_region"] == "FR"

    def test_an_unknown_region_is_refused(self, tmp_path):
        done = run_validate(write_csv(tmp_path / "fr.csv", self.CSV), "--profile", "pbx", "--region", "XX",
                            check_exit=2)
        assert "--region" in done.stderr and "'XX'" in done.stderr and "Traceback" not in done.stderr

    def test_the_setting_no_longer_assumes_a_country(self):
        field = get_profile("iplum").settings_model.model_fields["phone_region"]
        assert field.default is None and "assumed" not in field.description
        assert "default_region" not in get_profile("iplum").settings_model.model_fields


class TestPasswords:
    def test_no_output_but_the_admins_own_copy_holds_a_password(self, tmp_path):
        csv = write_csv(tmp_path / "panel.csv", "ann, Secret-Pass-1 \r\nbob,Secret-Pass-2,,Bob\r\n")
        done = run_validate(csv, "--profile", "controlpanel", "--json", check_exit=0)
        assert "Secret-Pass" not in done.stdout + done.stderr
        summary = run_validate(csv, "--profile", "controlpanel", "--out", tmp_path / "again.xlsx", check_exit=0)
        assert "Secret-Pass" not in summary.stdout + summary.stderr
        sheet = load_workbook(tmp_path / "panel.checked.xlsx").active
        assert sheet["C1"].value == " Secret-Pass-1 " and sheet["C1"].comment is None  # never '********'
        assert sheet["C2"].value == "Secret-Pass-2"  # (the Status column is first)


class TestTexts:
    @pytest.mark.parametrize("profile_id", list(all_profiles()))
    def test_instructions_use_no_internal_words(self, profile_id):
        text = " ".join(" ".join(line.cells) for line in instruction_lines(
            get_profile(profile_id), version="1", mode="server", server_url="http://127.0.0.1:5000")).casefold()
        for word in ("seed", "default_region"):
            assert word not in text, word

    def test_scientific_notation_in_a_digits_only_column_does_not_ask_for_a_plus(self):
        column = get_profile("pbx").by_key["home_phone"]
        _, [finding] = check_cell(column, "1.40855E+10", False, Context(), row=2)
        assert "scientific notation" in finding.message and "+" not in finding.message.split("retype")[1]
        _, [finding] = check_cell(get_profile("pbx").by_key["incoming_did"], "1.40855E+10", False, Context(), row=2)
        assert "starting with + and the country code" in finding.message
