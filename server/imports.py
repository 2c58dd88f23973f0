"""The import service: re-validate a batch, settle rows whose user is stored, store it in one transaction.

Callable without HTTP (the workbook's server-mode Submit calls submit_batch in-process).
Uniqueness and idempotency live in the database, not in this process's memory:
- each accepted row carries its login key under a unique (profile, login_key) constraint; a row
  whose key is stored already is skipped (server/row_store.py: ON CONFLICT DO NOTHING, or left
  out of a big batch's COPY on PostgreSQL, which the database refuses if another request stores
  the key meanwhile: the batch is then stored again by insert), then compared with the stored
  user: the same values make it a duplicate; other values a conflict, or a new version of the
  user when the row is a change (iPass update/edit/remove) or the batch asked to replace
  (on_existing=replace). A new version takes the login key over from the stored one
  (server/versions.py);
- the Idempotency-Key is unique per scope (one per API token; the web pages share one), stored
  with the batch, inserted first with ON CONFLICT DO NOTHING, so a second request with the key
  waits for the first to commit and then replays its stored answer.
On PostgreSQL rows are inserted in login-key order, so concurrent batches take their locks in
one order (no deadlock cycles); a deadlock or serialization failure still retries the whole
batch. SQLite writes one batch at a time: its rows go in position order.
Passwords (secret columns) never go into a row's values: they are sealed, encrypted, into one
blob per batch for its export, for a limited time (server/passwords.py), or not kept at all.
"""
from __future__ import annotations

import datetime as dt
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

from addin.profiles import all_profiles, get_profile
from addin.rules.columns import Profile, header_token
from addin.rules.engine import RowResult, export_files, validate_records
from addin.rules.fields import quote
from addin.rules.findings import Level
from addin.rules.settings import ON_EXISTING

from .after_response import release_after_response
from .db import writing
from .models import Batch, BatchRow, aware, utcnow
from .passwords import PasswordKeeper
from .row_store import KeyStoredMeanwhile, insert_rows
from .schemas import BatchResult, RowOutcome
from .versions import ChangedMeanwhile, Holder, current_holders, differences, new_version_note, retire

log = logging.getLogger(__name__)

ACCEPTED, REJECTED, DUPLICATE, CONFLICT = "accepted", "rejected", "duplicate", "conflict"
SKIP, REPLACE = ON_EXISTING  # on_existing: what to do with a row whose user is stored with other values
EXPORTABLE = frozenset({ACCEPTED, CONFLICT})  # rows whose passwords are kept (a conflict may be imported later)
RETRIES = 5
# The most characters of one value a rejected row keeps: well above every column's own limit
# (at most 255), so a value slightly too long is kept whole, and far below a 10 MB cell.
STORED_TEXT_CAP = 1000
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
    change: bool = False  # changes a user rather than creates one (iPass update/edit/remove)
    id: int | None = None
    duplicate_of: int | None = None
    notes: list[dict[str, Any]] | None = None

    def reset(self, profile: Profile) -> None:
        """Back to what validation decided, for another attempt at storing the batch."""
        self.id = self.duplicate_of = None
        if self.status in (DUPLICATE, CONFLICT) and self.first_of is None:
            self.status, self.errors = ACCEPTED, []
        self.notes = _change_note(profile, self) if self.change else None


@dataclass(slots=True)
class _Batch:
    profile: Profile
    rows: list[Judged] = field(default_factory=list)
    on_existing: str = SKIP


def request_hash(profile_id: str, records: Sequence[Mapping[str, Any]], source: Mapping[str, Any] | None,
                 settings: Mapping[str, Any] | None, submitted_by: str, options: Mapping[str, Any] | None = None) -> str:
    """The fingerprint an Idempotency-Key is stored with, to tell a replay from a different body.

    The rows as they came, keys in the order sent (a retry resends the same body), encoded by
    pydantic-core: 10,000 rows in about 10 ms, half the time of a sorted json.dumps. They are
    hashed a few hundred rows at a time, the same bytes as one to_json(records): one text of
    3 MB is fresh memory for the encoder to grow and copy (its page faults took as long as the
    encoding), pieces of 100 KB reuse the same memory. Password cells count only as filled or
    empty: a fast hash over them would let anyone who reads the database test guesses against
    it. So a request that differs from the first only in a password is taken as its replay.
    OPTIONS (such as on_existing) count only when given, so a plain batch keeps the fingerprint
    it had before there were options.
    """
    secret = _secret_headers(profile_id, records)
    head = {"profile": profile_id, "source": source or {}, "settings": settings or {}, "submitted_by": submitted_by,
            "filled": {h: "".join(["1" if r.get(h) else "0" for r in records])
                       for h in sorted(secret)}}
    if options:
        head["options"] = dict(options)
    digest = hashlib.sha256(to_json(head))
    exclude = {"__all__": secret} if secret else None
    digest.update(b"[")
    for start in range(0, len(records), _HASHED_ROWS):
        if start:
            digest.update(b",")
        digest.update(memoryview(to_json(records[start:start + _HASHED_ROWS], exclude=exclude))[1:-1])  # no [ ]
    digest.update(b"]")
    return digest.hexdigest()


