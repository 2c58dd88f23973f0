"""Every encoding Excel writes a CSV (or "Unicode Text") in, read as written: detected, or named
with --encoding / the upload page's field; a guess says so and shows what it read."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from addin.files.encodings import BY_CONTENT, BY_MARK, DETECTED, SAMPLE_BYTES, detect, guess_code_page
from tests.cli import run_validate, write_csv
from tests.web_client import admin, web  # noqa: F401

PBX_HEADER = "Type,LastName,FirstName,Email,Extension"

# Each code page's own letters, in names as a roster of that country holds them.
NAMES = {
    "cp1252": ["José Núñez", "François Müller", "Björn Ångström", "Søren Kierkegård", "Zoë Dubois"],
    "cp1250": ["Łukasz Wałęsa", "Zdeněk Štěpánek", "Małgorzata Żółć", "Tomáš Dvořák", "Gréta Szűcs"],
    "cp1257": ["Jānis Bērziņš", "Rūta Šimkutė", "Žaneta Ļaviņa", "Andrius Čepulis", "Mārtiņš Ķēniņš"],
    "cp1254": ["Şükrü Öztürk", "İpek Çağlar", "Ayşe Yılmaz", "Gülşen Doğan", "Ömer Koç", "Işık Kılıç",
               "Çiğdem Aydın"],
    "cp1253": ["Γιώργος Παπαδόπουλος", "Ελένη Νικολάου", "Νίκος Κωνσταντίνου", "Μαρία Οικονόμου"],
    "cp1251": ["Иван Петров", "Ольга Смирнова", "Юрий Гагарин", "Наталья Кузнецова"],
}


def roster(names: list[str], separator: str = ",") -> str:
    lines = [PBX_HEADER.replace(",", separator)]
    for i, name in enumerate(names):
        first, last = name.split(" ", 1)
        lines.append(separator.join(["User", last, first, f"user{i}@example.com", str(2001 + i)]))
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("codec", list(NAMES))
def test_each_code_page_is_read_with_its_own_letters(tmp_path, codec):
    text = roster(NAMES[codec])
    path = write_csv(tmp_path / f"{codec}.csv", text, codec)
    done = run_validate(path, "--json", check_exit=0)
    report = json.loads(done.stdout)
    assert report["read"]["encoding"] == codec.replace("cp", "windows-")
    copy = load_workbook(tmp_path / f"{codec}.checked.xlsx").active
    names = [f"{row[3]} {row[2]}" for row in copy.iter_rows(min_row=2, values_only=True)]
    assert names == NAMES[codec]  # the names as written, not mojibake
    warnings = [f for f in report["findings"] if "text encoding is not certain" in f["message"]]
    assert len(warnings) == (0 if report["read"]["encoding_certain"] else 1)


@pytest.mark.parametrize("codec", [c for c in NAMES if c != "cp1254"])
def test_a_few_names_are_enough_to_be_certain(codec):
    found = detect(io.BytesIO(roster(NAMES[codec]).encode(codec)))
    assert (found.codec, found.how) == (codec, DETECTED)


def test_turkish_names_are_read_right_and_the_guess_says_how_sure_it_is():
    """Turkish read as Baltic gives letters each of which some Baltic language has: the guess
    stays Turkish (one language writes every name), and says another reading exists."""
    found = detect(io.BytesIO(roster(NAMES["cp1254"]).encode("cp1254")))
    assert found.codec == "cp1254"


def test_polish_in_a_western_code_page_is_never_taken_for_western(tmp_path):
    """The issue's case: a CSV from a Polish Excel (Windows-1250) was read as Windows-1252 with no
    error, 'Łukasz Wałęsa' becoming '£ukasz Wa³êsa'."""
    path = write_csv(tmp_path / "pl.csv", roster(["Łukasz Wałęsa"]), "cp1250")
    done = run_validate(path, check_exit=0)
    assert "Windows-1250 (Central European)" in done.stdout and "(a guess)" not in done.stdout
    row = next(load_workbook(tmp_path / "pl.checked.xlsx").active.iter_rows(min_row=2, values_only=True))
    assert row[2:4] == ("Wałęsa", "Łukasz")
    assert "£ukasz" not in done.stdout


def test_an_uncertain_guess_is_a_warning_that_shows_what_it_read(tmp_path):
    """One short Latvian name reads as plausible Central European or Western text too."""
    path = write_csv(tmp_path / "lv.csv", roster(["Žaneta Ļaviņa"]), "cp1257")
    report = json.loads(run_validate(path, "--json", "--no-copy", check_exit=0).stdout)
    assert report["read"]["encoding_certain"] is False
    [warning] = [f for f in report["findings"] if f["row"] is None]
    assert warning["level"] == "warning"
    assert f"it was read as {report['read']['encoding']}".replace("windows-", "Windows-") in warning["message"]
    assert "Check that these read right:" in warning["message"] and "check the file again naming its encoding" in \
        warning["message"]
    named = json.loads(run_validate(path, "--json", "--no-copy", "--encoding", "windows-1257", check_exit=0).stdout)
    assert named["read"] == {**named["read"], "encoding": "windows-1257", "encoding_certain": True}
    assert [f for f in named["findings"] if f["row"] is None] == []


def test_the_sample_never_shows_a_password(tmp_path):
    """Control panel lines (Username, Password) whose only letters beyond ASCII are in a password
    that reads as Baltic or as Central European: the warning shows no sample rather than it."""
    path = write_csv(tmp_path / "panel.csv", "ann,Ļaviņa-Žaneta-1\r\n", "cp1257")
    report = json.loads(run_validate(path, "--profile", "controlpanel", "--json", "--no-copy").stdout)
    [warning] = [f for f in report["findings"] if "text encoding is not certain" in f["message"]]
    assert "Check that these read right" not in warning["message"]
    assert "Žaneta" not in json.dumps(report, ensure_ascii=False) and "aneta" not in warning["message"]


def test_code_pages_reading_a_file_alike_name_the_commoner():
    """German letters read the same in Windows-1252 and 1250: the file is called Western."""
    found = detect(io.BytesIO(roster(["Jürgen Müller", "Björn Schäfer"]).encode("cp1252")))
    assert (found.codec, found.how) == ("cp1252", DETECTED)


@pytest.mark.parametrize("encoding, mark", [("utf-8", BY_CONTENT), ("utf-8-sig", BY_MARK)])
def test_utf8_with_or_without_a_mark(tmp_path, encoding, mark):
    names = [*NAMES["cp1250"][:2], *NAMES["cp1251"][:2], "Zoë Ørsted"]
    text = roster(names)
    assert detect(io.BytesIO(text.encode(encoding))).how == mark
    path = write_csv(tmp_path / "u.csv", text, encoding)
    report = json.loads(run_validate(path, "--json", check_exit=0).stdout)
    assert (report["read"]["encoding"], report["read"]["encoding_certain"]) == ("utf-8", True)
    copy = load_workbook(tmp_path / "u.checked.xlsx").active
    assert [f"{r[3]} {r[2]}" for r in copy.iter_rows(min_row=2, values_only=True)] == names
    assert copy["A1"].value == "Status" and copy["B1"].value == "Type"  # no mark left in the header


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excels_unicode_text_is_tab_separated_utf16_with_a_mark(tmp_path, codec):
    """The issue's case: a "Unicode Text" .txt gave a garbage header and 'Required column … missing'."""
    names = ["Łukasz Wałęsa", "Иван Петров", "Γιώργος Παπαδόπουλος", "Şükrü Öztürk"]
    data = ("\ufeff" + roster(names, "\t")).encode(codec)
    path = tmp_path / "users.txt"
    path.write_bytes(data)
    report = json.loads(run_validate(path, "--json", check_exit=0).stdout)
    assert report["profile"] == "pbx" and report["rows"] == 4 and report["errors"] == 0
    assert (report["read"]["encoding"], report["read"]["separator"]) == ("utf-16", "\t")
    copy = load_workbook(tmp_path / "users.checked.xlsx").active
    assert [f"{r[3]} {r[2]}" for r in copy.iter_rows(min_row=2, values_only=True)] == names


