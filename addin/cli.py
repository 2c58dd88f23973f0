"""The `rosterbook` commands that need no server: validate (and build, for the templates).

Only what a command uses is imported when it runs: `validate` never loads the template builder
(xlwings), and the server's stack stays out of both.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from .files.encodings import EncodingOptionError, named
from .files.limits import LimitSettingError, ReadLimits
from .files.offline import FROM_HEADERS, FROM_TEMPLATE, FormatNotRecognised, check_file
from .files.readers import SHEET_BY_CONTENT, ReadOptions, UnreadableFile
from .profiles import UnknownProfile, get_profile, profile_ids
from .rules.columns import ProfileSettings
from .rules.findings import Finding, Level
from .rules.settings import DEFAULT_MODE, DEFAULT_SERVER_URL, MODES

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
SUMMARY_LINES = 25  # problems in rows
FIXES_SHOWN = 20


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("validate", help="check a filled .xlsx, .xlsm, .csv or .txt file",
                                description="Check a filled file against a target format and write an annotated copy.")
    check.add_argument("file", type=Path)
    check.add_argument("--profile", help=f"the target format: {', '.join(profile_ids())} (any case). Optional: "
                                         "a rosterbook template names its own, otherwise the format whose "
                                         "columns the header row matches best is used")
    check.add_argument("--region", help="two-letter country code (US, GB, DE...) added to phone numbers written "
                                        "without a country code; without it such numbers are errors")
    check.add_argument("--locale", help="the language of the Excel that wrote the file, when not English (de, fr, "
                                        "es, it, nl, pt, en-GB, en-US): its TRUE/FALSE words and date order are read")
    check.add_argument("--sheet", help="the worksheet holding the users (default: the template's data sheet, else "
                                       "the one whose header row matches the format best)")
    check.add_argument("--header-row", type=int, metavar="N",
                       help="the row (a CSV's line) holding the column names; the rows above it are not read "
                            "(default: the row among the first 20 that matches the format best)")
    check.add_argument("--encoding", help="the text encoding of a CSV or .txt file, such as utf-8, utf-16, "
                                          "windows-1252 or windows-1250 (default: detected; a guess says so)")
    check.add_argument("--skip-hidden", action="store_true",
                       help="leave out rows hidden in the sheet or filtered out (default: they are checked like "
                            "the others, each with a warning)")
    check.add_argument("--out", type=Path, help="where to write the annotated copy (default FILE.checked.xlsx)")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    check.add_argument("--quiet", "-q", action="store_true",
                       help="print nothing; the exit status says it all (0 no errors, 1 errors, 2 unreadable)")
    check.add_argument("--no-copy", action="store_true", help="do not write an annotated copy")
    check.set_defaults(handler=run_validate)

    build = commands.add_parser("build", help="write the .xlsm templates, one per format",
                                description="Write <profile>.xlsm for every format into a folder. The same "
                                            "input always gives the same bytes.")
    build.add_argument("--out", type=Path, default=Path("workbooks"), help="the folder (default: workbooks)")
    build.add_argument("--profile", action="append", choices=profile_ids(), type=str.casefold,
                       help="only this format (repeat for several; default: all)")
    build.add_argument("--mode", choices=MODES, default=DEFAULT_MODE,
                       help="server: the buttons send the workbook to the import server (default); "
                            "local: the buttons run Python on the admin's machine")
    build.add_argument("--server-url", default=DEFAULT_SERVER_URL,
                       help="the import server's address written into the templates (default: %(default)s)")
    build.set_defaults(handler=run_build)


def run_validate(args: argparse.Namespace) -> int:
    bar = ProgressBar() if sys.stderr.isatty() and not args.quiet else None
    try:
        overrides = _overrides(args)
        result = check_file(args.file, args.profile, args.out, annotate=not args.no_copy, overrides=overrides,
                            limits=ReadLimits.from_env(), progress=bar, reading=_reading(args))
    except (UnreadableFile, UnknownProfile, _BadOption, LimitSettingError) as exc:
        _close(bar)
        print(f"rosterbook validate: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except FormatNotRecognised as exc:
        _close(bar)
        print(f"rosterbook validate: cannot tell which format {args.file} is: {exc}. Name it with --profile "
              f"({', '.join(profile_ids())})", file=sys.stderr)
        return EXIT_UNREADABLE
    except PermissionError as exc:
        _close(bar)
        print(f"rosterbook validate: cannot write {exc.filename}: permission denied", file=sys.stderr)
        return EXIT_UNREADABLE
    _close(bar)
    report = result.report
    status = EXIT_OK if report.ok else EXIT_ERRORS
    if args.quiet:
        return status
    try:
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            _print_summary(result)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`rosterbook validate ... | head -1`): nothing more to say, and
        # Python must not report the failed flush at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


class _BadOption(ValueError):
    """An option's value is not one rosterbook can use; the message says which and why."""


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    """--region and --locale, checked as the template's settings of the same meaning are."""
    given = {"phone_region": args.region, "locale": args.locale, "skip_hidden": args.skip_hidden}
    given = {k: v for k, v in given.items() if v}
    try:
        ProfileSettings.model_validate(given)
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--region" if error["loc"][0] == "phone_region" else "--locale"
        message = str(error.get("ctx", {}).get("error") or error["msg"])
        raise _BadOption(f"{option}: {message}") from None
    return given


