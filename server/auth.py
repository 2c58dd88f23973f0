"""API tokens: created once and shown once, stored as a SHA-256 hash, checked on every API call.

Tokens are 256-bit random strings, so a fast hash is enough (there is nothing to brute-force);
a slow password hash would only slow down every request.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .db import get_db
from .models import ApiToken

TOKEN_PREFIX = "rb_"
MAX_HEADER_LENGTH = 512


class TokenError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str) -> str:
    """A new token for NAME; the caller shows it once. Names are unique."""
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("a token name is 1 to 100 characters")
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} already exists: revoke it first or choose another name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=hash_token(token)))
    session.flush()
    return token


def revoke_token(session: Session, name: str) -> bool:
    return session.execute(delete(ApiToken).where(ApiToken.name == name)).rowcount > 0


def token_names(session: Session) -> list[str]:
    return list(session.scalars(select(ApiToken.name).order_by(ApiToken.name)))


def owner_of(session: Session, token: str) -> str | None:
    digest = hash_token(token)
    found = session.execute(select(ApiToken.name, ApiToken.token_hash).where(ApiToken.token_hash == digest)).first()
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    return found.name


def bearer_token(header_value: str | None) -> str | None:
    if not header_value or len(header_value) > MAX_HEADER_LENGTH:
        return None
    scheme, _, token = header_value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or not token.isascii():
        return None
    return token


def key_scope(token_name: str) -> str:
    """Whose Idempotency-Keys a request with this token uses: the token's own (see models.Batch)."""
    return f"token:{token_name}"


def token_owner(header_value: str | None) -> str | None:
    """The token's name for an 'Authorization: Bearer <token>' value, or None. Needs an app context."""
    token = bearer_token(header_value)
    if token is None:
        return None
    return owner_of(get_db(), token)
