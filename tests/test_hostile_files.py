"""Hostile files (issue 13, rows 1, 2, 5, 6 and 9): refused with a clear message and exit 2, in
bounded memory, by `rosterbook validate` and by the upload page. The files are made here.

Memory is the peak resident size of the command's process, read by a small parent process that
runs it (so nothing else this test session started is counted); the bound is generous, a guard
and not a benchmark: issue 12's budget for 100,000 rows.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import hostile_files as hostile
from tests.cli import ROSTERBOOK
from tests.web_client import admin, web  # noqa: F401

MEMORY_BOUND_MB = 400  # issue 12: an .xlsx of 100,000 rows must be checked in less
# Runs the command and prints the peak RSS of it (its children's rusage) after its own output.
_MEASURED = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, file=sys.stderr); "
             "sys.exit(done.returncode)")


def validate(path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str, int]:
    """(exit status, stdout, stderr without the measurement, peak RSS in MB) of `rosterbook validate`."""
    done = subprocess.run([sys.executable, "-c", _MEASURED, str(ROSTERBOOK), "validate", str(path), *args],
                          capture_output=True, text=True, timeout=600, env=env)
    *lines, peak = done.stderr.rstrip("\n").split("\n")
    return done.returncode, done.stdout, "\n".join(lines), int(peak)


def refused(path: Path, *words: str) -> int:
    status, out, err, peak = validate(path, "--profile", "pbx")
    assert status == 2, out + err
    assert out == "" and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return peak


@pytest.mark.parametrize("make, words", [
    (hostile.dimension_bomb, ("column XFD", "at most 200 columns")),
    (hostile.far_row_bomb, ("more than 50,001 rows",)),
    (hostile.unreferenced_cells_bomb, ("column", "at most 200 columns")),
], ids=["A1:XFD1048576", "a value on the last row", "cells without references"])
def test_a_workbook_declaring_or_spreading_over_a_huge_range_is_refused(tmp_path, make, words):
    path = make(tmp_path / "users.xlsx")
    assert path.stat().st_size < 10_000
    assert refused(path, *words) < MEMORY_BOUND_MB


@pytest.mark.parametrize("make, words", [
    (hostile.blank_rows_bomb, ("unpacks to 240 MB", "at most 200 MB unpacked")),
    (hostile.many_rows, ("more than 50,001 rows", "Split it")),
    (hostile.lying_entry, ("unpacks to more than it declares",)),
], ids=["blank rows unpacking to 240 MB", "a million users", "an entry lying about its size"])
def test_zip_bombs_stop_at_a_limit(tmp_path, make, words):
    assert refused(make(tmp_path / "users.xlsx"), *words) < MEMORY_BOUND_MB


def test_the_limits_come_from_the_environment(tmp_path):
    path = hostile.workbook(tmp_path / "users.xlsx", hostile.user_rows(300))
    env = {"PATH": "/usr/bin:/bin", "ROSTERBOOK_MAX_FILE_ROWS": "100"}
    status, _, err, _ = validate(path, "--profile", "pbx", "--no-copy", env=env)
    assert status == 2 and "more than 100 rows" in err
    status, out, _, _ = validate(path, "--profile", "pbx", "--no-copy", "--json",
                                 env={"PATH": "/usr/bin:/bin", "ROSTERBOOK_MAX_BATCH_ROWS": "1000"})
    assert status == 0 and json.loads(out)["rows"] == 300
    status, _, err, _ = validate(path, "--profile", "pbx", env={"ROSTERBOOK_MAX_FILE_MB": "lots"})
    assert status == 2 and "ROSTERBOOK_MAX_FILE_MB must be a positive whole number" in err


@pytest.mark.parametrize("kind", ["mismatched tag", "control character reference", "shared string out of range"])
def test_broken_xml_cannot_be_read(tmp_path, kind):
    refused(hostile.broken_xml(tmp_path / "users.xlsx", kind), "not a readable Excel workbook")


def test_a_csv_of_a_million_columns_gets_one_message(tmp_path):
    path = hostile.wide_csv(tmp_path / "wide.csv")
    assert path.stat().st_size > 7_000_000
    assert refused(path, "line 1 has at least", "at most 200 columns") < MEMORY_BOUND_MB


def test_a_200_mb_csv_is_refused_at_the_row_limit_in_bounded_memory(tmp_path):
    path = hostile.long_csv(tmp_path / "big.csv")
    assert path.stat().st_size > 190 * 1024 * 1024
    assert refused(path, "more than 50,001 lines") < 300  # the CSV budget


def test_a_csv_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = hostile.long_csv(tmp_path / "big.csv", megabytes=3)
    status, _, err, _ = validate(path, "--profile", "pbx", env={"PATH": "/usr/bin:/bin", "ROSTERBOOK_MAX_FILE_MB": "2"})
    assert status == 2 and "rosterbook reads CSV files of at most 2 MB" in err


# --------------------------------------------------------------------------- the upload page

@pytest.mark.parametrize("make, name, words", [
    (hostile.dimension_bomb, "users.xlsx", "at most 200 columns"),
    (hostile.far_row_bomb, "users.xlsx", "more than 50,001 rows"),
    (lambda p: hostile.broken_xml(p, "mismatched tag"), "users.xlsx", "not a readable Excel workbook"),
    (lambda p: hostile.broken_xml(p, "control character reference"), "users.xlsx", "not a readable Excel workbook"),
    (lambda p: hostile.broken_xml(p, "shared string out of range"), "users.xlsx", "not a readable Excel workbook"),
    (hostile.wide_csv, "wide.csv", "at most 200 columns"),
], ids=["A1:XFD1048576", "last row", "mismatched tag", "&#1;", "shared string", "a million columns"])
def test_the_upload_page_refuses_them_with_the_same_message(web, tmp_path, make, name, words):
    content = make(tmp_path / name).read_bytes()
    answer = web.upload(content, name, "pbx")
    assert answer.status_code == 400, answer.text[:2000]
    assert words in answer.text and len(answer.data) < 20_000


def test_the_result_page_does_not_grow_with_the_file(web):
    """Every row has an error and the header four unknown columns: the page lists a bounded number."""
    def page(rows: int) -> str:
        lines = ["Type,LastName,Extra1,Extra2,Extra3,Extra4"] + [f"Robot,Poe{i},a,b,c,d" for i in range(rows)]
        answer = web.upload("\r\n".join(lines).encode(), f"{rows}.csv", "pbx")
        assert answer.status_code == 200 and "which column is which?" in answer.text
        answer = web.press(answer.text, "Check with these columns")  # the extra columns are not imported
        assert answer.status_code == 200
        return answer.text

    small, large = page(1_000), page(20_000)
    assert "and 19500 more in the checked workbook" in large
    assert abs(len(large) - len(small)) < len(small) * 0.05  # the same rows shown, only counts differ
    assert "Findings by kind" in large and "<td class=\"num\">20000</td>" in large
