"""Fixtures for the import server: app/client/runner (flaskr style), a real PostgreSQL, stores,
API tokens and `rosterbook serve` processes on loopback ports."""
from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import require
from tests.local_postgres import LocalPostgres, PostgresUnavailable
from tests.serve_process import ServeProcess

STORES = ["sqlite", "postgresql"]


# --------------------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """One PostgreSQL cluster for the session; tests take fresh databases from it."""
    cluster = LocalPostgres()
    try:
        cluster.start()
    except PostgresUnavailable as exc:
        cluster.stop()
        require(False, str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


def _database_url(store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if store == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture(params=STORES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store: a SQLite file, then a PostgreSQL database."""
    return _database_url(request.param, tmp_path, request)


@pytest.fixture
def postgres_url(postgres: LocalPostgres) -> str:
    return postgres.create_database()


# --------------------------------------------------------------------------- app, client, runner

def make_app(database_url: str | None, instance: Path, **config):
    from server import create_app, db

    test_config = {"TESTING": True, "INSTANCE_PATH": str(instance), **config}
    if database_url:
        test_config["DATABASE_URL"] = database_url
    app = create_app(test_config)
    db.upgrade(app)
    return app


@pytest.fixture
def app(tmp_path: Path):
    """The app on a fresh SQLite store in a temporary instance folder, schema migrated."""
    app = make_app(None, tmp_path / "instance")
    yield app
    from server.db import engine_for
    engine_for(app).dispose()


@pytest.fixture
def store_app(database_url: str, tmp_path: Path):
    """The app on each store in turn (SQLite, PostgreSQL)."""
    app = make_app(database_url, tmp_path / "instance")
    yield app
    from server.db import engine_for
    engine_for(app).dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


class CliRunner:
    """Runs `rosterbook` commands in-process against an app's database and instance folder."""

    def __init__(self, app, monkeypatch: pytest.MonkeyPatch):
        self.app, self.monkeypatch = app, monkeypatch

    def invoke(self, args: list[str], stdin: str = "") -> CliResult:
        from server.cli import main

        self.monkeypatch.setenv("DATABASE_URL", self.app.config["DATABASE_URL"])
        self.monkeypatch.setenv("ROSTERBOOK_INSTANCE_PATH", self.app.instance_path)
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def runner(app, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    return CliRunner(app, monkeypatch)


def new_token(app, name: str = "tester") -> str:
    from server.auth import create_token
    from server.db import session_scope

    with session_scope(app) as session:
        return create_token(session, name)


@pytest.fixture
def api_token(app) -> str:
    return new_token(app)


@pytest.fixture
def auth_headers(api_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token}"}


# --------------------------------------------------------------------------- served processes

@dataclass
class Served:
    process: ServeProcess
    token: str

    @property
    def url(self) -> str:
        return self.process.url

    def headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `rosterbook serve` processes: serve(database_url=None, token=None, **env) -> Served.

    Without database_url the server uses its default SQLite file in its instance folder. Every
    process started is stopped at the end of the test.
    """
    started: list[ServeProcess] = []

    def start(database_url: str | None = None, token: str | None = None, instance: Path | None = None,
              threads: int = 8, **env: str) -> Served:
        instance = instance or tmp_path / f"instance-{len(started)}"
        url = database_url or f"sqlite:///{instance / 'rosterbook.sqlite3'}"
        if token is None:
            app = make_app(url, instance)
            token = new_token(app, f"token-{len(started)}-{os.getpid()}")
            from server.db import engine_for
            engine_for(app).dispose()
        process = ServeProcess(url, instance, env=env, threads=threads)
        started.append(process)
        return Served(process.start(), token)

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="module")
def served_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One `rosterbook serve` on SQLite shared by a module's API tests."""
    instance = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{instance / 'rosterbook.sqlite3'}"
    app = make_app(url, instance)
    token = new_token(app, "api-tests")
    from server.db import engine_for
    engine_for(app).dispose()
    process = ServeProcess(url, instance).start()
    try:
        yield Served(process, token)
    finally:
        process.stop()
