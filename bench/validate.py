"""How fast and how lean the validation engine is, against a floor and against frictionless.

Run by hand from the repository root:

    .venv/bin/python bench/validate.py [--rows 10000 100000] [--profile pbx ...] [--repeat 5]

For every profile and size it validates generated rows (bench/rows.py) and prints one line:
rows per second of the engine, the ratio to the floor (the same per-cell checks in a plain
loop), the ratio to frictionless validating the same rows as CSV against a Table Schema
derived from the profile, and peak memory. Each measurement runs in a fresh interpreter, so
neither time nor memory carries over (the engine and the floor share one, taking turns, so
load from elsewhere on the machine hits both alike). Nothing here asserts a time.
See bench/README.md for what each figure means and the last ones measured.
"""
from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pycountry  # noqa: E402

from addin.profiles import all_profiles, get_profile  # noqa: E402
from addin.rules import fields, phones  # noqa: E402
from addin.rules.cells import SPACES, search_control_or_surrogate, to_text  # noqa: E402
from addin.rules.columns import Column, Profile  # noqa: E402
from addin.rules.engine import Report, looks_like_header, map_header, positional_header, validate  # noqa: E402
from addin.rules.fields import CHECKS, Context, Kind  # noqa: E402
from addin.rules.findings import Level  # noqa: E402
from bench.rows import table  # noqa: E402

TARGET_FLOOR_RATIO = 1.3
TARGET_MEMORY_MB = 300
WARM_UP_ROWS = 500


# --------------------------------------------------------------------------- what is measured

def run_engine(profile: Profile, rows: list[list[Any]]) -> Report:
    return validate(profile, rows)


def summary(outcome: Report | dict[str, int]) -> dict[str, int]:
    """What a run found, counted after the clock stops."""
    if isinstance(outcome, Report):
        return {"errors": outcome.total(Level.ERROR), "warnings": outcome.total(Level.WARNING),
                "fixed": outcome.total(Level.FIXED)}
    return outcome


def run_floor(profile: Profile, rows: list[list[Any]]) -> dict[str, int]:
    """The per-cell work the engine does, and nothing else, in the plainest loop.

    For every mapped cell: its text, the control-character guard, trimming, the length limit
    and the column's field check, called as directly as the engine's row loop calls them (the
    check function looked up once per column, the guard and trimming without a helper call), so
    the engine gains nothing over the floor by calling them differently. Left out is the engine's
    bookkeeping: Finding objects and messages, row results and their values, blank-row skipping,
    row rules, the duplicate and row-limit checks, and the memory of clean values.
    """
    settings = profile.settings()
    ctx = settings.context()
    if profile.headerless and not looks_like_header(profile, rows[0]):
        positions, data = positional_header(profile).positions, rows
    else:
        positions, data = map_header(profile, rows[0], 1, settings).positions, rows[1:]
    mapped = [(index, column, CHECKS[column.kind], column.max_length) for index, column in positions]
    problems = 0
    for cells in data:
        width = len(cells)
        for index, column, check, max_length in mapped:
            raw = cells[index] if index < width else None
            text = raw if type(raw) is str else to_text(raw)
            if text and search_control_or_surrogate(text) is not None:
                problems += 1
                continue
            value = text.strip(SPACES)
            if not value or len(value) > max_length:
                continue
            problems += len(check(column, value, raw, ctx).problems)
    return {"problems": problems}


def run_frictionless(profile: Profile, csv_path: Path) -> dict[str, int]:
    from frictionless import Resource, Schema

    source = Resource(path=csv_path.name, basepath=str(csv_path.parent), format="csv", encoding="utf-8",
                      schema=Schema.from_descriptor(table_schema(profile)))
    report = source.validate(limit_errors=10**9)
    if report.warnings:
        raise RuntimeError(f"frictionless did not validate everything: {report.warnings}")
    return {"errors": len(report.flatten(["type"])), "rows": report.tasks[0].stats["rows"]}


# --------------------------------------------------------------------------- Table Schema from a profile

# Table Schema patterns are anchored by the validator; the engine's own expressions are reused so
# the schema states no rule of its own.
_PHONE_PATTERN = phones._PHONE_CHARS.pattern.strip("^$")
_DIGITS_PATTERN = fields._DIGITS.pattern.strip("^$")
_INTEGER_PATTERN = fields._INTEGER.pattern.strip("^$")
_LEADING_FLAGS = re.compile(r"^\(\?([aiLmsux]+)\)")