_HASHED_ROWS = 300  # rows encoded at a time for the fingerprint (about 100 KB of JSON)


def _secret_headers(profile_id: str, records: Sequence[Mapping[str, Any]]) -> set[str]:
    """The headers in RECORDS, in any spelling, of the profile's password columns (or their keys:
    the upload page's records are by column key)."""
    profile = get_profile(profile_id)
    if not any(c.secret for c in profile.columns):
        return set()
    # The few distinct headers are looked up once, not every cell (a batch has up to 50,000 rows).
    return {h for h in set().union(*records) if _is_secret(profile, h)}


def _is_secret(profile: Profile, header: Any) -> bool:
    if not isinstance(header, str):
        return False
    column = profile.by_token.get(header_token(header))
    return (column is not None and column.secret) or (header in profile.by_key and profile.by_key[header].secret)


def submit_batch(session: Session, profile_id: str, records: Sequence[Mapping[str, Any]], *,
                 idempotency_key: str | None, submitted_by: str, key_scope: str | None = None,
                 source: Mapping[str, Any] | None = None, settings: Mapping[str, Any] | None = None,
                 passwords: PasswordKeeper | None = None, on_existing: str = SKIP,
                 refused: Mapping[int, list[dict[str, Any]]] | None = None, validated: bool = False) -> BatchResult:
    """Validate and store one batch; the answer the API returns with 201.

    key_scope says whose Idempotency-Key it is (needed with a key): the same key in another
    scope is another batch. With PASSWORDS (the app's keeper), the accepted rows' passwords are
    kept sealed for the export; without, they are not kept. ON_EXISTING says what becomes of a
    row whose user is stored with other values: skip (a conflict, reported with the differences)
    or replace (the row is stored as the user's new version). REFUSED, by sheet row number, holds
    the errors of rows the caller has judged already (the upload page's check): they are stored
    rejected with those errors, for the record, and never imported.

    The session must have no pending changes: this function ends its transaction (commit on
    success, rollback on failure). Raises UnknownProfile, BatchInvalid or IdempotencyConflict.
    validated=True is for rows this server has just validated itself (the upload page's, kept
    sealed between its check and its import, each the engine's values by column key, their
    errors in REFUSED): they are taken as they are, not validated a second time. Never for rows a
    client sent.
    """
    if idempotency_key is not None and not key_scope:
        raise ValueError("an Idempotency-Key needs the scope it belongs to")
    key = (key_scope, idempotency_key) if idempotency_key is not None else None
    profile = get_profile(profile_id)
    source = dict(source or {})
    numbers = source.get("row_numbers") or list(range(1, len(records) + 1))
    # Computed once, when first needed: for a key already stored, or to be stored with the batch.
    if on_existing not in (SKIP, REPLACE):
        raise ValueError(f"on_existing is {SKIP!r} or {REPLACE!r}, not {on_existing!r}")
    options = {"on_existing": on_existing} if on_existing != SKIP else {}
    if refused:
        options["refused"] = sorted(refused)
    # Rows this server made from a file (validated: the upload page's) are named by their
    # Idempotency-Key already, made from the file's content and the page's choices: their
    # fingerprint is the rest of the request (the rows' numbers and which were refused included)
    # without encoding every row once more (25 ms for 10,000 rows).
    fingerprinted = () if validated else records
    digest = cache(partial(request_hash, profile_id, fingerprinted, source, settings, submitted_by, options))
    _end_read_transaction(session)
    if key is not None:
        replay = _replay(session, key, digest)
        session.rollback()
        if replay is not None:
            return replay
    judged = judge(profile, records, numbers, settings, refused, validated)
    judged.on_existing = on_existing
    release_after_response(judged)  # tens of thousands of objects: freed once the answer is sent
    by_copy = True
    for attempt in range(1, RETRIES + 1):
        try:
            return _store(session, profile, judged, key=key, digest=digest, submitted_by=submitted_by,
                          source=source, by_copy=by_copy, passwords=passwords)
        except KeyStoredMeanwhile:
            session.rollback()
            log.info("batch for %s met a user stored meanwhile by another request; storing it by insert", profile_id)
        except ChangedMeanwhile:
            session.rollback()
            if attempt == RETRIES:
                raise
            log.info("batch for %s met a user replaced or withdrawn meanwhile; storing it again", profile_id)
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
            row.reset(profile)
    raise AssertionError("unreachable")


