"""The import server under load: printed figures, nothing asserted.

Run by hand from the repository root (PostgreSQL from Debian's package is started on a private
data dir, with fsync on):

    .venv/bin/python bench/server.py [--profile ipass] [--repeat 9] [--clients 16] [--batches 20]

1. One batch of 10,000 rows POSTed to `rosterbook serve` over loopback: the request's wall
   time, against the floor measured in the same run on the same database: the same rows
   validated by the profile (validate_records) plus one executemany of those rows (the server
   stores every row of a batch, accepted or not, so the batch page can show each one). Like
   the served process, which is new for every repeat, the floor first forgets what the field
   checks cached and validates the same 50 other rows the server is warmed up with.
   Each repeat pairs one request with the mean of two floors, measured right before and right
   after it; the figure is the median of the pairs' ratios.
2. 16 concurrent submitters of 100-row batches, a fixed count each: throughput, p50 and p99
   latency.
Both on SQLite (the default store) and on PostgreSQL. Rows come from bench/rows.py (realistic,
about 10% with a problem); every measurement starts from an empty database.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from addin.profiles import get_profile  # noqa: E402
from addin.rules.engine import validate_records  # noqa: E402
from bench.machine import load_average  # noqa: E402
from bench.rows import generate, header_row  # noqa: E402
from bench.validate import forget_checked_values  # noqa: E402
from server import create_app, db  # noqa: E402
from server.auth import create_token  # noqa: E402
from tests.load_clients import new_sent, run_clients  # noqa: E402
from tests.local_postgres import LocalPostgres  # noqa: E402
from tests.serve_process import ServeProcess  # noqa: E402

FLOOR_TABLE = "bench_floor"
WARM_UP_SEED = 9  # the server's warm-up batch and the floor's: other rows than the measured ones


def records(profile_id: str, count: int, seed: int = 1) -> list[dict]:
    profile = get_profile(profile_id)
    headers = header_row(profile)
    return [{h: as_json(v) for h, v in zip(headers, row) if v is not None} for row in generate(profile, count, seed=seed)]


def as_json(value):
    """Cells as the workbook's Submit sends them: dates as ISO text (as xlwings' client does).

    The API refuses a whole request holding a NUL character (it cannot be stored), so the
    generator's stray NUL becomes another control character: that row is rejected on its own.
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value.replace("\x00", "\x07") if isinstance(value, str) else value


class Store:
    """A fresh database per measurement, and a served process on it."""

    def __init__(self, kind: str, workdir: Path, postgres: LocalPostgres | None, threads: int = 8):
        self.kind, self.workdir, self.postgres, self.threads = kind, workdir, postgres, threads
        self.count = 0

    def fresh(self) -> tuple[str, Path]:
        self.count += 1
        instance = self.workdir / f"{self.kind}-{self.count}"
        instance.mkdir(parents=True)
        url = (f"sqlite:///{instance / 'rosterbook.sqlite3'}" if self.kind == "sqlite"
               else self.postgres.create_database("bench"))
        return url, instance

    def serve(self) -> tuple[ServeProcess, str]:
        url, instance = self.fresh()
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(instance)})
        db.upgrade(app)
        with db.session_scope(app) as session:
            token = create_token(session, "bench")
        db.engine_for(app).dispose()
        return ServeProcess(url, instance, threads=self.threads).start(), token


def checkpoint(engine) -> None:
    """On SQLite, copy the write-ahead log into the database file now (nothing elsewhere)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def floor_seconds(profile_id: str, rows: list[dict], url: str) -> tuple[float, float]:
    """validate_records + one executemany of the same rows into the same database: (all, executemany)."""
    profile = get_profile(profile_id)
    forget_checked_values()
    validate_records(profile, records(profile_id, 50, seed=WARM_UP_SEED))  # as warm as the served process
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {FLOOR_TABLE}"))
        connection.execute(text(f"CREATE TABLE {FLOOR_TABLE} (position INTEGER, login_key TEXT, row_values TEXT)"))
    checkpoint(engine)  # the server's last writes are not the floor's to copy into the file
    started = time.perf_counter()
    report = validate_records(profile, rows)
    params = []
    for position, result in enumerate(report.rows):
        login = profile.login_key(result.values) if result.ok else None
        params.append({"p": position, "k": login[1] if login else None, "v": json.dumps(result.values)})
    inserting = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(f"INSERT INTO {FLOOR_TABLE} VALUES (:p, :k, :v)"), params)
    done = time.perf_counter()
    checkpoint(engine)  # nor are the floor's writes the server's to copy
    engine.dispose()
    return done - started, done - inserting


def warm_up(url: str, token: str, profile_id: str) -> None:
    """One small batch first: the first request loads phone and country data, as the floor's first run did."""
    rows = records(profile_id, 50, seed=WARM_UP_SEED)
    answer = requests.post(url + "/api/v1/imports", json={"profile": profile_id, "rows": rows},
                           headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}, timeout=60)
    assert answer.status_code == 201, answer.text[:500]


