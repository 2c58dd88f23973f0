"""MS-OVBA 2.4.3 data encryption: the obfuscation of the PROJECT stream's
CMG (protection state), DPB (password) and GC (visibility) values.

The format wants a random seed and random filler bytes; we take both from a
hash of the project id so that a build is reproducible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ENCRYPTION_VERSION = 2


@dataclass(frozen=True)
class Decrypted:
    data: bytes
    seed: int
    version: int
    project_key: int


def project_key(project_id: str) -> int:
    """ProjKey: the 8-bit sum of the project id's characters, braces included."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int | None = None) -> str:
    """Encrypt `data` and return it as the upper-case hex text the PROJECT stream stores."""
    # One seed and filler per project, as Excel uses for all three values.
    digest = hashlib.sha256(project_id.encode("ascii")).digest()
    if seed is None:
        seed = digest[0]
    key = project_key(project_id)
    version_enc = seed ^ ENCRYPTION_VERSION
    key_enc = seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    state = _Chain(unencrypted1=key, encrypted1=key_enc, encrypted2=version_enc)
    ignored_length = (seed & 6) // 2
    for filler in digest[1 : 1 + ignored_length]:
        out.append(state.encrypt(filler))
    for byte in len(data).to_bytes(4, "little") + bytes(data):
        out.append(state.encrypt(byte))
    return out.hex().upper()


def decrypt(text: str | bytes) -> Decrypted:
    raw = bytes.fromhex(text.decode("ascii") if isinstance(text, bytes) else text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    key = seed ^ key_enc
    state = _Chain(unencrypted1=key, encrypted1=key_enc, encrypted2=version_enc)
    plain = bytes(state.decrypt(b) for b in raw[3:])
    ignored_length = (seed & 6) // 2
    length = int.from_bytes(plain[ignored_length : ignored_length + 4], "little")
    data = plain[ignored_length + 4 :]
    if len(data) != length:
        raise ValueError(f"encrypted data says {length} bytes but holds {len(data)}")
    return Decrypted(data=data, seed=seed, version=seed ^ version_enc, project_key=key)


@dataclass
class _Chain:
    """The running state: each byte's mask depends on the bytes before it."""

    unencrypted1: int
    encrypted1: int
    encrypted2: int

    def encrypt(self, byte: int) -> int:
        encrypted = byte ^ ((self.encrypted2 + self.unencrypted1) & 0xFF)
        self._advance(byte, encrypted)
        return encrypted

    def decrypt(self, encrypted: int) -> int:
        byte = encrypted ^ ((self.encrypted2 + self.unencrypted1) & 0xFF)
        self._advance(byte, encrypted)
        return byte

    def _advance(self, byte: int, encrypted: int) -> None:
        self.encrypted2 = self.encrypted1
        self.encrypted1 = encrypted
        self.unencrypted1 = byte
