"""The import service: re-validate a batch, settle duplicates, store it in one transaction.

Callable without HTTP (the workbook's server-mode Submit calls submit_batch in-process).
Uniqueness and idempotency live in the database, not in this process's memory:
- each accepted row carries its login key under a unique (profile, login_key) constraint; a row
  whose key is stored already is skipped and becomes a duplicate (server/row_store.py: ON CONFLICT
  DO NOTHING, or left out of a big batch's COPY on PostgreSQL, which the database refuses if
  another request stores the key meanwhile: the batch is then stored again by insert);
- the Idempotency-Key is a unique column of the batch, inserted first with ON CONFLICT DO
  NOTHING, so a second request with the key waits for the first to commit and then replays its
  stored answer.
Rows are inserted in login-key order, so concurrent batches take their locks in one order
(no deadlock cycles); a deadlock or serialization failure still retries the whole batch.
Passwords (secret columns) never go into a row's values: they are sealed, encrypted, into one
blob per batch for its export, for a limited time (server/passwords.py), or not kept at all.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache, partial
from operator import attrgetter
from typing import Any

from pydantic_core import to_json
from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from addin.profiles import get_profile
from addin.rules.columns import Profile, header_token
from addin.rules.engine import validate_records
from addin.rules.fields import quote
from addin.rules.findings import Level

from .db import writing
from .models import Batch, BatchRow, utcnow
from .passwords import PasswordKeeper
from .row_store import KeyStoredMeanwhile, insert_rows
from .schemas import BatchResult, RowOutcome

log = logging.getLogger(__name__)

ACCEPTED, REJECTED, DUPLICATE = "accepted", "rejected", "duplicate"
EXPORTABLE = frozenset({ACCEPTED})  # rows whose passwords are kept for the export
INSERT_CHUNK = 1000  # rows per INSERT: keeps under PostgreSQL's and SQLite's bound-parameter limits
RETRIES = 5
_RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


class BatchInvalid(ValueError):
    """The batch as a whole cannot be imported (e.g. a required column is missing): nothing stored."""

    def __init__(self, message: str, details: Sequence[tuple[str | None, str]] = ()):
        super().__init__(message)
        self.message = message
        self.details = list(details)


class IdempotencyConflict(Exception):
    def __init__(self, key: str):
        super().__init__(f"The Idempotency-Key {key!r} was already used for a different request. "
                         "Use a new key for a new batch; resend a batch only with its original body.")


@dataclass(slots=True)
class Judged:
    """What validation decided for one submitted row, before storage."""

    position: int
    row: int
    status: str
    values: dict[str, str]
    errors: list[dict[str, Any]]
    stored_values: str = "{}"  # values as JSON text, encoded before the write transaction
    secrets: dict[str, str] | None = None  # the row's filled password cells, sealed for the export
    login_column: str | None = None
    login_key: str | None = None
    first_of: int | None = None  # for an in-batch duplicate: the position of the earlier row
    id: int | None = None
    duplicate_of: int | None = None


@dataclass(slots=True)
class _Batch:
    profile: Profile
    rows: list[Judged] = field(default_factory=list)


def request_hash(profile_id: str, records: Sequence[Mapping[str, Any]], source: Mapping[str, Any] | None,
                 settings: Mapping[str, Any] | None, submitted_by: str) -> str:
    """The fingerprint an Idempotency-Key is stored with, to tell a replay from a different body.

    The rows as they came, keys in the order sent (a retry resends the same body), encoded by
    pydantic-core: 10,000 rows in about 10 ms, half the time of a sorted json.dumps. Password
    cells count only as filled or empty: a fast hash over them would let anyone who reads the
    database test guesses against it. So a request that differs from the first only in a
    password is taken as its replay.
    """
    secret = _secret_headers(profile_id, records)
    head = {"profile": profile_id, "source": source or {}, "settings": settings or {}, "submitted_by": submitted_by,
            "filled": {h: "".join(["1" if r.get(h) else "0" for r in records])
                       for h in sorted(secret)}}
    digest = hashlib.sha256(to_json(head))
    digest.update(to_json(records, exclude={"__all__": secret} if secret else None))
    return digest.hexdigest()


def _secret_headers(profile_id: str, records: Sequence[Mapping[str, Any]]) -> set[str]:
    """The headers in RECORDS, in any spelling, of the profile's password columns."""
    profile = get_profile(profile_id)
    if not any(c.secret for c in profile.columns):
        return set()
    # The few distinct headers are looked up once, not every cell (a batch has up to 50,000 rows).
    return {h for h in set().union(*records) if _is_secret(profile, h)}