def _end_read_transaction(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("submit_batch needs a session without pending changes")
    session.rollback()


# --------------------------------------------------------------------------- validation

def judge(profile: Profile, records: Sequence[Mapping[str, Any]], numbers: Sequence[int],
          settings: Mapping[str, Any] | None, refused: Mapping[int, list[dict[str, Any]]] | None = None,
          validated: bool = False) -> _Batch:
    """Validate every row with the profile and mark in-batch repeats of a login key as duplicates;
    rows in REFUSED (by row number) are rejected with the errors given. VALIDATED: the records are
    the normalized values of rows this server validated a moment ago (see submit_batch), taken as
    they are, their errors being those in REFUSED."""
    refused = refused or {}
    if validated:  # each record is the engine's row of values by column key (upload_check.batch_request)
        by_row = {number: RowResult(number, record) for number, record in zip(numbers, records)}
    else:
        report = validate_records(profile, records, row_numbers=numbers, settings=settings,
                                  login_key_duplicates=False)
        file_errors = [f for f in report.file_findings if f.level is Level.ERROR]
        if file_errors:
            raise BatchInvalid("The batch cannot be imported: " + "; ".join(f.message for f in file_errors),
                               [(f.column, f.message) for f in file_errors])
        by_row = {result.row: result for result in report.rows}
    batch = _Batch(profile)
    add, login_key, error = batch.rows.append, profile.login_key, Level.ERROR  # looked up once: 10,000s of rows
    secret = {c.key for c in profile.columns if c.secret} or None  # never stored, in any form
    is_change = profile.changes.is_change if profile.changes else None
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
        if refused and number in refused:
            errors = list(refused[number]) or [{"column": None, "message": "This row has errors"}]
        # Stored as the engine gives them, empty cells of the row's columns included; no copy
        # of 10,000 dicts to drop them (the batch page shows only filled values).
        if errors:
            add(Judged(position, number, REJECTED, values, errors, to_json(_capped(profile, values, errors),
                                                                           exclude=secret).decode()))
            continue
        judged = Judged(position, number, ACCEPTED, values, errors, to_json(values, exclude=secret).decode())
        add(judged)
        if secret:
            judged.secrets = {key: values[key] for key in secret if values.get(key)} or None
        login = login_key(result.values)
        if login is None:
            continue
        judged.login_column, judged.login_key = login
        if is_change is not None and is_change(values):
            judged.change, judged.notes = True, _change_note(profile, judged)
        earlier = first_seen.get(login)
        if earlier is None:
            first_seen[login] = judged
        else:
            judged.status, judged.first_of = DUPLICATE, earlier.position
    return batch


def _capped(profile: Profile, values: dict[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any]:
    """A rejected row's values as stored: text longer than STORED_TEXT_CAP is cut there, and the
    row's errors say so (an accepted row's values are within their columns' lengths already)."""
    long = {key: value for key, value in values.items() if type(value) is str and len(value) > STORED_TEXT_CAP}
    if not long:
        return values
    for key, value in long.items():
        header = profile.by_key[key].header if key in profile.by_key else key
        errors.append({"column": header, "message": f"{header}: the value has {len(value):,} characters; only its "
                                                   f"first {STORED_TEXT_CAP:,} are kept with this rejected row"})
    return {**values, **{key: value[:STORED_TEXT_CAP] for key, value in long.items()}}


def _change_note(profile: Profile, row: Judged) -> list[dict[str, Any]]:
    """A change for a user with no stored version here: imported as sent, and said so. (Replaced
    by what the change did when the user turns out to be stored.)"""
    column = profile.by_key[row.login_column]
    action = row.values.get(profile.changes.column, "")
    return [{"column": column.header,
             "message": f"{column.header}: {quote(row.values.get(row.login_column, row.login_key))} has no stored "
                        f"version here, so this {action} is imported as sent (the user may predate rosterbook)"}]


# --------------------------------------------------------------------------- storage

def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert if dialect == "sqlite" else insert


def _store(session: Session, profile: Profile, batch: _Batch, *, key: tuple[str, str] | None,
           digest: Callable[[], str], submitted_by: str, source: Mapping[str, Any], by_copy: bool,
           passwords: PasswordKeeper | None) -> BatchResult:
    with writing(session):
        batch_id = _store_in_transaction(session, profile, batch, key=key, digest=digest,
                                         submitted_by=submitted_by, source=source, by_copy=by_copy,
                                         passwords=passwords)
    if batch_id is None:  # another request with this key committed first: answer as it did
        replay = _replay(session, key, digest)
        session.rollback()
        if replay is None:
            raise RuntimeError("idempotency key vanished")  # would need a deleted batch: not possible
        return replay
    rows = batch.rows
    counts = _counts(rows)
    # model_construct: every field comes from this module, already valid
    return BatchResult.model_construct(
        batch_id=batch_id, accepted=counts[ACCEPTED], rejected=counts[REJECTED], duplicates=counts[DUPLICATE],
        conflicts=counts[CONFLICT], export_files=export_files(profile, counts[ACCEPTED]),
        rows=[outcome(r.row, r.status, r.id if r.status == ACCEPTED else r.duplicate_of, r.errors, r.notes)
              for r in rows])


def _counts(rows: list[Judged]) -> dict[str, int]:
    counts = dict.fromkeys((ACCEPTED, REJECTED, DUPLICATE, CONFLICT), 0)
    for r in rows:
        counts[r.status] += 1
    return counts


_BATCHES, _ROWS = Batch.__table__, BatchRow.__table__
_LOGIN_KEY = attrgetter("login_key")


def _store_in_transaction(session: Session, profile: Profile, batch: _Batch, *, key: tuple[str, str] | None,
                          digest: Callable[[], str], submitted_by: str, source: Mapping[str, Any],
                          by_copy: bool, passwords: PasswordKeeper | None) -> int | None:
    """The batch's id once committed, or None when another request with the key committed first.

    Table-level statements on the session's connection: the ORM would only add bookkeeping here
    (there are no objects to track), and this runs while SQLite writers wait their turn. The
    request's fingerprint is written with the counts at the end, so that PostgreSQL can insert
    the rows while this process computes it."""
    connection = session.connection()
    stored_source = {k: v for k, v in source.items() if k != "row_numbers"}
    scope, idempotency_key = key or (None, None)
    created = utcnow()
    statement = _insert(session)(_BATCHES).values(
        profile=profile.id, submitted_by=submitted_by, source=stored_source, accepted=0, rejected=0, duplicates=0,
        conflicts=0, on_existing=batch.on_existing, idempotency_scope=scope, idempotency_key=idempotency_key,
        request_hash="", created_at=created)
    if key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_scope", "idempotency_key"])
    batch_id = connection.execute(statement.returning(_BATCHES.c.id)).scalar()
    if batch_id is None:
        session.rollback()
        return None

    rows = batch.rows
    # Accepted rows, and rejected ones (settled already, no login key) in the same statement.
    # Rows whose login key is already stored are skipped: those get no id.
    if connection.dialect.name == "sqlite":
        # One batch writes at a time (SQLite locks the whole database): in position order, with
        # no sort, which SQLite's indexes also take a little faster.
        first = [r for r in rows if r.status in (ACCEPTED, REJECTED)]
        candidates = [r for r in first if r.status == ACCEPTED]
    else:
        # In login-key order, so concurrent batches lock keys in one order.
        accepted = [r for r in rows if r.status == ACCEPTED]
        candidates = sorted((r for r in accepted if r.login_key is not None), key=_LOGIN_KEY)
        candidates += (r for r in accepted if r.login_key is None)
        first = candidates + [r for r in rows if r.status == REJECTED]
    if first:
        params = _row_params(batch_id, profile, first, keyed=True)
        insert = partial(insert_rows, connection, batch_id, params, skip_stored=True, by_copy=by_copy)
        inserted = _while(connection, len(params), insert, digest)
        for r in candidates:
            r.id = inserted.get(r.position)
    lost = [r for r in candidates if r.id is None]
    if lost:
        _settle_stored(connection, batch_id, profile, lost, replace=batch.on_existing == REPLACE)
    _settle_repeats(profile, rows)
    others = [r for r in rows if r.status in (DUPLICATE, CONFLICT)]
    if others:
        insert_rows(connection, batch_id, _row_params(batch_id, profile, others, keyed=False), skip_stored=False)
    counts = _counts(rows)
    connection.execute(update(_BATCHES).where(_BATCHES.c.id == batch_id).values(
        accepted=counts[ACCEPTED], rejected=counts[REJECTED], duplicates=counts[DUPLICATE],
        conflicts=counts[CONFLICT], request_hash=digest(), **_sealed_passwords(batch_id, rows, passwords, created)))
    session.commit()
    return batch_id


def _sealed_passwords(batch_id: int, rows: list[Judged], passwords: PasswordKeeper | None,
                      created: dt.datetime) -> dict[str, Any]:
    """The batch's passwords column values: the sealed passwords of the rows that may be
    exported, and until when they are kept: the retention from the batch's own time (CREATED),
    so the batch page can say how long that was."""
    if passwords is None or not passwords.keeps:
        return {}
    kept = {r.position: r.secrets for r in rows if r.secrets and r.status in EXPORTABLE}
    if not kept:
        return {}
    return {"passwords": passwords.seal(batch_id, kept), "passwords_until": created + passwords.retention}


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
             r.stored_values, dump(r.errors) if r.errors else "[]", r.duplicate_of,
             dump(r.notes) if r.notes else None) for r in rows]


