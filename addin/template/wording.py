"""Sentences about a column that the header notes and the Instructions sheet share.

Everything here is read from the profile; only the phrasing is ours.
"""
from __future__ import annotations

from ..rules.columns import Column
from ..rules.settings import SETTING_PREFIX


def requirement(column: Column) -> str:
    if not column.required:
        return "Optional"
    if column.required_unless:
        return f"Required, unless {SETTING_PREFIX}{column.required_unless} is TRUE"
    return "Required"


def applies_when(column: Column) -> str:
    """When the vendor ignores the column unless a setting is on, say so."""
    if not column.ignored_unless:
        return ""
    return f"Only used when {SETTING_PREFIX}{column.ignored_unless} is TRUE: this column {column.ignored_note}."


def rule_text(column: Column) -> str:
    return " ".join(part for part in (column.describe(), applies_when(column), column.note) if part)


def header_note(column: Column) -> str:
    lines = [f"{column.header} ({requirement(column).lower()})", rule_text(column)]
    if column.example:
        lines.append(f"Example: {column.example}")
    return "\n".join(lines)