def _reading(args: argparse.Namespace) -> ReadOptions:
    """--sheet, --header-row and --encoding."""
    if args.header_row is not None and args.header_row < 1:
        raise _BadOption(f"--header-row: {args.header_row} is not a row number (the first row is 1)")
    try:
        encoding = named(args.encoding) if args.encoding else None
    except EncodingOptionError as exc:
        raise _BadOption(f"--encoding: {exc}") from None
    return ReadOptions(sheet=args.sheet, header_row=args.header_row, encoding=encoding)


class ProgressBar:
    """One bar on stderr per stage (reading, checking, writing the copy), shown only for files
    long enough to report progress at all (a few thousand rows)."""

    def __init__(self) -> None:
        self._bar = None
        self._stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            from tqdm import tqdm

            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=stage, file=sys.stderr, leave=False, unit_scale=True,
                             dynamic_ncols=True, bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _close(bar: ProgressBar | None) -> None:
    if bar is not None:
        bar.close()


def run_build(args: argparse.Namespace) -> int:
    from .template import build_all

    if not args.server_url.startswith(("http://", "https://")):
        print(f"rosterbook build: --server-url must start with http:// or https://, not {args.server_url!r}",
              file=sys.stderr)
        return EXIT_UNREADABLE
    profiles = [get_profile(p) for p in dict.fromkeys(args.profile)] if args.profile else None
    try:
        paths = build_all(args.out, profiles, mode=args.mode, server_url=args.server_url.rstrip("/"))
    except OSError as exc:
        print(f"rosterbook build: cannot write to {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    for path in paths:
        print(f"wrote {path}")
    return EXIT_OK


def _print_summary(result) -> None:
    report = result.report
    profile = result.profile
    print(f"{profile.title} ({profile.id}): {len(report.rows)} rows, {report.errors} errors, "
          f"{report.total(Level.WARNING)} warnings, {report.total(Level.FIXED)} fixed")
    if report.profile_from == FROM_HEADERS:
        print(f"Format: {profile.title}, recognised by the file's header row (name another with --profile)")
    elif report.profile_from == FROM_TEMPLATE:
        print(f"Format: {profile.title}, as the workbook's settings say")
    for line in result.read_lines():
        print(f"Read: {line}")
    table = result.table
    if table.sheet_from == SHEET_BY_CONTENT or table.above or (table.encoding and not table.encoding.certain):
        print("Read: if that is not right, name the sheet, the header row or the encoding with --sheet, "
              "--header-row or --encoding")
    for note in report.notes:
        print(f"Note: {note}")
    file_level = [f for f in report.file_findings if f.level is not Level.FIXED]
    if file_level:
        print("About the whole file:")
        for finding in file_level:
            print(f"  {finding.level}: {finding.message}")
    _print_listed("In the rows:", [f for r in report.rows for f in r.findings if f.level is not Level.FIXED],
                  lambda f: f"row {f.row}: {f.level}: {f.message}", SUMMARY_LINES,
                  "more (see the annotated copy, or use --json)")
    _print_listed("Repaired (check these; the annotated copy marks them amber and keeps each original in a note):",
                  [f for f in report.findings() if f.level is Level.FIXED], lambda f: f"row {f.row}: {f.message}",
                  FIXES_SHOWN, "more repaired values")
    if result.annotated:
        note = ""
        if result.table.sheet is not None and str(result.annotated).lower().endswith(".xlsx") \
                and args_suffix(result) == ".xlsm":
            note = " (an .xlsx: your .xlsm with its macros and buttons is left as it was)"
        print(f"Annotated copy: {result.annotated}{note}")


def args_suffix(result) -> str:
    return result.source.suffix.lower() if result.source else ""


def _print_listed(title: str, findings: list[Finding], line: Callable[[Finding], str], shown: int, more: str) -> None:
    """A titled list of at most SHOWN findings, then how many more there are."""
    if not findings:
        return
    print(title)
    for finding in findings[:shown]:
        print(f"  {line(finding)}")
    if len(findings) > shown:
        print(f"  ... and {len(findings) - shown} {more}")
