"""Passwords kept for a batch's export: encrypted at rest, for a limited time, then erased for real.

A vendor file needs the clear password (the control panel's file requires one on every line),
so a batch's passwords are kept from its import until its retention ends
(ROSTERBOOK_PASSWORD_RETENTION, 24 hours by default), or until an admin erases them sooner.

- One sealed blob per batch (batches.passwords): the passwords by row position, as JSON,
  encrypted with AES-GCM (authenticated: a changed byte fails to open, never gives wrong
  passwords), the batch id bound in as associated data so a blob cannot be moved to another
  batch. One encryption per batch, not per row: a 10,000-row batch costs about a millisecond.
- The key is ROSTERBOOK_PASSWORD_KEY, else a key generated once into the instance folder
  (password_key, mode 600); never in the database. Processes sharing a PostgreSQL database
  must share the key, as they share ROSTERBOOK_SECRET_KEY.
- Erasure sets the blob to NULL. SQLite runs with secure_delete, so the freed pages are
  overwritten with zeros, and the write-ahead log (which still holds the pages as they were)
  is then checkpointed and truncated. PostgreSQL keeps an old row version until VACUUM reuses
  its space; README says so.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from pydantic_core import to_json
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from .db import writing
from .models import Batch, utcnow
from .settings import key_file

log = logging.getLogger(__name__)

EXTENSION = "rosterbook.passwords"
KEY_FILE = "password_key"
KEY_VARIABLE = "ROSTERBOOK_PASSWORD_KEY"
_FORMAT = b"\x01"  # the blob's layout: this byte, a 12-byte nonce, the AES-GCM ciphertext
_NONCE = 12
Secrets = dict[int, dict[str, str]]  # row position -> {column key: password}


class KeyProblem(ValueError):
    """The configured key cannot be used; the message says what to do."""


class PasswordsUnreadable(Exception):
    """The blob does not open with this server's key (another key, or damaged)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise KeyProblem(f"{KEY_VARIABLE} must be 32 random bytes in URL-safe base64 (44 characters), such as "
                         "'rosterbook passwords new-key' prints; the value set is not.")
    return key


def load_key(instance_path: Path, configured: str | None) -> bytes:
    """The configured key, else the instance folder's key file (written once, mode 600)."""
    if configured:
        return decode_key(configured)
    return decode_key(key_file(instance_path / KEY_FILE, new_key))


@dataclass(frozen=True)
class PasswordKeeper:
    """Seals and opens batches' passwords; retention 0 keeps none."""

    key: bytes = field(repr=False)
    retention: dt.timedelta

    @property
    def keeps(self) -> bool:
        return self.retention > dt.timedelta(0)

    def seal(self, batch_id: int, secrets: Secrets) -> bytes:
        nonce = os.urandom(_NONCE)
        plain = to_json(secrets)  # pydantic-core: a fifth of json.dumps' time for 10,000 rows (positions become text)
        return _FORMAT + nonce + AESGCM(self.key).encrypt(nonce, plain, _bound(batch_id))

    def open(self, batch_id: int, blob: bytes) -> Secrets:
        if not blob.startswith(_FORMAT) or len(blob) < 1 + _NONCE + 16:
            raise PasswordsUnreadable()
        try:
            plain = AESGCM(self.key).decrypt(blob[1:1 + _NONCE], blob[1 + _NONCE:], _bound(batch_id))
        except InvalidTag:
            raise PasswordsUnreadable() from None
        return {int(p): v for p, v in json.loads(plain).items()}


def _bound(batch_id: int) -> bytes:
    return f"rosterbook batch {batch_id}".encode("ascii")


# --------------------------------------------------------------------------- erasure

def erase(session: Session, *, batch_id: int | None = None, expired_at: dt.datetime | None = None) -> list[int]:
    """Erase held passwords: one batch's, those whose retention ended by EXPIRED_AT, or all.
    Commits; returns the batches erased. Call scrub() afterwards (outside the transaction)."""
    held = [Batch.passwords_until.is_not(None)]
    if batch_id is not None:
        held.append(Batch.id == batch_id)
    if expired_at is not None:
        held.append(Batch.passwords_until <= expired_at)
    session.rollback()  # the request's reads so far: on SQLite a write needs a transaction of its own
    with writing(session):
        ids = list(session.scalars(select(Batch.id).where(*held).order_by(Batch.id)))
        if ids:
            session.execute(update(Batch).where(Batch.id.in_(ids), *held).values(
                passwords=None, passwords_until=None, passwords_erased_at=utcnow()),
                execution_options={"synchronize_session": False})
        session.commit()
    return ids


_scrub_owed: set[str] = set()  # SQLite files whose log still held erased passwords at the last try


def scrub(engine: Engine, attempts: int = 10) -> bool:
    """After an erasure on SQLite: copy the log into the database file and truncate the log, so
    no earlier page image (with the ciphertext) stays on disk. Other readers can hold it back
    for a moment, and a checkpoint already running (the server's checkpointer thread) makes this
    one return busy at once, without waiting: a few tries over about two seconds; when they all
    fail, the sweeper tries again at each of its rounds until it is done. True when done."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return True
    connection = sqlite3.connect(engine.url.database, timeout=2)
    try:
        for attempt in range(attempts):
            busy, _logged, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                _scrub_owed.discard(engine.url.database)
                return True
            time.sleep(0.04 * (attempt + 1))
        _scrub_owed.add(engine.url.database)
        log.warning("the write-ahead log could not be truncated after erasing passwords; trying again later")
        return False
    finally:
        connection.close()


class Sweeper:
    """Erases passwords whose retention has ended, every INTERVAL seconds, in a thread of
    `rosterbook serve` (several processes on one database may all sweep: erasing is idempotent)."""

    INTERVAL_S = 60.0

    def __init__(self, sessions, engine: Engine):
        self.sessions, self.engine = sessions, engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rosterbook-password-sweeper", daemon=True)

    def start(self) -> Sweeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def sweep(self) -> list[int]:
        session = self.sessions()
        try:
            erased = erase(session, expired_at=utcnow())
        finally:
            session.close()
        if erased or self.engine.url.database in _scrub_owed:
            scrub(self.engine)
        if erased:
            log.info("erased the passwords of %d batch(es) whose retention ended", len(erased))
        return erased

    def _run(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # a database down for a moment must not end the sweeping
                log.warning("could not erase expired passwords this time", exc_info=True)
            if self._stop.wait(self.INTERVAL_S):
                return


def keeper_from_config(config: Mapping, instance_path: Path) -> PasswordKeeper:
    return PasswordKeeper(load_key(instance_path, config.get("PASSWORD_KEY")), config["PASSWORD_RETENTION"])


def keeper(app=None) -> PasswordKeeper:
    """The app's keeper (the current app's by default)."""
    from flask import current_app

    return (app or current_app).extensions[EXTENSION]
