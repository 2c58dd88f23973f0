"""The server's `rosterbook` commands: serve, token create/revoke/list, admin create.

Each works on the database the environment names (DATABASE_URL, else the instance SQLite file)
and brings its schema up to date first, so a fresh machine needs no separate setup step.
"""
from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import os
import sys

LOOPBACK_NAMES = {"localhost"}


def register_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the import server (waitress)",
                                description="Run the import server. It listens on 127.0.0.1 unless told otherwise.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=5000, help="port (default 5000)")
    serve.add_argument("--threads", type=int, default=4,
                       help="worker threads (default 4: validation holds the GIL, so more threads only queue)")
    serve.set_defaults(handler=run_serve)


def register_token(commands: argparse._SubParsersAction) -> None:
    token = commands.add_parser("token", help="create, revoke or list API tokens")
    actions = token.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("name", help="who or what uses the token, e.g. 'hr-team'")
    create.set_defaults(handler=run_token_create)
    revoke = actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    revoke.set_defaults(handler=run_token_revoke)
    listing = actions.add_parser("list", help="list token names")
    listing.set_defaults(handler=run_token_list)


def register_admin(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser("admin", help="manage admin accounts for the web pages")
    actions = admin.add_subparsers(dest="admin_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create an admin account (asks for the password)")
    create.add_argument("username")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input instead of asking")
    create.set_defaults(handler=run_admin_create)


REGISTER = [register_serve, register_token, register_admin]


def _app():
    from . import create_app, db

    app = create_app()
    db.upgrade(app)
    return app


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_serve(args: argparse.Namespace) -> int:
    from .serving import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _app()
    if not is_loopback(args.host):
        print(f"rosterbook serve: warning: listening on {args.host}, not only this machine. Anyone who can reach "
              "this address can try tokens and the sign-in page; put it behind HTTPS and a firewall.",
              file=sys.stderr)
    store = "PostgreSQL" if app.config["DATABASE_URL"].startswith("postgresql") else "SQLite"
    print(f"rosterbook serve: http://{args.host}:{args.port}/ ({store} store, pid {os.getpid()})", flush=True)
    serve(app, args.host, args.port, args.threads)
    return 0


def run_token_create(args: argparse.Namespace) -> int:
    from .auth import TokenError, create_token
    from .db import session_scope

    app = _app()
    try:
        with session_scope(app) as session:
            token = create_token(session, args.name)
    except TokenError as exc:
        print(f"rosterbook token create: {exc}", file=sys.stderr)
        return 1
    print(token)
    print(f"This is the only time the token for {args.name.strip()!r} is shown; it is stored only as a hash. "
          "Keep it in a password manager, not in a workbook.", file=sys.stderr)
    return 0


def run_token_revoke(args: argparse.Namespace) -> int:
    from .auth import revoke_token
    from .db import session_scope

    with session_scope(_app()) as session:
        revoked = revoke_token(session, args.name)
    if not revoked:
        print(f"rosterbook token revoke: no token named {args.name!r}", file=sys.stderr)
        return 1
    print(f"Revoked the token {args.name!r}: requests with it are refused from now on.")
    return 0


def run_token_list(args: argparse.Namespace) -> int:
    from .auth import token_names
    from .db import session_scope

    with session_scope(_app()) as session:
        for name in token_names(session):
            print(name)
    return 0


def run_admin_create(args: argparse.Namespace) -> int:
    from .accounts import AccountError, create_admin
    from .db import session_scope

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat the password: "):
            print("rosterbook admin create: the passwords differ; nothing was created", file=sys.stderr)
            return 1
    try:
        with session_scope(_app()) as session:
            create_admin(session, args.username, password)
    except AccountError as exc:
        print(f"rosterbook admin create: {exc}", file=sys.stderr)
        return 1
    print(f"Created the admin {args.username.strip()!r}.")
    return 0
