"""Where the data is on a sheet: found by content, never by position or sheet name.

Admins rename sheets, add title rows, add columns at the right and move columns around, so the
header row is the first of the top rows that reads like the profile's header, and Status, Errors
and Marks are found by their header text.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..rules.annotations import ERRORS_HEADER, MARKS_HEADER, STATUS_HEADER
from ..rules.cells import is_blank, to_text
from ..rules.columns import Profile, header_token
from ..rules.engine import looks_like_header

HEADER_SEARCH_ROWS = 20  # a header further down than this is not a template's
ANNOTATION_ORDER = (STATUS_HEADER, ERRORS_HEADER, MARKS_HEADER)


@dataclass(frozen=True, slots=True)
class Region:
    """The data region of a sheet whose values were read from A1 (0-based indexes into them)."""

    header_index: int
    width: int  # number of columns read
    annotation: dict[str, int]  # STATUS/ERRORS/MARKS header -> 0-based column, for those present
    row_count: int  # number of rows read (the used range's last row)

    @property
    def header_row(self) -> int:
        return self.header_index + 1

    @property
    def first_data_row(self) -> int:
        return self.header_index + 2

    @property
    def last_row(self) -> int:
        return self.row_count

    @property
    def data_indexes(self) -> range:
        return range(self.header_index + 1, self.row_count)

    def annotation_columns(self) -> list[int]:
        """0-based columns of Status, Errors and Marks; missing ones go after the last column,
        and the header row gets their names."""
        columns, next_free = [], self.width
        for name in ANNOTATION_ORDER:
            if name in self.annotation:
                columns.append(self.annotation[name])
            else:
                columns.append(next_free)
                next_free += 1
        return columns

    @property
    def missing_annotation(self) -> list[str]:
        return [name for name in ANNOTATION_ORDER if name not in self.annotation]


def is_header(profile: Profile, row: Sequence[Any]) -> bool:
    """Mostly the profile's headers, or at least half of the profile's columns (however many
    columns an admin added beside them)."""
    if all(is_blank(c) for c in row):
        return False
    if looks_like_header(profile, row):
        return True
    found = {profile.by_token[t].key for t in (header_token(to_text(c)) for c in row if not is_blank(c))
             if t in profile.by_token}
    return len(found) >= max(2, (len(profile.columns) + 1) // 2)


def find_header(profile: Profile, values: Sequence[Sequence[Any]]) -> int | None:
    """Index of the header row among the first rows, or None when the sheet has none."""
    for index, row in enumerate(values[:HEADER_SEARCH_ROWS]):
        if is_header(profile, row):
            return index
    return None


def locate(profile: Profile, values: Sequence[Sequence[Any]]) -> Region | None:
    header_index = find_header(profile, values)
    if header_index is None:
        return None
    header = values[header_index]
    annotation: dict[str, int] = {}
    wanted = {header_token(name): name for name in ANNOTATION_ORDER}
    for column, cell in enumerate(header):
        name = wanted.get(header_token(to_text(cell))) if not is_blank(cell) else None
        if name and name not in annotation:
            annotation[name] = column
    width = max((len(r) for r in values), default=0)
    return Region(header_index, width, annotation, len(values))
