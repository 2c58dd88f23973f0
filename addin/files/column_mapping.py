"""Which file column is which format column, as the admin says: the upload page's mapping step.

The step is offered when a header row has cells that are none of the format's columns. Each
cell of the header row is proposed as the column it names, or, for an unknown one, the missing
column it resembles (headers.py's suggestion), else "not imported". The admin's answer is a
Mapping, applied to the table before it is checked: the mapped cells are read as the columns
chosen, the others are left out; the checked copy keeps the file's own header.
"""
from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import dataclass

from ..rules.annotations import column_letter
from ..rules.cells import is_blank, to_text, trim
from ..rules.columns import Profile, header_token
from ..rules.headers import RESERVED, HeaderMap, looks_like_header, map_header
from ..rules.kinds import quote
from .readers import Table

Mapping = dict[int, str | None]  # header cell index -> the format column's key; None: not imported


@dataclass(frozen=True)
class ColumnChoice:
    """One header cell, as the mapping step shows it."""

    index: int
    header: str
    proposed: str | None  # the column key the step starts from (None: not imported)
    known: bool  # the header is one of the format's names for that column

    @property
    def letter(self) -> str:
        return column_letter(self.index)


def read_header(table: Table, profile: Profile) -> HeaderMap | None:
    """The table's header row matched against the format, as the check will match it (None: the
    file has no header row)."""
    if not table.rows or table.header_row is None:
        return None
    if profile.headerless and not looks_like_header(profile, table.rows[0]):
        return None
    return map_header(profile, table.rows[0], table.start_row, profile.settings())


def needs_mapping(header: HeaderMap) -> bool:
    """The header row has cells that are none of the format's columns."""
    return header.has_header_row and bool(header.unknown)


def proposed(table: Table, profile: Profile, header: HeaderMap) -> list[ColumnChoice]:
    cells = table.rows[0] if table.rows else []
    suggested = {u.index: u.meant[0].key for u in header.unknown
                 if len(u.meant) == 1 and header.suspects.get(u.meant[0].key) is u}
    known = {index: column.key for index, column in header.positions}
    choices = []
    for index, cell in enumerate(cells):
        text = trim(to_text(cell)) if not is_blank(cell) else ""
        if not text or header_token(text) in RESERVED:
            continue
        key = known.get(index, suggested.get(index))
        if key is not None and key not in profile.by_key:
            key = None
        choices.append(ColumnChoice(index, text, key, index in known))
    return choices


def mapping_problem(profile: Profile, mapping: MappingType[int, str | None]) -> str | None:
    """Why a mapping cannot be applied (a column chosen twice), for the admin; None when it can."""
    seen: dict[str, int] = {}
    for index, key in sorted(mapping.items()):
        if key is None:
            continue
        if key not in profile.by_key:
            return f"There is no column {key!r} in the {profile.title} format: choose one from the list."
        if key in seen:
            return (f"Columns {column_letter(seen[key])} and {column_letter(index)} are both set to "
                    f"{quote(profile.by_key[key].header)}: choose it for one of them only.")
        seen[key] = index
    return None


def apply_mapping(table: Table, profile: Profile, mapping: MappingType[int, str | None]) -> None:
    """Read the header row's cells as mapped (cells the mapping does not name stay as they are)."""
    if not table.rows:
        return
    header = table.rows[0]
    table.copy_header = list(header)
    for index, key in mapping.items():
        if 0 <= index < len(header) and not is_blank(header[index]):
            header[index] = profile.by_key[key].header if key is not None else None


def mapping_lines(table: Table, profile: Profile, mapping: MappingType[int, str | None]) -> list[str]:
    """The mapping in words, for the result: each cell whose reading it changed."""
    original = table.copy_header or (table.rows[0] if table.rows else [])
    lines = []
    for index, key in sorted(mapping.items()):
        if index >= len(original) or is_blank(original[index]):
            continue
        text = trim(to_text(original[index]))
        where = f"Column {column_letter(index)}, {quote(text)}"
        if key is None:
            if header_token(text) in profile.by_token:
                lines.append(f"{where}: not imported, as you chose.")
            else:
                lines.append(f"{where}: not imported.")
        elif header_token(text) not in profile.by_key[key].tokens:
            lines.append(f"{where}: read as {quote(profile.by_key[key].header)}.")
    return lines
