"""Slows down password guessing on the sign-in page: too many failures in a window lock it for a while.

Counted per (address, user name) and per address, in the database (models.SignInFailure), so
the limit holds for every server process sharing the store. An attempt is counted *before* its
password is checked, while no other attempt from the same address can count (PostgreSQL: an
advisory lock per address; SQLite: its write lock): forty requests sent at once for one name
get five password checks, not as many as raced past a count nobody had written yet. A sign-in
that succeeds takes its own attempt back and clears its name's failures.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from ..db import writing
from ..models import SignInFailure, utcnow

MAX_NAME = 100  # the column's length; longer names are no account's anyway
_CLEANUP_LOCK = 0x7369676E  # any constant: one process at a time sweeps expired failures
_FAILURES = SignInFailure.__table__


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt counted in advance: wait > 0 means it may not be tried now."""

    address: str
    name: str
    wait: int = 0
    counted: tuple[int, ...] = ()  # the failure rows written for it


class SignInThrottle:
    def __init__(self, per_user: int = 5, per_address: int = 20, window_seconds: float = 900,
                 clock: Callable[[], dt.datetime] = utcnow):
        self.per_user, self.per_address = per_user, per_address
        self.window = dt.timedelta(seconds=window_seconds)
        self.clock = clock

    def attempt(self, db: Session, address: str, username: str) -> Attempt:
        """Count a sign-in attempt as failed until succeeded() says otherwise, or say how long to wait."""
        name = username.strip().casefold()[:MAX_NAME]
        address = address[:64]
        # An empty name counts only against the address ('' is the address's own count)
        limits = ([(name, self.per_user)] if name else []) + [("", self.per_address)]
        now = self.clock()
        cutoff = now - self.window
        db.rollback()  # the write below must start its own transaction (SQLite: BEGIN IMMEDIATE)
        with writing(db):
            connection = db.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(address)})
            self._sweep(connection, cutoff)
            recent = {key: (oldest, count) for key, oldest, count in connection.execute(
                select(_FAILURES.c.username, func.min(_FAILURES.c.failed_at), func.count())
                .where(_FAILURES.c.address == address, _FAILURES.c.username.in_([name, ""]),
                       _FAILURES.c.failed_at > cutoff)
                .group_by(_FAILURES.c.username))}
            wait = dt.timedelta(0)
            for key, limit in limits:
                oldest, count = recent.get(key, (None, 0))
                if count >= limit:
                    wait = max(wait, _aware(oldest) + self.window - now)
            if wait:
                db.rollback()
                return Attempt(address, name, int(wait.total_seconds()) + 1)
            counted = tuple(connection.execute(
                insert(_FAILURES).returning(_FAILURES.c.id),
                [{"address": address, "username": key, "failed_at": now} for key, _ in limits]).scalars())
            db.commit()
        return Attempt(address, name, 0, counted)

    def succeeded(self, db: Session, attempt: Attempt) -> None:
        """The password was right: this attempt is no failure, and the name's failures are forgiven.
        Runs in the caller's write transaction."""
        db.execute(delete(SignInFailure).where(SignInFailure.id.in_(attempt.counted)))
        db.execute(delete(SignInFailure).where(SignInFailure.address == attempt.address,
                                               SignInFailure.username == attempt.name))

    def _sweep(self, connection, cutoff: dt.datetime) -> None:
        """Failures older than the window count no more: deleted, by one process at a time."""
        if connection.dialect.name == "postgresql":
            if not connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _CLEANUP_LOCK}).scalar():
                return
        connection.execute(delete(_FAILURES).where(_FAILURES.c.failed_at <= cutoff))


def _lock_key(address: str) -> int:
    """A 64-bit advisory lock id for the address."""
    return int.from_bytes(hashlib.sha256(b"rosterbook sign-in " + address.encode()).digest()[:8], "big", signed=True)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite keeps no zone; all are UTC
