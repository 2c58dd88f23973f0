"""`rosterbook validate`, run as the installed console script on real files."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
import xlwings
from openpyxl import load_workbook

from tests.cli import ROSTERBOOK, write_csv
from tests.cli import run_validate as run
from tests.conftest import EXAMPLES


class TestExitStatusAndJson:
    def test_example_with_errors_exits_1_and_prints_one_json_object(self, tmp_path):
        source = shutil.copy(EXAMPLES / "iplum.xlsx", tmp_path / "iplum.xlsx")
        done = run(source, "--profile", "iplum", "--json", check_exit=1)
        report = json.loads(done.stdout)  # exactly one object: json.loads fails on anything more
        assert set(report) == {"profile", "rows", "errors", "warnings", "fixed", "findings", "profile_from",
                               "settings", "unknown_columns", "notes", "read"}
        assert report["read"]["sheet"] == "Users" and report["read"]["header_row"] == 1
        assert report["profile"] == "iplum" and report["rows"] == 11 and report["errors"] > 0
        scientific = next(f for f in report["findings"] if f["value"] == "1.40812E+10")
        assert scientific == {"row": 6, "column": "Phone #", "level": "error", "value": "1.40812E+10",
                              "fixed_value": None, "message": scientific["message"]}
        restored = next(f for f in report["findings"] if f["row"] == 4)
        assert restored["level"] == "fixed" and restored["fixed_value"] == "+14155550123"
        assert done.stderr == ""

    def test_clean_file_exits_0(self, tmp_path):
        csv = write_csv(tmp_path / "ok.csv", "iPlum ID (phone/email),Phone #,Email,Name\r\n"
                                             "phone,+14081231234,ana@example.com,Ana Núñez\r\n")
        done = run(csv, "--profile", "iplum", check_exit=0)
        assert "1 rows, 0 errors" in done.stdout

    def test_file_level_error_alone_exits_1(self, tmp_path):
        lines = ["Username,Email,Virtual Extension,Role"] + [f"u{i},u{i}@example.com,{1000 + i},3" for i in range(501)]
        done = run(write_csv(tmp_path / "big.csv", "\n".join(lines)), "--profile", "commpeak", "--json", check_exit=1)
        report = json.loads(done.stdout)
        [limit] = [f for f in report["findings"] if f["row"] is None]
        assert "at most 500" in limit["message"] and report["errors"] == 1

    @pytest.mark.parametrize("make, words", [
        (lambda d: d / "missing.csv", "no such file"),
        (lambda d: write_csv(d / "broken.xlsx", "this is not a zip"), "not a readable Excel workbook"),
        (lambda d: write_csv(d / "users.pdf", "%PDF"), "reads .xlsx, .xlsm, .csv and .txt"),
        (lambda d: write_csv(d / "quote.csv", 'a,"b\nc'), "broken CSV"),
    ])
    def test_unreadable_files_exit_2_with_one_line(self, tmp_path, make, words):
        done = run(make(tmp_path), "--profile", "pbx", check_exit=2)
        assert done.stdout == "" and words in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr

    def test_unknown_profile_exits_2(self, tmp_path):
        done = run(write_csv(tmp_path / "a.csv", "Type,LastName\nUser,Poe\n"), "--profile", "nope", check_exit=2)
        assert "Unknown format 'nope'" in done.stderr and "Traceback" not in done.stderr


class TestCsvReading:
    HEADER = "Type;LastName;FirstName;Email\r\n"

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
    def test_encodings_and_semicolons_keep_international_names(self, tmp_path, encoding):
        csv = write_csv(tmp_path / "pbx.csv", self.HEADER + "User;Ñúñez;Zoë;zoe@example.com\r\n", encoding)
        report = json.loads(run(csv, "--profile", "pbx", "--json", check_exit=0).stdout)
        assert report["rows"] == 1
        book = load_workbook(tmp_path / "pbx.checked.xlsx")
        assert [c.value for c in book.active[2]][:4] == ["OK", "User", "Ñúñez", "Zoë"]  # Status first

    def test_headerless_controlpanel_seed_example(self, tmp_path):
        text = "User1,pwd\n\nUser2,pwd,plan1\n\nUser3,pwd,,firstname,,lastname,true,,,user 3 description,true\n\n" \
               "User4,pwd,plan2,,,,,,,,false\n"
        report = json.loads(run(write_csv(tmp_path / "cp.csv", text), "--profile", "controlpanel", "--json",
                                check_exit=0).stdout)
        assert report["rows"] == 4
        assert {(f["row"], f["column"]) for f in report["findings"]} == {(5, "Admin?"), (5, "Enabled?"), (7, "Enabled?")}


class TestAnnotatedCopy:
    def test_colours_repairs_and_status(self, tmp_path):
        source = shutil.copy(EXAMPLES / "iplum.xlsx", tmp_path / "iplum.xlsx")
        before = Path(source).read_bytes()
        run(source, "--profile", "iplum", check_exit=1)
        assert Path(source).read_bytes() == before  # the admin's file is never touched
        sheet = load_workbook(tmp_path / "iplum.checked.xlsx").active
        header = [c.value for c in sheet[1]]
        assert header[0] == "Status" and header[-1] == "Errors"  # Status first in view, Errors last
        assert header[1:-1] == ["iPlum ID (phone/email)", "Phone #", "Email", "Name"]
        status, errors = header.index("Status") + 1, header.index("Errors") + 1
        restored = sheet.cell(row=4, column=3)
        assert restored.value == "+14155550123" and restored.number_format == "@"
        assert restored.fill.fgColor.rgb.endswith("FFEB9C")
        scientific = sheet.cell(row=6, column=3)
        assert scientific.value == "1.40812E+10" and scientific.fill.fgColor.rgb.endswith("FFC7CE")
        assert sheet.cell(row=2, column=3).fill.fill_type is None  # good cells are not coloured
        assert sheet.cell(row=2, column=status).value == "OK"
        assert sheet.cell(row=6, column=status).value == "1 error"
        assert "Phone #: '1.40812E+10' is in scientific notation" in sheet.cell(row=6, column=errors).value

    def test_empty_cells_in_error_are_coloured_too(self, tmp_path):
        # Type is required: empty in the middle of line 2, and missing from the short line 3
        csv = write_csv(tmp_path / "e.csv", "LastName,Type,FirstName\nSmith,,Ann\nJones\nLee,User,Bo\n")
        run(csv, "--profile", "pbx", check_exit=1)
        sheet = load_workbook(tmp_path / "e.checked.xlsx").active
        assert [c.value for c in sheet[1]][:4] == ["Status", "LastName", "Type", "FirstName"]
        for row in (2, 3):
            empty = sheet.cell(row=row, column=3)
            assert empty.value is None and empty.fill.fgColor.rgb.endswith("FFC7CE"), row
        assert sheet.cell(row=3, column=4).value is None and sheet.cell(row=3, column=4).fill.fill_type is None
        assert sheet.cell(row=4, column=3).value == "User" and sheet.cell(row=4, column=3).fill.fill_type is None

    def test_checking_the_copy_again_reuses_status_columns(self, tmp_path):
        source = shutil.copy(EXAMPLES / "pbx.xlsx", tmp_path / "pbx.xlsx")
        run(source, "--profile", "pbx", check_exit=1)
        done = run(tmp_path / "pbx.checked.xlsx", "--profile", "pbx", "--out", tmp_path / "again.xlsx", "--json")
        assert not any("not part of" in f["message"] for f in json.loads(done.stdout)["findings"])
        header = [c.value for c in load_workbook(tmp_path / "again.xlsx").active[1]]
        assert header.count("Status") == 1 and header.count("Errors") == 1

    def test_csv_values_that_look_like_formulas_stay_text(self, tmp_path):
        csv = write_csv(tmp_path / "f.csv", "Type,LastName\nUser,=HYPERLINK(\"http://x\")\nUser,\"a\tb\"\n")
        run(csv, "--profile", "pbx", check_exit=1)
        sheet = load_workbook(tmp_path / "f.checked.xlsx").active
        assert sheet.cell(row=2, column=3).value == '=HYPERLINK("http://x")'
        assert sheet.cell(row=2, column=3).data_type == "s"
        assert sheet.cell(row=3, column=3).value == "a\tb"

    def test_xlsm_is_annotated_as_xlsx_and_left_alone(self, tmp_path):
        with zipfile.ZipFile(Path(xlwings.__file__).with_name("quickstart_standalone.xlsm")) as z:
            vba = z.read("xl/vbaProject.bin")
        (tmp_path / "vbaProject.bin").write_bytes(vba)
        book = xlsxwriter.Workbook(tmp_path / "filled.xlsm")
        sheet = book.add_worksheet("Users")
        book.add_vba_project(str(tmp_path / "vbaProject.bin"))
        text = book.add_format({"num_format": "@"})
        for c, value in enumerate(["iPlum ID (phone/email)", "Phone #", "Email", "Name"]):
            sheet.write_string(0, c, value)
        sheet.write_row(1, 0, ["phone"])
        sheet.write_number(1, 1, 14155550123)
        sheet.write_row(1, 2, ["ana@example.com", "Ana"])
        sheet.write_string(2, 0, "email")
        sheet.write_string(2, 1, "+14081231235", text)
        sheet.write_row(2, 2, ["bo@example.com", "Bo"])
        book.close()
        before = (tmp_path / "filled.xlsm").read_bytes()
        done = run(tmp_path / "filled.xlsm", "--profile", "iplum", check_exit=0)
        assert "filled.checked.xlsx (an .xlsx" in done.stdout
        assert (tmp_path / "filled.xlsm").read_bytes() == before
        assert load_workbook(tmp_path / "filled.checked.xlsx").active["C2"].value == "+14155550123"


class TestWhatTheCommandLoads:
    SERVER_STACK = ("flask", "werkzeug", "sqlalchemy", "alembic", "waitress", "psycopg")

    @pytest.mark.parametrize("args", [["validate", "{example}", "--profile", "iplum", "--out", "{out}"],
                                      ["build", "--out", "{folder}", "--profile", "iplum"], ["--help"]],
                             ids=["validate", "build", "--help"])
    def test_no_server_stack_is_imported(self, tmp_path, args):
        args = [a.format(example=EXAMPLES / "iplum.xlsx", out=tmp_path / "c.xlsx", folder=tmp_path) for a in args]
        program = ("import json, sys\nfrom server.cli import main\n"
                   f"sys.argv = ['rosterbook', *{args!r}]\n"
                   "try:\n    main()\nexcept SystemExit:\n    pass\n"
                   f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {self.SERVER_STACK!r})))")
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.strip().splitlines()[-1]) == []

    def test_serve_still_has_its_commands(self):
        done = subprocess.run([str(ROSTERBOOK), "--help"], capture_output=True, text=True, timeout=60)
        assert all(command in done.stdout for command in ("validate", "build", "serve", "token", "admin"))


class TestProgressBar:
    LINES = ["Type,LastName"] + [f"User,Poe{i}" for i in range(20_000)]

    def test_shown_on_a_terminal_for_a_long_file(self, tmp_path):
        import fcntl
        import pty
        import struct
        import termios
        import threading

        csv = write_csv(tmp_path / "long.csv", "\r\n".join(self.LINES))
        main, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty has no width
        shown = bytearray()

        def read_terminal():  # read while it writes: Linux drops what is left when the terminal closes
            while True:
                try:
                    chunk = os.read(main, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                shown.extend(chunk)

        reader = threading.Thread(target=read_terminal)
        reader.start()
        try:
            done = subprocess.run([str(ROSTERBOOK), "validate", str(csv), "--profile", "pbx"], stdout=subprocess.PIPE,
                                  stderr=terminal, timeout=120)
        finally:
            os.close(terminal)
            reader.join(timeout=10)
            os.close(main)
        assert done.returncode == 0
        assert b"Checking" in shown and b"%|" in shown and b"Writing the checked copy" in shown

    def test_not_shown_when_piped_or_for_a_short_file(self, tmp_path):
        long = write_csv(tmp_path / "long.csv", "\r\n".join(self.LINES))
        assert run(long, "--profile", "pbx", check_exit=0).stderr == ""
