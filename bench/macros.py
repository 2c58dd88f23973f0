"""The in-sheet buttons: how many Excel operations they cost, and how long they take end to end.

Run by hand from the repository root:

    .venv/bin/python bench/macros.py [--profile controlpanel ...] [--rows 10000] [--repeat 3]

1. Operation counts of Validate at 10, 1,000 and 10,000 rows with 0, 10 and 1,000 bad cells
   (Control Panel rows; 1 column of repaired phones besides the bad cells): the calls that reach
   xlwings' engine in local mode (reads + writes) and the actions of the server-mode answer.
2. End to end in server mode, per profile: the payload Remote.bas sends for a workbook of
   generated rows (bench/rows.py, about 10% with a problem) POSTed to `rosterbook serve` on
   loopback, answer received and parsed. Validate against the floor measured in the same run:
   the profile's rules alone (engine.validate on the same cells). Submit (validate, import
   in-process, outcome written back) against its floor: POST /api/v1/imports of the same rows.
   Every Submit runs on a fresh SQLite store. Nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import xlwings  # noqa: E402

from addin import macros  # noqa: E402
from addin.profiles import all_profiles, get_profile  # noqa: E402
from addin.rules.engine import validate  # noqa: E402
from addin.sheet.book import open_data_sheet  # noqa: E402
from addin.sheet.submission import import_body  # noqa: E402
from addin.sheet.validation import check_sheet  # noqa: E402
from bench.rows import generate  # noqa: E402
from server import create_app, db  # noqa: E402
from server.auth import create_token  # noqa: E402
from server.db import engine_for, session_scope  # noqa: E402
from tests.plugin_xlwings import WorkbookModel, control_panel_rows, engine_calls  # noqa: E402
from tests.serve_process import ServeProcess  # noqa: E402

SIZES = (10, 1000, 10_000)
BAD_CELLS = (0, 10, 1000)


# --------------------------------------------------------------------------- 1. operation counts

def operation_counts() -> None:
    profile = get_profile("controlpanel")
    print("Validate: Excel operations by rows and bad cells (budget: 4 + 2 per repaired column)")
    print(f"{'rows':>7} {'bad cells':>9} {'repaired':>8} {'local calls':>11} {'(reads+writes)':>14} "
          f"{'server actions':>14}")
    for size in SIZES:
        for bad in BAD_CELLS:
            if bad > size:
                continue
            repairs = max(1, bad // 2)
            model = WorkbookModel.from_template(profile, control_panel_rows(size, errors=bad, repairs=repairs))
            book = xlwings.Book(json=model.payload())
            with engine_calls() as counts:
                macros.validate(book)
            actions = len(book.json()["actions"])
            book.close()
            print(f"{size:>7,} {bad:>9,} {repairs:>8,} {counts['reads'] + counts['writes']:>11} "
                  f"{'(' + str(counts['reads']) + '+' + str(counts['writes']) + ')':>14} {actions:>14}")
    print()


# --------------------------------------------------------------------------- 2. end to end

class Server:
    """`rosterbook serve` on a fresh SQLite store, with a token."""

    def __init__(self, root: Path):
        self.instance = root / f"instance-{uuid.uuid4().hex[:8]}"
        url = f"sqlite:///{self.instance / 'rosterbook.sqlite3'}"
        app = create_app({"INSTANCE_PATH": str(self.instance), "DATABASE_URL": url})
        db.upgrade(app)
        with session_scope(app) as session:
            self.token = create_token(session, "bench")
        engine_for(app).dispose()
        self.process = ServeProcess(url, self.instance).start()
        self.url = self.process.url

    def post(self, path: str, data: bytes, **headers: str) -> tuple[float, requests.Response]:
        started = time.perf_counter()
        response = requests.post(self.url + path, data=data, timeout=600, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}", **headers})
        response.json()
        return time.perf_counter() - started, response

    def stop(self) -> None:
        self.process.stop()


def workbook(profile_id: str, count: int) -> WorkbookModel:
    profile = get_profile(profile_id)
    return WorkbookModel.from_template(profile, generate(profile, count))


def median(values: list[float]) -> float:
    return statistics.median(values)


def end_to_end(profile_id: str, count: int, repeat: int, root: Path) -> None:
    profile = get_profile(profile_id)
    model = workbook(profile_id, count)
    payload = model.payload_json().encode("utf-8")
    values = [[c.header for c in profile.columns], *generate(profile, count)]

    floor = []
    for _ in range(repeat):
        started = time.perf_counter()
        validate(profile, values)
        floor.append(time.perf_counter() - started)

    server = Server(root)
    try:
        validate_times, answer_bytes, actions = [], 0, 0
        for _ in range(repeat):
            elapsed, response = server.post("/xlwings/validate", payload)
            validate_times.append(elapsed)
            answer_bytes, actions = len(response.content), len(response.json()["actions"])
    finally:
        server.stop()

    v, f = median(validate_times), median(floor)
    line = (f"{profile_id:<13} {count:>7,} {len(payload) / 1e6:>8.1f} {answer_bytes / 1e6:>8.1f} {actions:>7} "
            f"{v:>9.2f} {f:>7.2f} {v / f:>6.1f}x")
    if profile.max_rows is not None and count > profile.max_rows:
        print(f"{line}   Submit not measured: {profile.title} takes at most {profile.max_rows} rows per file")
        return
    book = xlwings.Book(json=model.payload())
    data = open_data_sheet(book)
    body = import_body(check_sheet(data.profile, data.values, data.region), book.name, data.conf).body
    book.close()
    api_body = json.dumps(body).encode("utf-8")

    submit_times, api_times, imported = [], [], 0
    for _ in range(repeat):
        server = Server(root)
        try:
            elapsed, response = server.post("/xlwings/submit", payload)
            submit_times.append(elapsed)
            prompt = [a for a in response.json()["actions"] if a["func"] == "alert"][0]["args"][0]
            imported = int(prompt.split(": ", 1)[1].split(" imported")[0].replace(",", "")) if "imported" in prompt else 0
        finally:
            server.stop()
        server = Server(root)
        try:
            elapsed, response = server.post("/api/v1/imports", api_body, **{"Idempotency-Key": uuid.uuid4().hex})
            api_times.append(elapsed)
        finally:
            server.stop()

    s, a = median(submit_times), median(api_times)
    print(f"{line} {s:>9.2f} {a:>7.2f} {s / a:>6.1f}x {imported:>8,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", nargs="*", default=list(all_profiles()))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-counts", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_counts:
        operation_counts()
    print(f"Server mode, end to end over loopback (median of {args.repeat}; times in seconds)")
    print(f"{'profile':<13} {'rows':>7} {'sent MB':>8} {'answer MB':>8} {'actions':>7} "
          f"{'Validate':>9} {'floor':>7} {'ratio':>7} {'Submit':>9} {'API':>7} {'ratio':>7} {'imported':>8}")
    with tempfile.TemporaryDirectory(prefix="rosterbook-bench-") as root:
        for profile_id in args.profile:
            end_to_end(profile_id, args.rows, args.repeat, Path(root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
