"""The instance folder and the SQLite files (database, write-ahead log, shared memory) are
readable by their owner only, whether `rosterbook serve` makes them or finds them from before."""
from __future__ import annotations

import sqlite3
import stat
import uuid
from pathlib import Path

import requests

from tests.server_rows import example_rows


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def serve_and_import(serve, instance: Path):
    served = serve(instance=instance)
    answer = requests.post(served.url + "/api/v1/imports", json={"profile": "pbx", "rows": example_rows("pbx", 3)},
                           headers=served.headers(str(uuid.uuid4())), timeout=60)
    assert answer.status_code == 201, answer.text
    return served


def file_modes(instance: Path) -> dict[str, str]:
    names = ["rosterbook.sqlite3", "rosterbook.sqlite3-wal", "rosterbook.sqlite3-shm", "secret_key"]
    return {".": mode(instance), **{name: mode(instance / name) for name in names}}


OWNER_ONLY = {".": "0o700", "rosterbook.sqlite3": "0o600", "rosterbook.sqlite3-wal": "0o600",
              "rosterbook.sqlite3-shm": "0o600", "secret_key": "0o600"}


def test_a_new_instance_folder_and_database_are_the_owners_only(serve, tmp_path):
    instance = tmp_path / "fresh" / "instance"
    serve_and_import(serve, instance)
    assert file_modes(instance) == OWNER_ONLY


def test_files_left_open_to_others_by_an_earlier_version_are_tightened(serve, tmp_path):
    instance = tmp_path / "old"
    instance.mkdir()
    instance.chmod(0o755)
    database = instance / "rosterbook.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    for companion in ("-wal", "-shm"):  # as a server stopped by kill -9 leaves them
        path = database.with_name(database.name + companion)
        path.touch()
        path.chmod(0o644)
    serve_and_import(serve, instance)
    assert file_modes(instance) == OWNER_ONLY


def test_a_shared_folder_with_the_sticky_bit_is_left_alone(tmp_path):
    from server.private_files import private_folder

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    private_folder(shared)
    assert mode(shared) == "0o1777"
