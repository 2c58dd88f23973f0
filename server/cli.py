"""The `rosterbook` console script: one parser, commands contributed by each part."""
from __future__ import annotations

import argparse
import os
import sys

from addin import cli as addin_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rosterbook", description="Bulk user import templates, checks and server.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    addin_cli.register(commands)
    server = _server_commands()
    for register in server.REGISTER if server else ():
        register(commands)
    return parser


def _server_commands():
    """The server's own commands (serve, token, admin, ...): server/commands.py, if installed."""
    try:
        from . import commands
    except ImportError:
        return None
    return commands


def main(argv: list[str] | None = None) -> int:
    return execute(build_parser().parse_args(argv))


def execute(args: argparse.Namespace) -> int:
    server = _server_commands()
    problems = (server.StartProblem,) if server else ()
    try:
        return args.handler(args) or 0
    except problems as exc:  # settings the server cannot start with: one line, no traceback
        print(f"rosterbook {args.command}: {exc}", file=sys.stderr)
        return 2


# Commands that end the process with nothing left to do: their heap (a checked file's rows and
# report) is not freed object by object at exit, which took about 0.4 s after 100,000 rows.
QUICK_EXIT = {"validate"}


def run() -> None:
    """The console script `rosterbook`."""
    args = build_parser().parse_args()
    status = execute(args)
    if args.command in QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    run()
