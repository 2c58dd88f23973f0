"""`rosterbook validate` as an admin waits for it, and the upload page: printed figures, nothing asserted.

Run by hand from the repository root:

    .venv/bin/python bench/cli.py [--rows 10000 100000] [--profile ipass pbx] [--format csv xlsx]
                                  [--repeat 3] [--skip-upload]

1. The whole command, `rosterbook validate FILE --profile P` (which writes the checked copy), in
   a new process each time, against frictionless validating the same file with an equivalent
   Table Schema (bench/validate.py's table_schema), also a whole process: wall time and the
   process's peak RSS. Both run on the same file in turns, `--repeat` times; the ratio is the
   median of each turn's rosterbook / frictionless (target at most 1.0). Files of 100,000 rows
   are over the default row limit (a batch and its header): the command gets
   ROSTERBOOK_MAX_FILE_ROWS for them, as an admin would set it.
2. The upload page against the command line, on the same 10,000-row .xlsx: a new `rosterbook
   serve` (SQLite) per turn, an admin signed in over HTTP, a 50-row file checked and imported first
   (as a served process would have, its templates and data are loaded once), then the check (POST
   /upload), the download of the checked workbook and the import of its valid rows, timed by the client;
   their sum against `rosterbook validate` on that file in the same turn (target at most 1.2).
   And the size of the result page for 10,000 and 100,000 rows (the file is not carried in it).
The machine's load and fixed-loop time (bench/machine.py) are printed at the start and the end.
rosterbook's own modules are compiled to bytecode first, as an installed package has them.
Rows come from bench/rows.py (about 10% with a problem), written as an admin's file: a CSV of
each cell's text, or an .xlsx written by XlsxWriter with numbers, dates and booleans as they are.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from addin.profiles import get_profile  # noqa: E402
from addin.rules.cells import to_text  # noqa: E402
from bench.machine import load_average  # noqa: E402
from bench.rows import table  # noqa: E402
from bench.validate import table_schema  # noqa: E402

ROSTERBOOK = Path(sys.executable).with_name("rosterbook")
TARGET_RATIO, TARGET_UPLOAD_RATIO = 1.0, 1.2
TARGET_MB = {"csv": 300, "xlsx": 400}
UPLOAD_ROWS = 10_000
WARM_UP_ROWS = 50  # other rows (another file), checked and imported first on each new server
ADMIN, PASSWORD = "bench", "a long bench password"

# The child process runs one command and reports its wall time and peak RSS (its own children's
# rusage: nothing else this bench started is counted).
_MEASURED = ("import json, resource, subprocess, sys, time; started = time.perf_counter(); "
             "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
             "wall = time.perf_counter() - started; "
             "print(json.dumps({'seconds': wall, 'peak_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss "
             "/ 1024, 'status': done.returncode, 'stderr': done.stderr.decode(errors='replace')[-2000:]}))")
# frictionless on one file, in a process of its own: only Python, frictionless and the schema's JSON.
_FRICTIONLESS = """
import json, sys
from pathlib import Path
from frictionless import Resource, Schema
path = Path(sys.argv[1])
schema = Schema.from_descriptor(json.loads(Path(sys.argv[2]).read_text()))
report = Resource(path=path.name, basepath=str(path.parent), schema=schema).validate(limit_errors=10**9)
if report.warnings or report.tasks[0].stats["rows"] != int(sys.argv[3]):
    sys.exit(f"frictionless did not validate everything: {report.warnings} {report.tasks[0].stats}")
