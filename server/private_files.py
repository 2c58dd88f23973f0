"""The instance folder and the SQLite database files are readable by their owner only: they hold
the secret key, admins' password hashes and every imported user's data.

New ones are created that way; ones left by an earlier version (created with the usual 755/644)
are tightened when the server or a command opens them, if this user owns them. A folder with
the sticky bit (a shared one like /tmp) is never changed.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # SQLite gives these its database file's mode


def private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owner_only(path)


def private_sqlite_file(path: Path) -> None:
    """Creates the database file 0600 before SQLite does (SQLite would use 0644), and tightens it
    and its write-ahead log and shared-memory files if they exist already."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # an empty file is an empty database
        except FileExistsError:  # another process made it meanwhile
            pass
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        _owner_only(file)


def _owner_only(path: Path) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if mine and not info.st_mode & stat.S_ISVTX and info.st_mode & 0o077:
        path.chmod(stat.S_IMODE(info.st_mode) & 0o700)
