"""Uploads kept between the "Check a file" page's steps: encrypted, for a short time, by random id.

An upload can hold passwords (iPass, control panel), which the server otherwise never stores.
So each one is sealed with AES-GCM under a fresh random key that the server hands to the
admin's result page and does not keep: the database holds only the ciphertext, bound to its
id and its admin, and a copy of the database (or its backups) without that page reveals
nothing. An expired row is never opened, and is deleted when the next file is checked (the next keep).
Being in the database, they are seen by every `serve` process sharing it.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import secrets
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .db import writing
from .models import PendingUpload, utcnow

_NONCE = 12
_LENGTH = struct.Struct(">I")


class UploadGone(LookupError):
    """No such upload for this admin and key: expired, never made, or the key is wrong."""


def keep(db: Session, admin: str, parts: dict[str, bytes], minutes: int) -> tuple[str, str]:
    """Seal and store the parts; (the upload's id, its key for the page)."""
    upload_id = secrets.token_urlsafe(16)
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_NONCE)
    sealed = nonce + AESGCM(key).encrypt(nonce, _pack(parts), _bound_to(upload_id, admin))
    db.rollback()  # the request's reads (who is signed in) end here, so the write can take its lock first
    with writing(db):
        _forget_expired(db, minutes)
        db.add(PendingUpload(id=upload_id, admin=admin, data=sealed))
        db.commit()
    return upload_id, base64.urlsafe_b64encode(key).decode("ascii")


def fetch(db: Session, upload_id: str, key: str, admin: str, minutes: int) -> dict[str, bytes]:
    try:
        raw_key = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise UploadGone from None
    row = db.scalar(select(PendingUpload).where(PendingUpload.id == upload_id, PendingUpload.admin == admin,
                                                PendingUpload.created_at >= _oldest(minutes)))
    if row is None or len(raw_key) != 32:
        raise UploadGone
    try:
        plain = AESGCM(raw_key).decrypt(row.data[:_NONCE], row.data[_NONCE:], _bound_to(upload_id, admin))
    except InvalidTag:
        raise UploadGone from None
    return _unpack(plain)


def forget(db: Session, upload_id: str, admin: str) -> None:
    """Delete a kept upload now (the mapping step's, once its answer is checked and kept anew)."""
    db.rollback()
    with writing(db):
        db.execute(delete(PendingUpload).where(PendingUpload.id == upload_id, PendingUpload.admin == admin))
        db.commit()


def _forget_expired(db: Session, minutes: int) -> None:
    db.execute(delete(PendingUpload).where(PendingUpload.created_at < _oldest(minutes)))


def _oldest(minutes: int) -> dt.datetime:
    return utcnow() - dt.timedelta(minutes=minutes)


def _bound_to(upload_id: str, admin: str) -> bytes:
    """Authenticated with the ciphertext: a sealed upload moved to another id or admin fails to open."""
    return f"{upload_id}\n{admin}".encode()


def _pack(parts: dict[str, bytes]) -> bytes:
    pieces = []  # joined once: megabytes of parts are copied once, not at every step
    for name, data in parts.items():
        encoded = name.encode()
        pieces += (_LENGTH.pack(len(encoded)), encoded, _LENGTH.pack(len(data)), data)
    return b"".join(pieces)


def _unpack(data: bytes) -> dict[str, bytes]:
    parts, at = {}, 0
    while at < len(data):
        (size,) = _LENGTH.unpack_from(data, at)
        name = data[at + 4:at + 4 + size].decode()
        at += 4 + size
        (size,) = _LENGTH.unpack_from(data, at)
        parts[name] = data[at + 4:at + 4 + size]
        at += 4 + size
    return parts