"""


# --------------------------------------------------------------------------- files

def write_file(profile_id: str, count: int, kind: str, folder: Path, **options: Any) -> Path:
    folder.mkdir(exist_ok=True)
    rows = [[_no_nul(v) for v in row] for row in table(get_profile(profile_id), count, **options)]
    path = folder / f"{profile_id}-{count}.{kind}"
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([to_text(c) for c in row] for row in rows)
        return path
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    sheet = book.add_worksheet("Users")
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, (dt.date, dt.datetime)):
                sheet.write_datetime(r, c, value, date)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    book.close()
    return path


def _no_nul(value: Any) -> Any:
    """The generator's stray NUL makes a CSV 'not a text file' as a whole; another control character
    is refused in its own cell (as bench/server.py does for the API)."""
    return value.replace("\x00", "\x07") if isinstance(value, str) else value


# --------------------------------------------------------------------------- one measured process

def compile_sources() -> None:
    """Bytecode for rosterbook's own modules, as an installed package has it (pip compiles them
    at install; frictionless's are compiled too). Where PYTHONDONTWRITEBYTECODE is set, as on
    this project's shared machines, every command would otherwise compile addin/ and server/
    from source again: about 35 ms of each. __pycache__ is ignored by git."""
    import compileall

    for package in ("addin", "server"):
        compileall.compile_dir(ROOT / package, quiet=1)


def measured(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _MEASURED, *command], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    result = json.loads(done.stdout)
    if result["status"] not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({result['status']}):\n{result['stderr']}")
    return result


def rosterbook_env(rows: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERBOOK_")}
    env["ROSTERBOOK_MAX_FILE_ROWS"] = str(max(rows + 1, 50_001))
    return env


def rosterbook(path: Path, profile_id: str, rows: int) -> dict[str, Any]:
    out = path.with_name(path.stem + ".checked.xlsx")
    return measured([str(ROSTERBOOK), "validate", str(path), "--profile", profile_id, "--out", str(out)],
                    rosterbook_env(rows))


def frictionless(path: Path, schema: Path, rows: int) -> dict[str, Any]:
    return measured([sys.executable, "-c", _FRICTIONLESS, str(path), str(schema), str(rows)])


def compare(profile_id: str, count: int, kind: str, folder: Path, repeat: int) -> list[str]:
    path = write_file(profile_id, count, kind, folder)
    schema = folder / f"{profile_id}.schema.json"
    schema.write_text(json.dumps(table_schema(get_profile(profile_id))))
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(rosterbook(path, profile_id, count))
        theirs.append(frictionless(path, schema, count))
    ratios = [o["seconds"] / t["seconds"] for o, t in zip(ours, theirs)]
    rb, fl = statistics.median(o["seconds"] for o in ours), statistics.median(t["seconds"] for t in theirs)
    peak = max(o["peak_mb"] for o in ours)
    return [profile_id, kind, f"{count:,}", f"{path.stat().st_size / 1024 / 1024:.1f}", f"{rb:.2f}", f"{fl:.2f}",
            f"{statistics.median(ratios):.2f}", f"{peak:.0f}", f"{max(t['peak_mb'] for t in theirs):.0f}",
            " ".join(f"{r:.2f}" for r in ratios)]


# --------------------------------------------------------------------------- the upload page

class UploadPage:
    """A new `rosterbook serve` on SQLite and an admin signed in over HTTP."""

    def __init__(self, folder: Path, rows: int):
        from tests.serve_process import ServeProcess

        self.instance = folder
        url = f"sqlite:///{folder / 'rosterbook.sqlite3'}"
        env = {"ROSTERBOOK_MAX_FILE_ROWS": str(max(rows + 1, 50_001)), "ROSTERBOOK_MAX_BATCH_ROWS": str(max(rows, 50_000))}
        admin = subprocess.run([str(ROSTERBOOK), "admin", "create", ADMIN, "--password-stdin"], input=PASSWORD + "\n",
                               text=True, capture_output=True,
                               env={**os.environ, "DATABASE_URL": url, "ROSTERBOOK_INSTANCE_PATH": str(folder)})
        if admin.returncode:
            raise SystemExit(admin.stderr)
        self.served = ServeProcess(url, folder, env=env, threads=4).start()

    def __enter__(self) -> UploadPage:
        import requests

        from tests.web_client import csrf_token

        self.session = requests.Session()
        page = self.session.get(self.served.url + "/sign-in", timeout=30)
        answer = self.session.post(self.served.url + "/sign-in", allow_redirects=False, timeout=30,
                                   data={"csrf_token": csrf_token(page.text), "username": ADMIN, "password": PASSWORD})
        if answer.status_code != 302:
            raise SystemExit(f"sign-in failed: {answer.status_code}")
        self.session.get(self.served.url + "/", timeout=30)  # the first page loads what pages need
        return self

    def __exit__(self, *exc) -> None:
        self.served.stop()

    def journey(self, path: Path, profile_id: str) -> dict[str, Any]:
        """Check, download the checked workbook, import: each step's wall time seen by the client."""
        from tests.web_client import csrf_token, form_with_button

        url = self.served.url
        token = csrf_token(self.session.get(url + "/upload", timeout=30).text)
        content = path.read_bytes()
        times = {}
        started = time.perf_counter()
        page = self.session.post(url + "/upload", data={"csrf_token": token, "profile": profile_id},
                                 files={"file": (path.name, content)}, timeout=600)
        times["check"] = time.perf_counter() - started
        if page.status_code != 200:
            raise SystemExit(f"check failed: {page.status_code} {page.text[:2000]}")
        form, target = form_with_button(page.text, "Download the checked workbook")
        started = time.perf_counter()
        copy = self.session.post(url + target, data=form.fields, timeout=600)
        times["download"] = time.perf_counter() - started
        form, target = form_with_button(page.text, "Import")
        started = time.perf_counter()
        imported = self.session.post(url + target, data=form.fields, allow_redirects=False, timeout=600)
        times["import"] = time.perf_counter() - started
        if copy.status_code != 200 or imported.status_code != 302:
            raise SystemExit(f"download {copy.status_code}, import {imported.status_code}")
        return {"times": times, "page_bytes": len(page.content), "copy_bytes": len(copy.content)}


