"""The `rosterbook` commands that need no server: validate (and build, for the templates)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .files.offline import check_file
from .files.readers import UnreadableFile
from .profiles import UnknownProfile, get_profile, profile_ids
from .rules.findings import Level
from .rules.settings import MODES
from .template import DEFAULT_MODE, DEFAULT_SERVER_URL, build_all

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
    try:
        if not args.profile and args.file.suffix.lower() == ".csv":
            raise UnknownProfile("")
        result = check_file(args.file, args.profile, args.out, annotate=not args.no_copy)
    except (UnreadableFile, UnknownProfile) as exc:
        print(f"rosterbook validate: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except PermissionError as exc:
        print(f"rosterbook validate: cannot write {exc.filename}: permission denied", file=sys.stderr)
        return EXIT_UNREADABLE
    report = result.report
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print_summary(result)
    return EXIT_OK if report.ok else EXIT_ERRORS


def run_build(args: argparse.Namespace) -> int:
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
    for note in report.notes:
        print(f"  note: {note}")
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