def _json(value: Any) -> str:
    """Compact JSON text, as json.dumps(value, ensure_ascii=False, separators=(",", ":")) writes it,
    by pydantic-core's encoder: a third of the time per row, and a batch has tens of thousands."""
    return to_json(value).decode()


def _settle_stored(connection, batch_id: int, profile: Profile, lost: list[Judged], *, replace: bool) -> None:
    """Accepted rows the database turned away because their user is stored: a duplicate when the
    values are the same; otherwise a new version of the user when the row is a change or the
    batch asked to replace, else a conflict. A new version takes the login key over from the
    stored row, which keeps it as its former key (the user's history)."""
    holders = current_holders(connection, profile.id, [r.login_key for r in lost])
    takeovers: list[Judged] = []
    for r in lost:
        holder = holders.get(r.login_key)
        if holder is None:
            raise ChangedMeanwhile()  # withdrawn, or replaced and its key moved, since the insert
        changed = differences(profile, holder.values, r.values)
        if not changed:
            _mark_duplicate(profile, r, holder.id, f"was already imported ({holder.where})")
        elif r.change or replace:
            r.duplicate_of, r.notes = holder.id, [_new_version_note(profile, r, holder), *changed]
            takeovers.append(r)
        else:
            r.status, r.duplicate_of = CONFLICT, holder.id
            r.errors = [_conflict_message(profile, r, holder), *changed]
    if not takeovers:
        return
    if retire(connection, [r.duplicate_of for r in takeovers]) != len(takeovers):
        raise ChangedMeanwhile()
    inserted = insert_rows(connection, batch_id, _row_params(batch_id, profile, takeovers, keyed=True),
                           skip_stored=True)
    if len(inserted) != len(takeovers):
        raise ChangedMeanwhile()
    for r in takeovers:
        r.id = inserted[r.position]


