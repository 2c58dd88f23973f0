"""The database: one SQLAlchemy engine per app, a session per request, migrations on demand.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and write transactions
start with BEGIN IMMEDIATE so concurrent writers queue instead of failing on a lock upgrade.
The write-ahead log is copied into the database file by a thread of its own, not by a commit.
PostgreSQL is reached through psycopg 3.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from .private_files import private_sqlite_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_EXTENSION = "rosterbook.db"
_MIGRATION_LOCK = 0x726F7374  # any constant: the advisory lock id two starting servers share


def make_engine(url: str, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path not in (None, "", ":memory:"):
            private_sqlite_file(Path(path))
        engine = create_engine(url, hide_parameters=True, pool_size=pool_size, max_overflow=pool_size,
                               connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine)
        return engine
    # hide_parameters: row values never reach a log line through an exception message
    return create_engine(url, hide_parameters=True, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _tune_sqlite(engine: Engine) -> None:
    checkpointer = _Checkpointer(engine.url.database) if engine.url.database not in (None, "", ":memory:") else None

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, issues BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")  # an answered 201 survives a power cut too
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")  # erased passwords: freed pages are overwritten with zeros
        if checkpointer is not None:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer's thread does it
        cursor.close()

    if checkpointer is not None:
        event.listen(engine, "commit", lambda _connection: checkpointer.wake())

    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class _Checkpointer:
    """Copies the write-ahead log into the database file, in a thread of its own.

    SQLite's automatic checkpoint runs inside the commit that takes the log past 1,000 pages:
    that request then waits for the copy and an fsync of the database file (about 10 ms after
    a 10,000-row batch) while other writers queue behind it. Here a commit only wakes this
    thread, which checkpoints shortly after, PASSIVE (it never blocks readers or writers).
    The thread ends after a quiet while and starts again on the next commit. Checkpoints do not
    change durability: a commit is on disk in the log once it returns.
    """

    DELAY_S = 0.05  # the commit that woke the thread is still writing
    IDLE_S = 10.0

    def __init__(self, path: str):
        self.path = path
        self._woken = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._woken.set()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            while True:
                if not self._woken.wait(self.IDLE_S):
                    with self._lock:
                        if not self._woken.is_set():
                            self._thread = None
                            return
                self._woken.clear()
                time.sleep(self.DELAY_S)
                _busy, logged, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                if copied < logged:  # a commit still writing, or a reader on older pages: again shortly
                    self._woken.set()
        except sqlite3.Error:
            with self._lock:  # e.g. the file was removed; the next commit starts a new thread
                self._thread = None
        finally:
            connection.close()


_sqlite_writers: dict[str, threading.Lock] = {}


@contextmanager
def writing(session: Session) -> Iterator[None]:
    """Around a transaction that will write. On SQLite it takes the write lock up front (BEGIN
    IMMEDIATE) after queueing on a lock in this process: threads then take turns in order,
    instead of polling SQLite's busy handler, whose back-off sleeps make long latency tails.
    The transaction must end (commit or rollback) inside the block."""
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    lock = _sqlite_writers.setdefault(str(bind.url), threading.Lock())
    with lock:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        try:
            yield
        finally:
            if session.in_transaction():
                session.rollback()


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config.get("DB_POOL_SIZE", 10))
    app.extensions[_EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(close_db)


def engine_for(app: Flask) -> Engine:
    return app.extensions[_EXTENSION].kw["bind"]


def new_session(app: Flask | None = None) -> Session:
    return (app or current_app).extensions[_EXTENSION]()


def get_db() -> Session:
    """The request's session (flaskr's get_db)."""
    if "db" not in g:
        g.db = new_session()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session outside a request (commands, tests): committed on success, rolled back on error."""
    session = new_session(app)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def migration_config():
    """Alembic's configuration for the migrations in server/migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """alembic upgrade head (or REVISION). On PostgreSQL an advisory lock lets two servers start at once."""
    from alembic import command

    config = migration_config()
    with engine_for(app).connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        if sqlite:
            # A migration in batch mode rebuilds a table: copies it, drops the old one. With foreign
            # keys on, that drop first deletes every row referencing it (ON DELETE CASCADE). SQLite
            # ignores this pragma inside a transaction, so it is set before the migrations begin.
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("the migration left rows pointing at rows that do not exist; nothing was changed")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")
