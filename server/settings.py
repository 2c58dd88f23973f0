"""Server settings read from the environment (pydantic-settings).

DATABASE_URL selects the store (default: a SQLite file in the instance folder); every other
setting is ROSTERBOOK_<NAME>, e.g. ROSTERBOOK_MAX_CONTENT_LENGTH.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SQLITE_FILE = "rosterbook.sqlite3"
SECRET_KEY_FILE = "secret_key"


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ROSTERBOOK_", extra="ignore")

    database_url: str | None = Field(None, validation_alias=AliasChoices("DATABASE_URL", "ROSTERBOOK_DATABASE_URL"))
    instance_path: Path | None = None
    max_content_length: int = Field(16 * 1024 * 1024, gt=0, description="Largest request body in bytes (413 above)")
    max_batch_rows: int = Field(50_000, gt=0, description="Most rows in one import batch, whatever the profile")
    connection_limit: int = Field(200, gt=0, description="Most connections open at once (waitress: 100)")
    channel_timeout: int = Field(30, gt=0, description="Seconds a connection may send and read nothing before it "
                                                       "is closed (waitress: 120)")
    cookie_secure: bool = Field(False, description="Send the sign-in cookie over HTTPS only (behind an HTTPS proxy)")
    trusted_proxies: int = Field(0, ge=0, le=10, description="How many reverse proxies in front set X-Forwarded-For, "
                                                            "-Proto, -Host and -Port (werkzeug's ProxyFix)")
    secret_key: str | None = None
    db_pool_size: int = Field(10, gt=0)


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
    path = instance_path / SECRET_KEY_FILE
    if not path.exists():
        # Written aside and linked into place: two processes starting at once agree on one key.
        draft = instance_path / f".{SECRET_KEY_FILE}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