def _is_secret(profile: Profile, header: Any) -> bool:
    column = profile.by_token.get(header_token(header)) if isinstance(header, str) else None
    return column is not None and column.secret


def submit_batch(session: Session, profile_id: str, records: Sequence[Mapping[str, Any]], *,
                 idempotency_key: str | None, submitted_by: str, source: Mapping[str, Any] | None = None,
                 settings: Mapping[str, Any] | None = None, passwords: PasswordKeeper | None = None) -> BatchResult:
    """Validate and store one batch; the answer the API returns with 201.

    With PASSWORDS (the app's keeper), the accepted rows' passwords are kept sealed for the
    export; without, they are not kept.

    The session must have no pending changes: this function ends its transaction (commit on
    success, rollback on failure). Raises UnknownProfile, BatchInvalid or IdempotencyConflict.
    """
    profile = get_profile(profile_id)
    source = dict(source or {})
    numbers = source.get("row_numbers") or list(range(1, len(records) + 1))
    # Computed once, when first needed: for a key already stored, or to be stored with the batch.
    digest = cache(partial(request_hash, profile_id, records, source, settings, submitted_by))
    _end_read_transaction(session)
    if idempotency_key is not None:
        replay = _replay(session, idempotency_key, digest)
        session.rollback()
        if replay is not None:
            return replay
    judged = judge(profile, records, numbers, settings)
    by_copy = True
    for attempt in range(1, RETRIES + 1):
        try:
            return _store(session, profile, judged, idempotency_key=idempotency_key, digest=digest,
                          submitted_by=submitted_by, source=source, by_copy=by_copy, passwords=passwords)
        except KeyStoredMeanwhile:
            session.rollback()
            log.info("batch for %s met a user stored meanwhile by another request; storing it by insert", profile_id)
        except DBAPIError as exc:
            session.rollback()
            if getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES or attempt == RETRIES:
                raise
            log.info("batch for %s hit a lock conflict; retrying (attempt %d)", profile_id, attempt)
            time.sleep(0.01 * attempt)
        # Every retry meets other writers: the insert skips users they stored instead of failing,
        # so a copy is tried only once and never on the last attempt.
        by_copy = False
        for row in judged.rows:
            row.id = row.duplicate_of = None
            if row.status == DUPLICATE and row.first_of is None:
                row.status, row.errors = ACCEPTED, []  # a conflict of the failed attempt: try again
    raise AssertionError("unreachable")


