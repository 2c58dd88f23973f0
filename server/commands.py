"""The server's `rosterbook` commands: serve, token, admin, passwords, withdraw.

Each works on the database the environment names (DATABASE_URL, else the instance SQLite file)
and brings its schema up to date first, so a fresh machine needs no separate setup step.
"""
from __future__ import annotations

import argparse
import errno
import getpass
import ipaddress
import logging
import os
import socket
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
    listing = actions.add_parser("list", help="list the admin accounts")
    listing.set_defaults(handler=run_admin_list)
    remove = actions.add_parser("delete", help="delete an admin account (its sign-ins end at once)")
    remove.add_argument("username")
    remove.set_defaults(handler=run_admin_delete)
    password = actions.add_parser("password", help="set a new password (every sign-in with the old one ends)")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true",
                          help="read the new password from standard input instead of asking")
    password.set_defaults(handler=run_admin_password)


def register_passwords(commands: argparse._SubParsersAction) -> None:
    passwords = commands.add_parser("passwords", help="erase the passwords kept for exports, or make a key",
                                    description="Batches keep their passwords, encrypted, for their export until "
                                                "ROSTERBOOK_PASSWORD_RETENTION ends (24 hours by default).")
    actions = passwords.add_subparsers(dest="passwords_action", required=True, metavar="ACTION")
    purge = actions.add_parser("purge", help="erase kept passwords now (every batch's, unless told otherwise)")
    which = purge.add_mutually_exclusive_group()
    which.add_argument("--batch", type=int, metavar="ID", help="only this batch's passwords")
    which.add_argument("--expired", action="store_true", help="only those whose retention has ended")
    purge.set_defaults(handler=run_passwords_purge)
    key = actions.add_parser("new-key", help="print a new key for ROSTERBOOK_PASSWORD_KEY")
    key.set_defaults(handler=run_passwords_new_key)


def register_withdraw(commands: argparse._SubParsersAction) -> None:
    withdraw = commands.add_parser(
        "withdraw", help="take back a batch, or one user, imported by mistake",
        description="Withdrawn rows stay stored and visible, marked with who and when; their users can be "
                    "imported again.")
    which = withdraw.add_mutually_exclusive_group(required=True)
    which.add_argument("--batch", type=int, metavar="ID", help="every user of this batch")
    which.add_argument("--user", metavar="LOGIN", help="this user's current version (needs --profile)")
    withdraw.add_argument("--profile", help="the format of --user")
    withdraw.add_argument("--by", default=None, help="who withdraws, as the pages show it (default: your login name)")
    withdraw.set_defaults(handler=run_withdraw)


REGISTER = [register_serve, register_token, register_admin, register_passwords, register_withdraw]


class StartProblem(Exception):
    """The server's settings cannot be used; the message says which and what to do."""


def _app():
    from pydantic import ValidationError

    from addin.files.limits import LimitSettingError

    from . import create_app, db
    from .passwords import KeyProblem

    logging.getLogger("alembic").setLevel(logging.WARNING)  # no migration chatter on start-up
    try:
        app = create_app()
    except (KeyProblem, LimitSettingError) as exc:
        raise StartProblem(str(exc)) from None
    except ValidationError as exc:
        raise StartProblem("; ".join(f"ROSTERBOOK_{'_'.join(map(str, e['loc'])).upper()}: "
                                     f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())) from None
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
    from .serving import make_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _app()
    if not is_loopback(args.host):
        print(f"rosterbook serve: warning: listening on {args.host}, not only this machine. Anyone who can reach "
              "this address can try tokens and the sign-in page; put it behind HTTPS and a firewall.",
              file=sys.stderr)
    try:
        server = make_server(app, args.host, args.port, args.threads)
    except OSError as exc:
        print(f"rosterbook serve: {listen_problem(args.host, args.port, exc)}", file=sys.stderr)
        return 1
    from .db import engine_for, new_session
    from .passwords import Sweeper

    Sweeper(lambda: new_session(app), engine_for(app)).start()  # erases passwords whose retention ended
    print("\n".join(start_lines(app, args.host, args.port)), flush=True)
    server.run()
    return 0


def listen_problem(host: str, port: int, exc: OSError) -> str:
    """Why the server cannot listen, in one line that says what to do."""
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use, probably by another rosterbook serve: stop that one, "
                "or choose another port with --port.")
    if exc.errno == errno.EACCES:
        return f"this user may not listen on port {port} (ports below 1024 need administrator rights): choose another with --port."
    if exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
        return f"{host} is not an address of this machine: choose one with --host (127.0.0.1 is this machine only)."
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}."