def test_text_beyond_ascii_only_far_down_a_large_file_is_still_found(tmp_path):
    """The guess looks at the lines that are not ASCII wherever they are, a bounded sample of them."""
    lines = [PBX_HEADER] + [f"User,Poe{i},Ed,ed{i}@example.com,{10000 + i}" for i in range(60_000)]
    lines.append("User,Wałęsa,Łukasz,lw@example.com,99999")
    text = "\r\n".join(lines) + "\r\n"
    assert len(text) > 2 * 1024 * 1024
    found = detect(io.BytesIO(text.encode("cp1250")))
    assert (found.codec, found.how) == ("cp1250", DETECTED)


def test_the_sample_is_bounded():
    line = "User,Wałęsa,Łukasz,lw@example.com,2001\r\n".encode("cp1250")
    # after the sample, lines that would make the whole file's guess another code page
    tail = "User,Иванов,Пётр,pi@example.com,2002\r\n".encode("cp1251") * (8 * SAMPLE_BYTES // 40)
    data = line * (SAMPLE_BYTES // len(line) + 1) + tail
    assert guess_code_page(data).codec == "cp1251"  # what an unbounded guess would say
    assert guess_code_page(data[:SAMPLE_BYTES]).codec == "cp1250"
    found = detect(io.BytesIO(data))
    assert found.codec == "cp1250"


def test_a_line_the_guessed_code_page_cannot_read_is_refused_naming_it(tmp_path):
    """Greek lines fill the sample; further down, a byte Windows-1253 does not have (0xAA): the
    file mixes encodings, and no reading of it is right."""
    greek = roster(NAMES["cp1253"] * 200).encode("cp1253")
    assert len(greek) > SAMPLE_BYTES
    path = tmp_path / "mixed.csv"
    path.write_bytes(greek + b"User,Ex\xaample,X,x@example.com,3002\r\n")
    done = run_validate(path, "--profile", "pbx", "--no-copy", check_exit=2)
    assert "cannot be read as Windows-1253 (Greek), which the lines before it are in" in done.stderr
    assert "CSV UTF-8" in done.stderr and "Traceback" not in done.stderr


def test_an_encoding_that_is_not_one_is_refused(tmp_path):
    path = write_csv(tmp_path / "a.csv", roster(["Ann Lee"]))
    done = run_validate(path, "--encoding", "klingon", check_exit=2)
    assert "--encoding" in done.stderr and "'klingon'" in done.stderr and "Traceback" not in done.stderr


def test_a_wrong_encoding_named_is_said_with_the_line(tmp_path):
    path = write_csv(tmp_path / "a.csv", roster(["Ann Lee"] * 3 + ["Łukasz Wałęsa"]), "utf-8")
    done = run_validate(path, "--encoding", "ascii", check_exit=2)
    assert "cannot be read as ascii, which you named" in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------- the upload page

def test_the_upload_page_reads_windows_1250_and_unicode_text(web):
    page = web.upload(roster(["Łukasz Wałęsa", "Zdeněk Štěpánek"]).encode("cp1250"), "pl.csv")
    assert page.status_code == 200, page.text
    assert "Text read as Windows-1250 (Central European); values separated by commas." in page.text
    page = web.upload(("\ufeff" + roster(["Şükrü Öztürk"], "\t")).encode("utf-16-le"), "users.txt")
    assert page.status_code == 200 and "UTF-16 (Excel&#39;s Unicode Text)" in page.text
    assert "Import the 1 valid row" in page.text


def test_the_upload_pages_encoding_field_overrides_the_guess(web):
    content = roster(["Žaneta Ļaviņa"]).encode("cp1257")
    guessed = web.upload(content, "lv.csv").text
    assert "text encoding is not certain" in guessed
    named = web.upload(content, "lv.csv", encoding="windows-1257").text
    assert "Windows-1257 (Baltic) as chosen" in named and "not certain" not in named
    refused = web.upload(content, "lv.csv", encoding="klingon")
    assert refused.status_code == 400 and "not a text encoding" in refused.text
