"""Server settings read from the environment (pydantic-settings).

DATABASE_URL selects the store (default: a SQLite file in the instance folder); every other
setting is ROSTERBOOK_<NAME>, e.g. ROSTERBOOK_MAX_CONTENT_LENGTH.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from addin.files.limits import DEFAULT_MAX_BATCH_ROWS

SQLITE_FILE = "rosterbook.sqlite3"
SECRET_KEY_FILE = "secret_key"
DEFAULT_PASSWORD_RETENTION = dt.timedelta(hours=24)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|seconds?|m|min|minutes?|h|hours?|d|days?)?", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROSTERBOOK_", extra="ignore")

    database_url: str | None = Field(None, validation_alias=AliasChoices("DATABASE_URL", "ROSTERBOOK_DATABASE_URL"))
    instance_path: Path | None = None
    max_content_length: int = Field(16 * 1024 * 1024, gt=0, description="Largest request body in bytes (413 above)")
    max_batch_rows: int = Field(DEFAULT_MAX_BATCH_ROWS, gt=0, description="Most rows in one import batch, whatever the profile")
    upload_minutes: int = Field(30, gt=0, description="How long a checked upload is kept for its download and import")
    connection_limit: int = Field(200, gt=0, description="Most connections open at once (waitress: 100)")
    channel_timeout: int = Field(30, gt=0, description="Seconds a connection may send and read nothing before it "
                                                       "is closed (waitress: 120)")
    cookie_secure: bool = Field(False, description="Send the sign-in cookie over HTTPS only (behind an HTTPS proxy)")
    trusted_proxies: int = Field(0, ge=0, le=10, description="How many reverse proxies in front set X-Forwarded-For, "
                                                            "-Proto, -Host and -Port (werkzeug's ProxyFix)")
    secret_key: str | None = None
    db_pool_size: int = Field(10, gt=0)
    password_key: str | None = Field(None, description="The key passwords are encrypted with (base64, 32 bytes)")
    password_retention: dt.timedelta = Field(DEFAULT_PASSWORD_RETENTION,
                                             description="How long a batch's passwords are kept for its export")

    @field_validator("password_retention", mode="before")
    @classmethod
    def _duration(cls, value):
        return parse_duration(value) if isinstance(value, str) else value


def parse_duration(text: str) -> dt.timedelta:
    """'24h', '90m', '2d', '30s' or a plain number of hours ('0' keeps no password at all)."""
    found = _DURATION.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a duration: write it like 24h, 90m, 2d or 0")
    number, unit = float(found.group(1)), (found.group(2) or "h")[0].lower()
    seconds = number * _UNIT_SECONDS[unit]
    if seconds > _LONGEST.total_seconds():  # also beyond what a date can be moved by
        raise ValueError(f"{text!r} is longer than {_LONGEST.days} days: passwords are kept for the upload file, "
                         "not for years")
    return dt.timedelta(seconds=seconds)


_LONGEST = dt.timedelta(days=3650)


def database_url(url: str | None, instance_path: Path) -> str:
    """The SQLAlchemy URL: DATABASE_URL as given (postgres:// spellings mapped to psycopg 3)."""
    if not url:
        return f"sqlite:///{instance_path / SQLITE_FILE}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_secret_key(instance_path: Path) -> str:
    """The session signing key, generated once into the instance folder (mode 600)."""
    return key_file(instance_path / SECRET_KEY_FILE, lambda: secrets.token_hex(32))


def key_file(path: Path, make) -> str:
    """The key in PATH, written there first by make() if the file does not exist (mode 600)."""
    if not path.exists():
        # Written aside and linked into place: two processes starting at once agree on one key.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
