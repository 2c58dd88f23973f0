"""The stored records: API tokens, admin accounts, their sign-ins and failed sign-ins, import
batches and their rows, uploads being checked."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

JsonType = JSON().with_variant(JSONB(), "postgresql")
# A batch row's values and errors: written once in bulk, read back whole, never queried inside,
# so PostgreSQL keeps them as json text (checked, not converted to jsonb: a cheaper insert)
RowJsonType = JSON()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(when: dt.datetime | None) -> dt.datetime | None:
    """A stored timestamp with its zone: SQLite keeps none, and every timestamp is written in UTC."""
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


class Base(DeclarativeBase):
    pass


class ApiToken(Base):
    """A bearer token for the API. Only its SHA-256 is kept: the token is shown once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Admin(Base):
    """A person who signs in to the web pages; the password is kept as a werkzeug hash."""

    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AdminSession(Base):
    """One sign-in to the web pages. The browser's cookie holds a random id; only its SHA-256 is
    kept here. Signing out deletes the row, so the cookie is worth nothing afterwards."""

    __tablename__ = "admin_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's session id
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), index=True)
    password_check: Mapped[str] = mapped_column(String(64))  # a new password ends the session
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class SignInFailure(Base):
    """A failed (or still running) sign-in, counted by the throttle in every server process.

    username is the name as typed, case-folded; '' counts every name from the address.
    """

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_address", "address", "username", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    username: Mapped[str] = mapped_column(String(100))
    failed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Batch(Base):
    """One submission. The idempotency key lives here, so it holds across server processes.

    Keys are unique per scope: each API token has its own (as payment APIs scope them per
    account), so one token can neither see nor take another's keys.
    """

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("idempotency_scope", "idempotency_key", name="uq_batches_idempotency"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(50), index=True)
    submitted_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    source: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # rows withdrawn since
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # the whole batch: when, who
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    on_existing: Mapped[str] = mapped_column(String(10), default="skip", server_default="skip")
    idempotency_scope: Mapped[str | None] = mapped_column(String(120))  # whose key: see server.auth.key_scope
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # The batch's passwords, encrypted (server/passwords.py), until passwords_until; NULL once
    # erased. Deferred: only the export reads them.
    passwords: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    passwords_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    passwords_erased_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    rows: Mapped[list[BatchRow]] = relationship(back_populates="batch", order_by="BatchRow.position")


class BatchRow(Base):
    """One submitted row and what became of it.

    login_key is set only on the current version of a stored user (an accepted row); the unique
    (profile, login_key) constraint is what makes "each user stored once" hold under any
    concurrency. A version replaced by a newer one, or withdrawn, gives its login key up and
    keeps it as former_key, for the user's history. values never holds a password (those are sealed per
    batch, see server/passwords.py).
    """

    __tablename__ = "batch_rows"
    __table_args__ = (
        UniqueConstraint("profile", "login_key", name="uq_batch_rows_profile_login_key"),
        Index("ix_batch_rows_batch_position", "batch_id", "position"),
        # only rows that gave a login key up: every new row would add an entry no lookup uses
        Index("ix_batch_rows_profile_former_key", "profile", "former_key",
              sqlite_where=text("former_key IS NOT NULL"), postgresql_where=text("former_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    profile: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer)  # 0-based order in the request
    row_number: Mapped[int] = mapped_column(Integer)  # the sheet row (or 1-based position)
    status: Mapped[str] = mapped_column(String(10))
    login_column: Mapped[str | None] = mapped_column(String(50))
    login_key: Mapped[str | None] = mapped_column(Text)
    values: Mapped[dict[str, str]] = mapped_column(RowJsonType, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(RowJsonType, default=list)
    # the stored row a duplicate repeats, a conflict differs from, or a new version replaced
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[list[dict[str, Any]] | None] = mapped_column(RowJsonType)  # e.g. what a new version changed
    former_key: Mapped[str | None] = mapped_column(Text)  # the login key a replaced or withdrawn version held
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    # A conflict an admin chose to import later (from the batch page): when and who
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(String(100))

    batch: Mapped[Batch] = relationship(back_populates="rows")


class PendingUpload(Base):
    """A file checked on the upload page, kept for its download and import for a short time.

    data is the file, its annotated copy and its import request, encrypted (AES-GCM) with a key
    the server does not keep: it lives in the admin's result page only (see server/upload_store.py).
    """

    __tablename__ = "pending_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    admin: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