def _login(profile: Profile, row: Judged) -> tuple[str, str]:
    column = profile.by_key[row.login_column]
    return column.header, quote(row.values.get(row.login_column, row.login_key))


def _new_version_note(profile: Profile, row: Judged, holder: Holder) -> dict[str, Any]:
    column = profile.by_key[row.login_column]
    what = f"this {row.values.get(profile.changes.column)}" if row.change else "this row"
    return new_version_note(column.header, row.values.get(row.login_column, row.login_key), holder, what)


def _conflict_message(profile: Profile, row: Judged, holder: Holder) -> dict[str, Any]:
    header, value = _login(profile, row)
    return {"column": header, "message": f"{header}: {value} was imported before ({holder.where}) with other values, "
                                         "listed next; this row is not imported unless you choose to replace the "
                                         "stored user"}


def _settle_repeats(profile: Profile, rows: list[Judged]) -> None:
    """In-batch repeats of a login key: duplicates of the earlier row (rows are in position order)."""
    for r in rows:
        if r.first_of is None:
            continue
        first = rows[r.first_of]
        if first.status == ACCEPTED:
            _mark_duplicate(profile, r, first.id, f"is also in row {first.row} of this batch, which is imported")
        elif first.status == CONFLICT:
            _mark_duplicate(profile, r, first.duplicate_of, f"is also in row {first.row} of this batch")
        else:
            r.status, r.duplicate_of, r.errors = DUPLICATE, first.duplicate_of, list(first.errors)
        r.notes = None


