"""Admin accounts for the web pages; passwords kept as werkzeug hashes (scrypt)."""
from __future__ import annotations

from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .models import Admin

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    pass


def create_admin(session: Session, username: str, password: str) -> Admin:
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("a user name is 1 to 100 characters")
    _check_password(password)
    if session.scalar(select(Admin.id).where(Admin.username == username)) is not None:
        raise AccountError(f"an admin named {username!r} already exists")
    admin = Admin(username=username, password_hash=_hash(password))
    session.add(admin)
    session.flush()
    return admin


def list_admins(session: Session) -> list[Admin]:
    return list(session.scalars(select(Admin).order_by(Admin.username)))


def delete_admin(session: Session, username: str) -> bool:
    """Delete the account; its sign-ins end at their next request (the session check fails)."""
    return session.execute(delete(Admin).where(Admin.username == username.strip())).rowcount > 0


def set_password(session: Session, username: str, password: str) -> Admin:
    """A new password; every sign-in made with the old one ends (the session holds its fingerprint)."""
    _check_password(password)
    admin = session.scalar(select(Admin).where(Admin.username == username.strip()))
    if admin is None:
        raise AccountError(f"there is no admin named {username.strip()!r} ('rosterbook admin list' shows them)")
    admin.password_hash = _hash(password)
    session.flush()
    return admin


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _hash(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_admin(session: Session, username: str, password: str) -> Admin | None:
    """The admin when the password matches, else None (same work either way against timing probes)."""
    admin = session.scalar(select(Admin).where(Admin.username == username.strip()))
    if admin is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return admin if check_password_hash(admin.password_hash, password) else None


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password", method="scrypt")
