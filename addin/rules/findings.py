"""What validation reports: one Finding per problem or repair."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .cells import to_text


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    FIXED = "fixed"


@dataclass(slots=True, frozen=True)
class Finding:
    level: Level
    message: str
    column: str | None = None  # the header as the profile names it; None for file-level findings
    row: int | None = None  # the sheet's own row number (a CSV's line number)
    value: Any = None  # the original value (masked for secret columns)
    fixed_value: str | None = None

    @property
    def original_note(self) -> str | None:
        """For a repaired cell: the note that keeps what the cell held before (None when nothing
        was changed, or the value is a password)."""
        if self.level is not Level.FIXED or self.fixed_value is None or self.value is None:
            return None
        return f"rosterbook repaired this cell. It held: {to_text(self.value)}"

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        return {
            "row": self.row,
            "column": self.column,
            "level": str(self.level),
            "message": self.message,
            "value": value,
            "fixed_value": self.fixed_value,
        }