def start_lines(app, host: str, port: int) -> list[str]:
    """What `serve` says when it starts: where, which store, how passwords are kept (no secrets)."""
    from sqlalchemy.engine import make_url

    from .exports import describe_duration
    from .passwords import KEY_FILE, keeper

    url = make_url(app.config["DATABASE_URL"])
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    store = (f"SQLite, {url.database}" if url.get_backend_name() == "sqlite"
             else f"PostgreSQL, {url.render_as_string(hide_password=True)}")
    kept = keeper(app).retention
    key = ("ROSTERBOOK_PASSWORD_KEY" if app.config.get("PASSWORD_KEY")
           else os.path.join(app.instance_path, KEY_FILE))
    passwords = (f"kept encrypted for {describe_duration(kept)} after an import (key: {key})" if kept
                 else "not kept (ROSTERBOOK_PASSWORD_RETENTION is 0)")
    return [f"rosterbook serve: {address}/ (pid {os.getpid()})",
            f"  web pages for admins {address}/, the import API {address}/api/v1, the templates on the pages",
            f"  store: {store}",
            f"  passwords: {passwords}"]


def run_passwords_purge(args: argparse.Namespace) -> int:
    from .db import engine_for, session_scope
    from .models import utcnow
    from .passwords import erase, scrub

    app = _app()
    with session_scope(app) as session:
        if args.batch is not None:
            erased = erase(session, batch_id=args.batch)
        else:
            erased = erase(session, expired_at=utcnow() if args.expired else None)
    if erased:
        scrub(engine_for(app))
    which = "whose retention has ended " if args.expired else ""
    if not erased:
        print(f"No batch {'' if args.batch is None else str(args.batch) + ' '}held passwords {which}to erase.")
    else:
        print(f"Erased the passwords of {len(erased)} batch{'es' if len(erased) != 1 else ''} {which}"
              f"({', '.join(map(str, erased[:20]))}{', ...' if len(erased) > 20 else ''}).")
    return 0


def run_passwords_new_key(args: argparse.Namespace) -> int:
    from .passwords import new_key

    print(new_key())
    print("Set it as ROSTERBOOK_PASSWORD_KEY for every server process on the same database. Passwords kept "
          "with the previous key cannot be read with this one.", file=sys.stderr)
    return 0


def run_withdraw(args: argparse.Namespace) -> int:
    from addin.profiles import profile_ids

    from .db import new_session
    from .withdrawals import NothingToWithdraw, users_taken_back, withdraw_batch, withdraw_user

    if args.user is not None and args.profile not in profile_ids():
        print(f"rosterbook withdraw: --user needs --profile, one of {', '.join(profile_ids())}", file=sys.stderr)
        return 2
    by = (args.by or f"{getpass.getuser()} (command line)")[:100]
    session = new_session(_app())
    try:
        if args.batch is not None:
            count = withdraw_batch(session, args.batch, by)
            print(f"Withdrew batch {args.batch}: {users_taken_back(count)} (rows withdrawn before: left as they "
                  "were).")
        else:
            row = withdraw_user(session, args.profile, args.user, by)
            print(f"Withdrew {args.user.strip()!r} (batch {row.batch_id}, row {row.row_number}): the login can be "
                  "imported again.")
    except NothingToWithdraw as exc:
        print(f"rosterbook withdraw: {exc.message}", file=sys.stderr)
        return 1
    finally:
        session.close()
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


def _new_password(args: argparse.Namespace, command: str) -> str | None:
    """The password from standard input, or asked twice; None (and a message) when they differ."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Repeat the password: "):
        print(f"rosterbook admin {command}: the passwords differ; nothing was changed", file=sys.stderr)
        return None
    return password


def run_admin_create(args: argparse.Namespace) -> int:
    from .accounts import AccountError, create_admin
    from .db import session_scope

    password = _new_password(args, "create")
    if password is None:
        return 1
    try:
        with session_scope(_app()) as session:
            create_admin(session, args.username, password)
    except AccountError as exc:
        print(f"rosterbook admin create: {exc}", file=sys.stderr)
        return 1
    print(f"Created the admin {args.username.strip()!r}.")
    return 0


def run_admin_list(args: argparse.Namespace) -> int:
    from .accounts import list_admins
    from .db import session_scope
    from .models import aware

    with session_scope(_app()) as session:
        admins = list_admins(session)
        for admin in admins:
            print(f"{admin.username}\tcreated {aware(admin.created_at):%Y-%m-%d %H:%M} UTC")
    if not admins:
        print("No admin accounts yet: 'rosterbook admin create NAME' makes one.", file=sys.stderr)
    return 0


def run_admin_delete(args: argparse.Namespace) -> int:
    from .accounts import delete_admin
    from .db import session_scope

    with session_scope(_app()) as session:
        deleted = delete_admin(session, args.username)
    if not deleted:
        print(f"rosterbook admin delete: there is no admin named {args.username.strip()!r}", file=sys.stderr)
        return 1
    print(f"Deleted the admin {args.username.strip()!r}: their sign-ins end now. Batches they imported stay.")
    return 0


def run_admin_password(args: argparse.Namespace) -> int:
    from .accounts import AccountError, set_password
    from .db import session_scope

    password = _new_password(args, "password")
    if password is None:
        return 1
    try:
        with session_scope(_app()) as session:
            set_password(session, args.username, password)
    except AccountError as exc:
        print(f"rosterbook admin password: {exc}", file=sys.stderr)
        return 1
    print(f"Set a new password for {args.username.strip()!r}: sign-ins made with the old one end now.")
    return 0
