"""The `rosterbook` commands that need no server: validate (and build, for the templates).

Only what a command uses is imported when it runs: `validate` never loads the template builder
(xlwings), and the server's stack stays out of both.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .profiles import UnknownProfile, get_profile, profile_ids
from .rules.findings import Level
from .rules.settings import DEFAULT_MODE, DEFAULT_SERVER_URL, MODES

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2
SUMMARY_LINES = 25


def register(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser("validate", help="check a filled .xlsx, .xlsm or .csv file",
                                description="Check a filled file against a target format and write an annotated copy.")
    check.add_argument("file", type=Path)
    check.add_argument("--profile", help=f"the target format: {', '.join(profile_ids())} "
                                         "(optional for rosterbook templates, which name their own)")
    check.add_argument("--out", type=Path, help="where to write the annotated copy (default FILE.checked.xlsx)")
    check.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    check.add_argument("--no-copy", action="store_true", help="do not write an annotated copy")
    check.set_defaults(handler=run_validate)

    build = commands.add_parser("build", help="write the .xlsm templates, one per format",
                                description="Write <profile>.xlsm for every format into a folder. The same "
                                            "input always gives the same bytes.")
    build.add_argument("--out", type=Path, default=Path("workbooks"), help="the folder (default: workbooks)")
    build.add_argument("--profile", action="append", choices=profile_ids(),
                       help="only this format (repeat for several; default: all)")
    build.add_argument("--mode", choices=MODES, default=DEFAULT_MODE,
                       help="server: the buttons send the workbook to the import server (default); "
                            "local: the buttons run Python on the admin's machine")
    build.add_argument("--server-url", default=DEFAULT_SERVER_URL,
                       help="the import server's address written into the templates (default: %(default)s)")
    build.set_defaults(handler=run_build)


def run_validate(args: argparse.Namespace) -> int:
    from .files.limits import LimitSettingError, ReadLimits
    from .files.offline import check_file
    from .files.readers import UnreadableFile

    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        if not args.profile and args.file.suffix.lower() == ".csv":
            raise UnknownProfile("")
        result = check_file(args.file, args.profile, args.out, annotate=not args.no_copy,
                            limits=ReadLimits.from_env(), progress=bar)
    except (UnreadableFile, UnknownProfile, LimitSettingError) as exc:
        _close(bar)
        print(f"rosterbook validate: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except PermissionError as exc:
        _close(bar)
        print(f"rosterbook validate: cannot write {exc.filename}: permission denied", file=sys.stderr)
        return EXIT_UNREADABLE
    _close(bar)
    report = result.report
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print_summary(result)
    return EXIT_OK if report.ok else EXIT_ERRORS


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
    print(f"{result.profile.title} ({result.profile.id}): {len(report.rows)} rows, {report.errors} errors, "
          f"{report.total(Level.WARNING)} warnings, {report.total(Level.FIXED)} fixed")
    findings = [f for f in report.findings() if f.level is not Level.FIXED]
    for finding in findings[:SUMMARY_LINES]:
        where = f"row {finding.row}" if finding.row else "file"
        print(f"  {where}: {finding.level}: {finding.message}")
    if len(findings) > SUMMARY_LINES:
        print(f"  ... and {len(findings) - SUMMARY_LINES} more (see the annotated copy, or use --json)")
    if result.annotated:
        note = ""
        if result.table.sheet is not None and str(result.annotated).lower().endswith(".xlsx") \
                and args_suffix(result) == ".xlsm":
            note = " (an .xlsx: your .xlsm with its macros and buttons is left as it was)"
        print(f"Annotated copy: {result.annotated}{note}")


def args_suffix(result) -> str:
    return result.source.suffix.lower() if result.source else ""