def _anchorable(pattern: str) -> str:
    """'(?i)sip:...' -> '(?i:sip:...)': frictionless wraps patterns in ^...$, where leading flags are illegal."""
    match = _LEADING_FLAGS.match(pattern)
    return f"(?{match.group(1)}:{pattern[match.end():]})" if match else pattern


def _with_extra(pattern: str, column: Column) -> str:
    return "|".join([f"(?:{pattern})", *(re.escape(v) for v in column.extra_values)])


def _case_variants(values: tuple[str, ...]) -> list[str]:
    return sorted({f(v) for v in values for f in (str, str.lower, str.upper, str.title)})


def schema_field(column: Column, *, required: bool, unique: bool) -> dict[str, Any]:
    """The closest Table Schema field to a Column: type, required, unique, enum, pattern, lengths."""
    field: dict[str, Any] = {"name": column.header, "type": "string"}
    constraints: dict[str, Any] = {}
    kind = column.kind
    if kind in (Kind.TEXT, Kind.PASSWORD, Kind.EMAIL, Kind.DIGITS):
        constraints["maxLength"] = column.max_length
    if kind is Kind.TEXT and column.pattern:
        constraints["pattern"] = _anchorable(column.pattern)
    if kind is Kind.PASSWORD and column.min_length:
        constraints["minLength"] = column.min_length
    if kind is Kind.EMAIL:
        field["format"] = "email"
    if kind is Kind.PHONE:
        constraints["pattern"] = _with_extra(_PHONE_PATTERN, column)
    if kind is Kind.DIGITS:
        constraints["pattern"] = _with_extra(_DIGITS_PATTERN, column)
    if kind is Kind.NUMERIC_ID:
        constraints["pattern"] = _with_extra(_INTEGER_PATTERN, column)
    if kind is Kind.BOOLEAN:
        field.update(type="boolean", trueValues=_case_variants((column.true_value, *column.truthy)),
                     falseValues=_case_variants((column.false_value, *column.falsy)))
    if kind is Kind.ENUM:
        constraints["enum"] = list(column.choices)
    if kind is Kind.COUNTRY:
        constraints["enum"] = sorted(c.alpha_2 for c in pycountry.countries)
    if kind is Kind.LANGUAGE:
        constraints["enum"] = sorted(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
    if kind is Kind.DATE:
        field["type"] = "date"
    if required:
        constraints["required"] = True
    if unique:
        constraints["unique"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def table_schema(profile: Profile) -> dict[str, Any]:
    settings = profile.settings()
    unique = {*profile.login_key_columns, *profile.unique}
    return {"fields": [schema_field(c, required=c.is_required(settings), unique=c.key in unique)
                       for c in profile.columns]}


def write_csv(rows: list[list[Any]], path: Path) -> None:
    """The rows as a CSV saved from Excel would hold them: each cell's text, empty for None."""
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([to_text(c) for c in row] for row in rows)


# --------------------------------------------------------------------------- one measurement, in a fresh interpreter

def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


MEASURES = ("speed", "frictionless", "memory", "traced")


def forget_checked_values() -> None:
    """Empty the field checks' caches (phones, email domains, countries), so every timed run
    meets these rows for the first time, as the first Validate of a file does, and neither the
    engine nor the floor profits from the other's run."""
    for module in (fields, phones):  # the phone checks' caches live in phones since issue 11
        for name in dir(module):
            clear = getattr(getattr(module, name), "cache_clear", None)
            if clear is not None:
                clear()


def measure(kind: str, profile_id: str, count: int, repeat: int) -> dict[str, Any]:
    """One measurement in this (fresh) interpreter.

    speed: the engine and the floor, alternately, repeat times each; the best time of each
    counts, so a burst of load on the machine does not tilt the ratio. frictionless: its best
    time. memory: one engine run, the process's peak resident size (ru_maxrss) before and
    after. traced: one engine run under tracemalloc (slower, so never timed), its peak.
    """
    profile = get_profile(profile_id)
    rows = table(profile, count)
    warm_up = table(profile, WARM_UP_ROWS, seed=1)  # other rows, so no cache is primed with these
    if kind == "frictionless":
        folder = tempfile.TemporaryDirectory()
        csv_path, warm_path = Path(folder.name) / "rows.csv", Path(folder.name) / "warm.csv"
        write_csv(rows, csv_path)
        write_csv(warm_up, warm_path)
        del rows
        runs = {"frictionless": (lambda: run_frictionless(profile, warm_path),
                                 lambda: run_frictionless(profile, csv_path))}
    else:
        runs = {"engine": (lambda: run_engine(profile, warm_up), lambda: run_engine(profile, rows))}
        if kind == "speed":
            runs["floor"] = (lambda: run_floor(profile, warm_up), lambda: run_floor(profile, rows))
    # Lazy imports and metadata (pycountry's database, libphonenumber's regions) load once per
    # process, on the first rows: a warm-up pays for them.
    for warm, _ in runs.values():
        warm()
    gc.collect()
    result: dict[str, Any] = {"rss_before_mb": max_rss_mb()}
    if kind == "traced":
        tracemalloc.start()
        outcome = runs["engine"][1]()
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        result["engine"] = summary(outcome)
    elif kind == "memory":
        result["engine"] = summary(runs["engine"][1]())
    else:
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeat):
            for name, (_, work) in runs.items():
                forget_checked_values()
                started = time.process_time()
                outcome = work()
                times[name].append(time.process_time() - started)
                result[name] = summary(outcome)
                del outcome
                gc.collect()
        result["seconds"] = {name: min(spent) for name, spent in times.items()}
    result["rss_peak_mb"] = max_rss_mb()
    return result


def in_fresh_interpreter(kind: str, profile_id: str, count: int, repeat: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", kind,
               "--profile", profile_id, "--rows", str(count), "--repeat", str(repeat)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{kind} {profile_id} {count} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the table

COLUMNS = ("profile", "rows", "engine s", "rows/s", "floor s", "/floor", "frictionless s", "/fl",
           "peak MB", "engine MB", "traced MB", "engine E/W/F", "fl errors")


def line(profile: Profile, count: int, repeat: int) -> list[str]:
    speed = in_fresh_interpreter("speed", profile.id, count, repeat)
    friction = in_fresh_interpreter("frictionless", profile.id, count, repeat)
    memory = in_fresh_interpreter("memory", profile.id, count, 1)
    traced = in_fresh_interpreter("traced", profile.id, count, 1)
    if friction["frictionless"]["rows"] != count:
        raise SystemExit(f"frictionless read {friction['frictionless']['rows']} rows of {count}")
    engine, floor = speed["seconds"]["engine"], speed["seconds"]["floor"]
    fl = friction["seconds"]["frictionless"]
    counts = speed["engine"]
    return [
        profile.id, f"{count:,}", f"{engine:.2f}", f"{count / engine:,.0f}",
        f"{floor:.2f}", f"{engine / floor:.2f}", f"{fl:.2f}", f"{engine / fl:.2f}",
        f"{memory['rss_peak_mb']:.0f}", f"{memory['rss_peak_mb'] - memory['rss_before_mb']:.0f}",
        f"{traced['traced_peak_mb']:.0f}",
        f"{counts['errors']}/{counts['warnings']}/{counts['fixed']}", str(friction["frictionless"]["errors"]),
    ]


def print_row(cells: list[str] | tuple[str, ...], widths: list[int]) -> None:
    print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--profile", nargs="+", default=None, help="profile ids (default: all)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed runs of each, the best counted (a 10,000-row run takes a tenth of a second)")
    parser.add_argument("--repeat-large", type=int, default=3, help="the same from 50,000 rows up")
    parser.add_argument("--measure", choices=MEASURES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.profile[0], args.rows[0], args.repeat)))
        return
    profiles = [get_profile(p) for p in args.profile] if args.profile else list(all_profiles().values())
    widths = [12, 8, 8, 8, 7, 6, 14, 5, 7, 9, 9, 15, 9]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {_load()} at the start. "
          f"Seconds are CPU time, best of {args.repeat} runs ({args.repeat_large} from 50,000 rows).")
    print_row(COLUMNS, widths)
    started = time.perf_counter()
    for count in args.rows:
        for profile in profiles:
            print_row(line(profile, count, args.repeat if count < 50_000 else args.repeat_large), widths)
    print(f"Targets: /floor <= {TARGET_FLOOR_RATIO}, /fl < 1, peak MB < {TARGET_MEMORY_MB} at 100,000 rows. "
          f"Load average {_load()} at the end; {time.perf_counter() - started:.0f} s in all.")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