def _mark_duplicate(profile: Profile, row: Judged, stored_id: int, where: str) -> None:
    header, value = _login(profile, row)
    row.status, row.duplicate_of, row.notes = DUPLICATE, stored_id, None
    row.errors = [{"column": header, "message": f"{header}: {value} {where}; this row is not imported again"}]


# --------------------------------------------------------------------------- answers

def outcome(row: int, status: str, row_id: int | None, errors: list[dict[str, Any]],
            notes: list[dict[str, Any]] | None = None) -> RowOutcome:
    return {"row": row, "status": status, "id": row_id, "errors": errors, "notes": notes or []}


def stored_outcomes(session: Session, batch_id: int) -> list[RowOutcome]:
    rows = session.execute(
        select(BatchRow.row_number, BatchRow.status, BatchRow.id, BatchRow.duplicate_of, BatchRow.errors,
               BatchRow.notes).where(BatchRow.batch_id == batch_id).order_by(BatchRow.position))
    return [outcome(number, status, row_id if status == ACCEPTED else duplicate_of, errors, notes)
            for number, status, row_id, duplicate_of, errors, notes in rows]


def stored_rows(session: Session, batch_id: int) -> list[dict[str, Any]]:
    """Every row's outcome as stored now (GET /api/v1/imports/<id>): the import's answer, and
    for a withdrawn row when and by whom."""
    rows = session.execute(
        select(BatchRow.row_number, BatchRow.status, BatchRow.id, BatchRow.duplicate_of, BatchRow.errors,
               BatchRow.notes, BatchRow.withdrawn_at, BatchRow.withdrawn_by)
        .where(BatchRow.batch_id == batch_id).order_by(BatchRow.position))
    found = []
    for number, status, row_id, duplicate_of, errors, notes, withdrawn_at, withdrawn_by in rows:
        answer = outcome(number, status, row_id if status == ACCEPTED else duplicate_of, errors, notes)
        if withdrawn_at is not None:
            answer.update(withdrawn_at=aware(withdrawn_at), withdrawn_by=withdrawn_by)
        found.append(answer)
    return found


def batch_result(session: Session, batch: Batch) -> BatchResult:
    return BatchResult.model_construct(batch_id=batch.id, accepted=batch.accepted, rejected=batch.rejected,
                                       duplicates=batch.duplicates, conflicts=batch.conflicts,
                                       export_files=batch_files(batch), rows=stored_outcomes(session, batch.id))


def batch_files(batch: Batch) -> int:
    """How many files the batch's vendor export makes now (its accepted users not withdrawn); 1
    for a batch of a format this server no longer knows (its pages still show it)."""
    profile = all_profiles().get(batch.profile)
    return export_files(profile, batch.accepted - batch.withdrawn) if profile is not None else 1


def _replay(session: Session, key: tuple[str, str], digest: Callable[[], str]) -> BatchResult | None:
    scope, idempotency_key = key
    found = session.connection().execute(
        select(_BATCHES.c.id, _BATCHES.c.request_hash)
        .where(_BATCHES.c.idempotency_scope == scope, _BATCHES.c.idempotency_key == idempotency_key)).first()
    if found is None:  # the usual case: a new key, answered without loading a batch
        return None
    if found.request_hash != digest():
        raise IdempotencyConflict(idempotency_key)
    return batch_result(session, session.get(Batch, found.id))