def _end_read_transaction(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("submit_batch needs a session without pending changes")
    session.rollback()


# --------------------------------------------------------------------------- validation

def judge(profile: Profile, records: Sequence[Mapping[str, Any]], numbers: Sequence[int],
          settings: Mapping[str, Any] | None) -> _Batch:
    """Validate every row with the profile and mark in-batch repeats of a login key as duplicates."""
    report = validate_records(profile, records, row_numbers=numbers, settings=settings, login_key_duplicates=False)
    file_errors = [f for f in report.file_findings if f.level is Level.ERROR]
    if file_errors:
        raise BatchInvalid("The batch cannot be imported: " + "; ".join(f.message for f in file_errors),
                           [(f.column, f.message) for f in file_errors])
    by_row = {result.row: result for result in report.rows}
    batch = _Batch(profile)
    add, login_key, error = batch.rows.append, profile.login_key, Level.ERROR  # looked up once: 10,000s of rows
    secret = {c.key for c in profile.columns if c.secret} or None  # never stored, in any form
    first_seen: dict[tuple[str, str], Judged] = {}
    for position, number in enumerate(numbers):
        result = by_row.get(number)
        if result is None:  # the engine skips rows with no value at all
            add(Judged(position, number, REJECTED, {},
                       [{"column": None, "message": "This row is empty: there is nothing to import"}]))
            continue
        values = result.values
        findings = result.findings
        errors = [{"column": f.column, "message": f.message} for f in findings if f.level is error] if findings else []
        # Stored as the engine gives them, empty cells of the row's columns included; no copy
        # of 10,000 dicts to drop them (the batch page shows only filled values).
        judged = Judged(position, number, REJECTED if errors else ACCEPTED, values, errors,
                        to_json(values, exclude=secret).decode())
        add(judged)
        if errors:
            continue
        if secret:
            judged.secrets = {key: values[key] for key in secret if values.get(key)} or None
        login = login_key(result.values)
        if login is None:
            continue
        judged.login_column, judged.login_key = login
        earlier = first_seen.get(login)
        if earlier is None:
            first_seen[login] = judged
        else:
            judged.status, judged.first_of = DUPLICATE, earlier.position
    return batch


# --------------------------------------------------------------------------- storage

def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert if dialect == "sqlite" else insert


def _store(session: Session, profile: Profile, batch: _Batch, *, idempotency_key: str | None,
           digest: Callable[[], str], submitted_by: str, source: Mapping[str, Any], by_copy: bool,
           passwords: PasswordKeeper | None) -> BatchResult:
    with writing(session):
        batch_id = _store_in_transaction(session, profile, batch, idempotency_key=idempotency_key, digest=digest,
                                         submitted_by=submitted_by, source=source, by_copy=by_copy,
                                         passwords=passwords)
    if batch_id is None:  # another request with this key committed first: answer as it did
        replay = _replay(session, idempotency_key, digest)
        session.rollback()
        if replay is None:
            raise RuntimeError("idempotency key vanished")  # would need a deleted batch: not possible
        return replay
    rows = batch.rows
    counts = _counts(rows)
    # model_construct: every field comes from this module, already valid
    return BatchResult.model_construct(
        batch_id=batch_id, accepted=counts[ACCEPTED], rejected=counts[REJECTED], duplicates=counts[DUPLICATE],
        rows=[outcome(r.row, r.status, r.id if r.status == ACCEPTED else r.duplicate_of, r.errors) for r in rows])


def _counts(rows: list[Judged]) -> dict[str, int]:
    counts = dict.fromkeys((ACCEPTED, REJECTED, DUPLICATE), 0)
    for r in rows:
        counts[r.status] += 1
    return counts


_BATCHES, _ROWS = Batch.__table__, BatchRow.__table__
_LOGIN_KEY = attrgetter("login_key")


def _store_in_transaction(session: Session, profile: Profile, batch: _Batch, *, idempotency_key: str | None,
                          digest: Callable[[], str], submitted_by: str, source: Mapping[str, Any],
                          by_copy: bool, passwords: PasswordKeeper | None) -> int | None:
    """The batch's id once committed, or None when another request with the key committed first.

    Table-level statements on the session's connection: the ORM would only add bookkeeping here
    (there are no objects to track), and this runs while SQLite writers wait their turn. The
    request's fingerprint is written with the counts at the end, so that PostgreSQL can insert
    the rows while this process computes it."""
    connection = session.connection()
    stored_source = {k: v for k, v in source.items() if k != "row_numbers"}
    statement = _insert(session)(_BATCHES).values(
        profile=profile.id, submitted_by=submitted_by, source=stored_source, accepted=0, rejected=0, duplicates=0,
        idempotency_key=idempotency_key, request_hash="", created_at=utcnow())
    if idempotency_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    batch_id = connection.execute(statement.returning(_BATCHES.c.id)).scalar()
    if batch_id is None:
        session.rollback()
        return None

    rows = batch.rows
    accepted = [r for r in rows if r.status == ACCEPTED]
    candidates = sorted((r for r in accepted if r.login_key is not None), key=_LOGIN_KEY)
    candidates += (r for r in accepted if r.login_key is None)
    # Rejected rows are settled already and have no login key: they go in the same statement.
    first = candidates + [r for r in rows if r.status == REJECTED]
    # In login-key order, so concurrent batches lock keys in one order. Rows whose login key
    # is already stored are skipped: those get no id.
    if first:
        params = _row_params(batch_id, profile, first, keyed=True)
        insert = partial(insert_rows, connection, batch_id, params, skip_stored=True, by_copy=by_copy)
        inserted = _while(connection, len(params), insert, digest)
        for r in candidates:
            r.id = inserted.get(r.position)
    _settle_duplicates(connection, profile, rows)
    others = [r for r in rows if r.status == DUPLICATE]
    if others:
        insert_rows(connection, batch_id, _row_params(batch_id, profile, others, keyed=False), skip_stored=False)
    counts = _counts(rows)
    connection.execute(update(_BATCHES).where(_BATCHES.c.id == batch_id).values(
        accepted=counts[ACCEPTED], rejected=counts[REJECTED], duplicates=counts[DUPLICATE], request_hash=digest(),
        **_sealed_passwords(batch_id, rows, passwords)))
    session.commit()
    return batch_id


def _sealed_passwords(batch_id: int, rows: list[Judged], passwords: PasswordKeeper | None) -> dict[str, Any]:
    """The batch's passwords column values: the sealed passwords of the rows that may be
    exported, and until when they are kept; nothing when none are kept."""
    if passwords is None or not passwords.keeps:
        return {}
    kept = {r.position: r.secrets for r in rows if r.secrets and r.status in EXPORTABLE}
    if not kept:
        return {}
    return {"passwords": passwords.seal(batch_id, kept), "passwords_until": utcnow() + passwords.retention}


_DATABASE_WAITS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rosterbook-insert")
_WAIT_ROWS = 1000  # below this the database answers sooner than a thread is handed the work


def _while(connection, rows: int, work: Callable[[], Any], meanwhile: Callable[[], Any]) -> Any:
    """work() (an insert of rows), with meanwhile() done during it where that saves time:
    PostgreSQL does an insert's work in its own process while this one waits with the GIL
    released, so a big insert runs in a worker thread (nothing here touches the connection
    meanwhile). SQLite's inserts need this process throughout: one after the other."""
    if connection.dialect.name != "postgresql" or rows < _WAIT_ROWS:
        meanwhile()
        return work()
    future = _DATABASE_WAITS.submit(work)
    try:
        meanwhile()
    finally:
        wait([future])
    return future.result()


def _row_params(batch_id: int, profile: Profile, rows: list[Judged], *, keyed: bool) -> list[tuple[Any, ...]]:
    """The insert parameters of ROWS, in ROW_COLUMNS order (a comprehension, no call per row)."""
    dump = _json
    return [(batch_id, profile.id, r.position, r.row, r.status, r.login_column, r.login_key if keyed else None,
             r.stored_values, dump(r.errors) if r.errors else "[]", r.duplicate_of) for r in rows]


def _json(value: Any) -> str:
    """Compact JSON text, as json.dumps(value, ensure_ascii=False, separators=(",", ":")) writes it,
    by pydantic-core's encoder: a third of the time per row, and a batch has tens of thousands."""
    return to_json(value).decode()


def _settle_duplicates(connection, profile: Profile, rows: list[Judged]) -> None:
    """Rows the database turned away, and in-batch repeats: duplicate, pointing at the stored row."""
    lost = [r for r in rows if r.status == ACCEPTED and r.id is None]
    existing: dict[str, tuple[int, int, int]] = {}
    keys = [r.login_key for r in lost]
    for start in range(0, len(keys), INSERT_CHUNK):
        found = connection.execute(
            select(_ROWS.c.login_key, _ROWS.c.id, _ROWS.c.batch_id, _ROWS.c.row_number)
            .where(_ROWS.c.profile == profile.id, _ROWS.c.login_key.in_(keys[start:start + INSERT_CHUNK])))
        existing.update({key: (row_id, batch_id, number) for key, row_id, batch_id, number in found})
    for r in lost:
        row_id, batch_id, number = existing[r.login_key]
        _mark_duplicate(profile, r, row_id, f"was already imported (batch {batch_id}, row {number})")
    for r in rows:
        if r.first_of is None:
            continue
        first = rows[r.first_of]  # rows are in position order
        if first.status == ACCEPTED:
            _mark_duplicate(profile, r, first.id, f"is also in row {first.row} of this batch, which is imported")
        else:
            r.status, r.duplicate_of, r.errors = DUPLICATE, first.duplicate_of, list(first.errors)


def _mark_duplicate(profile: Profile, row: Judged, stored_id: int, where: str) -> None:
    column = profile.by_key[row.login_column]
    value = row.values.get(row.login_column, row.login_key)
    row.status, row.duplicate_of = DUPLICATE, stored_id
    row.errors = [{"column": column.header,
                   "message": f"{column.header}: {quote(value)} {where}; this row is not imported again"}]


# --------------------------------------------------------------------------- answers

def outcome(row: int, status: str, row_id: int | None, errors: list[dict[str, Any]]) -> RowOutcome:
    return {"row": row, "status": status, "id": row_id, "errors": errors}


def stored_outcomes(session: Session, batch_id: int) -> list[RowOutcome]:
    rows = session.execute(
        select(BatchRow.row_number, BatchRow.status, BatchRow.id, BatchRow.duplicate_of, BatchRow.errors)
        .where(BatchRow.batch_id == batch_id).order_by(BatchRow.position))
    return [outcome(number, status, row_id if status == ACCEPTED else duplicate_of, errors)
            for number, status, row_id, duplicate_of, errors in rows]


def batch_result(session: Session, batch: Batch) -> BatchResult:
    return BatchResult.model_construct(batch_id=batch.id, accepted=batch.accepted, rejected=batch.rejected,
                                       duplicates=batch.duplicates, rows=stored_outcomes(session, batch.id))


def _replay(session: Session, key: str, digest: Callable[[], str]) -> BatchResult | None:
    found = session.connection().execute(
        select(_BATCHES.c.id, _BATCHES.c.request_hash).where(_BATCHES.c.idempotency_key == key)).first()
    if found is None:  # the usual case: a new key, answered without loading a batch
        return None
    if found.request_hash != digest():
        raise IdempotencyConflict(key)
    return batch_result(session, session.get(Batch, found.id))
