"""How much of a file rosterbook reads: rows, columns and unpacked bytes.

A file over a limit is refused with a message before it can take the machine's memory (a
1.6 KB workbook can declare a million rows by 16,384 columns; a 2 MB one can unpack to
gigabytes). The defaults fit the largest roster the import server takes in one batch. The
command line and the server read them from the environment here, the same way.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_BATCH_ROWS = 50_000  # the server's batch limit (ROSTERBOOK_MAX_BATCH_ROWS)
DEFAULT_MAX_COLUMNS = 200
DEFAULT_MAX_UNPACKED_MB = 200
EXCEL_MAX_COLUMNS = 16_384

ROWS_ENV = "ROSTERBOOK_MAX_FILE_ROWS"
COLUMNS_ENV = "ROSTERBOOK_MAX_FILE_COLUMNS"
UNPACKED_ENV = "ROSTERBOOK_MAX_FILE_MB"
BATCH_ROWS_ENV = "ROSTERBOOK_MAX_BATCH_ROWS"


class LimitSettingError(ValueError):
    """A limit set in the environment is not a positive whole number."""


@dataclass(frozen=True)
class ReadLimits:
    rows: int = DEFAULT_MAX_BATCH_ROWS + 1  # a whole batch and its header row
    columns: int = DEFAULT_MAX_COLUMNS
    unpacked_bytes: int = DEFAULT_MAX_UNPACKED_MB * 1024 * 1024  # an .xlsx unzipped; a CSV's size

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReadLimits:
        env = os.environ if environ is None else environ
        batch = _positive(env, BATCH_ROWS_ENV, DEFAULT_MAX_BATCH_ROWS)
        return cls(rows=_positive(env, ROWS_ENV, batch + 1), columns=_positive(env, COLUMNS_ENV, DEFAULT_MAX_COLUMNS),
                   unpacked_bytes=_positive(env, UNPACKED_ENV, DEFAULT_MAX_UNPACKED_MB) * 1024 * 1024)

    @property
    def unpacked_mb(self) -> str:
        return f"{self.unpacked_bytes / 1024 / 1024:,.0f} MB"


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise LimitSettingError(f"{name} must be a positive whole number, not {env[name]!r}")
    return int(raw)
