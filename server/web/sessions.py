"""Sign-ins kept on the server (models.AdminSession), checked on every request.

The cookie (signed, HttpOnly, SameSite=Lax) holds only a random session id; the database holds
its SHA-256, whose admin, until when, and a fingerprint of the admin's password hash. Signing
out deletes the row: a copy of the cookie kept by anyone is worth nothing afterwards. A new
password or a deleted account ends every session of that admin at once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Admin, AdminSession, utcnow


@dataclass(frozen=True, slots=True)
class SignedIn:
    id: int
    username: str


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:32]


def _stored_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def start(db: Session, admin: Admin, lifetime: dt.timedelta) -> str:
    """A new session for ADMIN, in the caller's write transaction; returns the id for the cookie."""
    now = utcnow()
    db.execute(delete(AdminSession).where(AdminSession.expires_at <= now))  # keeps the table small
    session_id = secrets.token_urlsafe(32)
    db.add(AdminSession(id=_stored_id(session_id), admin_id=admin.id, password_check=fingerprint(admin.password_hash),
                        created_at=now, expires_at=now + lifetime))
    return session_id


def find(db: Session, session_id: str) -> SignedIn | None:
    """Who the session belongs to, while it is open and the admin's password unchanged."""
    found = db.execute(
        select(Admin.id, Admin.username, Admin.password_hash, AdminSession.password_check)
        .join(AdminSession, AdminSession.admin_id == Admin.id)
        .where(AdminSession.id == _stored_id(session_id), AdminSession.expires_at > utcnow())).first()
    if found is None or not hmac.compare_digest(found.password_check, fingerprint(found.password_hash)):
        return None
    return SignedIn(found.id, found.username)


def end(db: Session, session_id: str) -> None:
    """Ends the session, in the caller's write transaction."""
    db.execute(delete(AdminSession).where(AdminSession.id == _stored_id(session_id)))