def one_big_batch(store: Store, profile_id: str, size: int, repeat: int) -> None:
    rows = records(profile_id, size)
    body = json.dumps({"profile": profile_id, "rows": rows}).encode()  # encoded once: not the server's time
    floor_seconds(profile_id, rows[:50], store.fresh()[0])  # the floor's first run: imports, connections
    server_times, floor_times, insert_times = [], [], []
    for _ in range(repeat):
        served, token = store.serve()
        try:
            warm_up(served.url, token, profile_id)
            before = floor_seconds(profile_id, rows, served.database_url)
            started = time.perf_counter()
            answer = requests.post(served.url + "/api/v1/imports", data=body, timeout=600,
                                   headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4()),
                                            "Content-Type": "application/json"})
            server_times.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text[:500]
            result = answer.json()
        finally:
            served.stop()
        after = floor_seconds(profile_id, rows, served.database_url)
        floor_times.append((before[0] + after[0]) / 2)
        insert_times.append((before[1] + after[1]) / 2)
    # The machine's speed drifts over seconds (shared cores): each run's ratio pairs a request
    # with the mean of the floors measured right before and right after it, and the median of
    # those ratios is the figure.
    ratios = [s / f for s, f in zip(server_times, floor_times)]
    print(f"  one batch of {size:,} rows ({result['accepted']:,} accepted, {result['rejected']} rejected, "
          f"{result['duplicates']} duplicates): server {statistics.median(server_times):.3f} s, "
          f"floor {statistics.median(floor_times):.3f} s (of it executemany {statistics.median(insert_times):.3f} s), "
          f"ratio {statistics.median(ratios):.2f} (median of {repeat} runs' ratios; target <= 1.5)")
    print(f"    each run, server / floor: {', '.join(f'{s:.3f} / {f:.3f}' for s, f in zip(server_times, floor_times))}")


def concurrent_submitters(store: Store, profile_id: str, clients: int, batches: int, size: int) -> None:
    rows = records(profile_id, clients * batches * size, seed=2)
    served, token = store.serve()
    try:
        warm_up(served.url, token, profile_id)
        jobs = [[(served.url, new_sent(profile_id, rows[(c * batches + b) * size:(c * batches + b + 1) * size]))
                 for b in range(batches)] for c in range(clients)]
        # The 16 clients share this process, and its heap holds every generated row: one full
        # collection of the cyclic GC here would stall all of them at once, adding 100 ms or more
        # to the requests in flight, which is this process's pause, not the server's latency
        # (real submitters are separate workbooks). So what exists now is frozen first.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        done = run_clients(jobs, token)
        wall = time.perf_counter() - started
    finally:
        gc.unfreeze()
        served.stop()
    failed = [s for s in done if s.status != 201]
    latencies = sorted(s.seconds * 1000 for s in done)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * len(latencies)) - 1)]
    print(f"  {clients} clients x {batches} batches of {size} rows: {len(done) / wall:.1f} batches/s, "
          f"{len(done) * size / wall:,.0f} rows/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
          f"max {latencies[-1]:.0f} ms, failed {len(failed)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ipass")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)  # a median of 5 moved by 0.1 with one slow moment
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batches", type=int, default=20, help="batches per client")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--threads", type=int, default=4, help="the server's worker threads (serve --threads)")
    parser.add_argument("--skip-big", action="store_true", help="only the concurrent submitters")
    args = parser.parse_args(argv)
    print(f"load average {load_average()} at the start", flush=True)
    postgres = LocalPostgres(durable=True).start() if "postgresql" in args.stores else None
    try:
        with tempfile.TemporaryDirectory(prefix="rosterbook-bench-") as workdir:
            for kind in args.stores:
                store = Store(kind, Path(workdir), postgres, args.threads)
                print(f"{kind} ({args.profile}, {args.threads} server threads):", flush=True)
                if not args.skip_big:
                    one_big_batch(store, args.profile, args.rows, args.repeat)
                concurrent_submitters(store, args.profile, args.clients, args.batches, args.batch_size)
    finally:
        if postgres:
            postgres.stop()
    print(f"load average {load_average()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
