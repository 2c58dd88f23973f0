"""Batch rows into the store, the fastest way each database offers.

A batch has up to tens of thousands of rows, so they go straight through the driver (the
ORM's per-row bookkeeping would cost more than the database's work), in the order the caller
gives: on PostgreSQL accepted rows in login-key order first, so concurrent batches lock keys
in one order (SQLite takes one lock for the whole database: there, position order).
With skip_stored, a row whose login key is already stored is left out and gets no id; the
caller settles it as a duplicate.

- SQLite: one executemany (RETURNING would make every row a statement of its own).
- PostgreSQL, a big batch (COPY_ROWS and more), first attempt: the stored keys are looked up,
  ids are drawn from the table's sequence, and the other rows go in by COPY, which writes
  rows to the table in blocks (a 10,000-row batch: 100 ms instead of 160, and a third of the
  write-ahead log to flush at commit). COPY cannot skip a conflicting row: when another request
  stores one of the batch's users between the lookup and the copy, the database refuses the
  copy (KeyStoredMeanwhile) and the caller stores the batch again the other way.
- PostgreSQL otherwise: one INSERT ... SELECT FROM unnest(arrays), ON CONFLICT DO NOTHING,
  returning the ids (one statement per row would cost a round of parsing and planning each).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from .models import BatchRow

ROW_COLUMNS = ("batch_id", "profile", "position", "row_number", "status", "login_column", "login_key",
               "values", "errors", "duplicate_of", "notes")
_PROFILE, _POSITION, _LOGIN_KEY = (ROW_COLUMNS.index(c) for c in ("profile", "position", "login_key"))
COPY_ROWS = 1000  # below this, one INSERT statement answers sooner than COPY's three round trips
_UNIQUE_VIOLATION = "23505"


class KeyStoredMeanwhile(Exception):
    """Another request stored one of the batch's users while the batch was being copied in:
    the copy failed, its transaction must be rolled back and the batch stored again by insert."""


def insert_rows(connection, batch_id: int, params: list[tuple[Any, ...]], *, skip_stored: bool,
                by_copy: bool = False) -> dict[int, int]:
    """Insert PARAMS (tuples in ROW_COLUMNS order). With skip_stored, rows whose login key is
    already stored are skipped, and the ids of the rows inserted are returned by position.
    by_copy allows PostgreSQL's COPY for a big batch (raises KeyStoredMeanwhile, see above)."""
    if connection.dialect.name == "postgresql":
        if skip_stored and by_copy and len(params) >= COPY_ROWS:
            return _copy_postgres(connection, params)
        return _insert_postgres(connection, params, skip_stored)
    return _insert_sqlite(connection, batch_id, params, skip_stored)


def _insert_sqlite(connection, batch_id: int, params: list[tuple[Any, ...]], skip_stored: bool) -> dict[int, int]:
    if not skip_stored:
        connection.exec_driver_sql(_SQLITE_INSERT, params)
        return {}
    before = connection.exec_driver_sql(_SQLITE_LAST_ID).scalar() or 0
    connection.exec_driver_sql(_SQLITE_INSERT + _SKIP_STORED, params)
    after = connection.exec_driver_sql(_SQLITE_LAST_ID).scalar() or 0
    if after - before == len(params) and after < _SQLITE_MAX_ROWID:
        # None skipped: inside this write transaction SQLite gave each row the largest id so
        # far plus one, in order (its rowid rule below the largest 64-bit integer)
        return dict(zip([p[_POSITION] for p in params], range(before + 1, after + 1)))
    rows = BatchRow.__table__
    return dict(connection.execute(select(rows.c.position, rows.c.id).where(rows.c.batch_id == batch_id)).all())


def _insert_postgres(connection, params: list[tuple[Any, ...]], skip_stored: bool) -> dict[int, int]:
    """Its rows go in login-key order by byte value (COLLATE "C": the same order for every
    batch, and a cheaper sort than the database's language rules)."""
    arrays = tuple(list(column) for column in zip(*params))
    if not skip_stored:
        connection.exec_driver_sql(_POSTGRES_INSERT, arrays)
        return {}
    return dict(connection.exec_driver_sql(_POSTGRES_INSERT_KEYED, arrays).all())


def _copy_postgres(connection, params: list[tuple[Any, ...]]) -> dict[int, int]:
    keys = [p[_LOGIN_KEY] for p in params if p[_LOGIN_KEY] is not None]
    if keys:
        stored = set(connection.exec_driver_sql(_POSTGRES_STORED_KEYS, (params[0][_PROFILE], keys)).scalars())
        if stored:
            params = [p for p in params if p[_LOGIN_KEY] not in stored]
    ids = connection.exec_driver_sql(_POSTGRES_NEW_IDS, (len(params),)).scalars().all()
    driver = connection.connection.driver_connection  # COPY is the driver's own interface
    try:
        with driver.cursor() as cursor, cursor.copy(_POSTGRES_COPY) as copy:
            write = copy.write_row
            for row_id, row in zip(ids, params):
                write((row_id, *row))
    except connection.dialect.loaded_dbapi.Error as exc:
        if getattr(exc, "sqlstate", None) == _UNIQUE_VIOLATION:
            raise KeyStoredMeanwhile() from exc
        # as SQLAlchemy raises a driver's error everywhere else (an OperationalError is a 503)
        raise DBAPIError.instance(_POSTGRES_COPY, None, exc, connection.dialect.loaded_dbapi.Error) from exc
    return dict(zip([p[_POSITION] for p in params], ids))


_QUOTED = ", ".join(f'"{column}"' for column in ROW_COLUMNS)
_SKIP_STORED = " ON CONFLICT (profile, login_key) DO NOTHING"
_SQLITE_INSERT = f"INSERT INTO batch_rows ({_QUOTED}) VALUES ({', '.join('?' for _ in ROW_COLUMNS)})"
_SQLITE_LAST_ID = "SELECT max(id) FROM batch_rows"
_SQLITE_MAX_ROWID = 2**63 - 1
_POSTGRES_ARRAYS = ("integer[]", "text[]", "integer[]", "integer[]", "text[]", "text[]", "text[]", "text[]", "text[]",
                    "integer[]", "text[]")
_POSTGRES_INSERT = (f"INSERT INTO batch_rows ({_QUOTED}) "
                    "SELECT b, p, pos, rn, st, lc, lk, v::json, e::json, d, n::json FROM unnest("
                    + ", ".join(f"%b::{kind}" for kind in _POSTGRES_ARRAYS)  # %b: binary, no text escaping
                    + ") AS t(b, p, pos, rn, st, lc, lk, v, e, d, n)")
_POSTGRES_INSERT_KEYED = _POSTGRES_INSERT + ' ORDER BY lk COLLATE "C"' + _SKIP_STORED + " RETURNING position, id"
_POSTGRES_STORED_KEYS = "SELECT login_key FROM batch_rows WHERE profile = %s AND login_key = ANY(%s)"
_POSTGRES_NEW_IDS = ("SELECT nextval(s.id) FROM (SELECT pg_get_serial_sequence('batch_rows', 'id')::regclass AS id) s, "
                     "generate_series(1, %s)")
_POSTGRES_COPY = f"COPY batch_rows (id, {_QUOTED}) FROM STDIN"