def upload_figures(folder: Path, profile_id: str, repeat: int, with_large: bool) -> None:
    path = write_file(profile_id, UPLOAD_ROWS, "xlsx", folder)
    warm = write_file(profile_id, WARM_UP_ROWS, "xlsx", folder / "warm", seed=9)
    turns = []
    for turn in range(repeat):
        instance = folder / f"serve-{turn}"
        instance.mkdir()
        with UploadPage(instance, UPLOAD_ROWS) as page:
            page.journey(warm, profile_id)  # a served process has loaded its templates and data once
            cli = rosterbook(path, profile_id, UPLOAD_ROWS)
            web = page.journey(path, profile_id)
        turns.append((web, cli))
    totals = [sum(w["times"].values()) for w, _ in turns]
    ratios = [sum(w["times"].values()) / c["seconds"] for w, c in turns]
    print(f"upload page, {profile_id} .xlsx, {UPLOAD_ROWS:,} rows ({path.stat().st_size / 1024 / 1024:.1f} MB): "
          f"check + download + import {statistics.median(totals):.2f} s against rosterbook validate "
          f"{statistics.median(c['seconds'] for _, c in turns):.2f} s: ratio {statistics.median(ratios):.2f} "
          f"(median of {repeat} turns; target <= {TARGET_UPLOAD_RATIO})")
    for web, cli in turns:
        steps = ", ".join(f"{name} {seconds:.2f}" for name, seconds in web["times"].items())
        print(f"    each turn: {steps} s; the command {cli['seconds']:.2f} s")
    sizes = [f"{UPLOAD_ROWS:,} rows: {turns[0][0]['page_bytes'] / 1024:.0f} KB"]
    if with_large:
        large = write_file(profile_id, 100_000, "xlsx", folder)
        instance = folder / "serve-large"
        instance.mkdir()
        with UploadPage(instance, 100_000) as page:
            sizes.append(f"100,000 rows: {page.journey(large, profile_id)['page_bytes'] / 1024:.0f} KB")
    print(f"    result page: {', '.join(sizes)}")


# --------------------------------------------------------------------------- the table

COLUMNS = ("profile", "file", "rows", "MB", "rosterbook s", "frictionless s", "ratio", "peak MB", "fl peak MB",
           "each turn's ratio")


def print_row(cells, widths) -> None:
    print("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths))),
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--profile", nargs="+", default=["ipass", "pbx"])
    parser.add_argument("--format", nargs="+", default=["csv", "xlsx"], choices=("csv", "xlsx"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--upload-profile", default="pbx")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average {load_average()} at the start. "
          "Wall seconds of whole processes, medians of the turns.", flush=True)
    started = time.perf_counter()
    compile_sources()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as work:
        folder = Path(work)
        widths = [8, 5, 8, 5, 12, 14, 5, 7, 10, 16]
        print_row(COLUMNS, widths)
        for count in args.rows:
            for kind in args.format:
                for profile_id in args.profile:
                    print_row(compare(profile_id, count, kind, folder, args.repeat), widths)
        print(f"Targets: ratio <= {TARGET_RATIO}; peak MB at 100,000 rows < {TARGET_MB['csv']} (CSV), "
              f"< {TARGET_MB['xlsx']} (.xlsx).", flush=True)
        if not args.skip_upload:
            upload_figures(folder, args.upload_profile, args.repeat, with_large=100_000 in args.rows)
    print(f"load average {load_average()} at the end; {time.perf_counter() - started:.0f} s in all")
    return 0




if __name__ == "__main__":
    sys.exit(main())
