"""Turning what Excel hands over (str, float, int, bool, datetime, None) into text.

These helpers are shared by every field kind; they never decide validity on their own.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

# Spaces Excel users paste in from web pages and PDFs, besides the ordinary one.
SPACES = " \t\u00a0\u2007\u202f\u2009\u200b\ufeff\u3000"
# C0 and C1 control characters and DEL: no import format survives them.
_CONTROL_RANGES = r"\x00-\x1f\x7f-\x9f"
_SURROGATE_RANGE = r"\ud800-\udfff"
_CONTROL = re.compile(f"[{_CONTROL_RANGES}]")
_SURROGATE = re.compile(f"[{_SURROGATE_RANGE}]")
_CONTROL_OR_SURROGATE = re.compile(f"[{_CONTROL_RANGES}{_SURROGATE_RANGE}]")
# A match when text holds a control character or a broken code point: one search clears a clean
# cell, which is why the engine's row loop calls it directly.
search_control_or_surrogate = _CONTROL_OR_SURROGATE.search


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip(SPACES))


def number_text(value: float | int) -> str:
    """A number as the digits a person typed: 14081231234.0 -> '14081231234'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def to_text(value: object) -> str:
    """The text of a cell, before any trimming."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def trim(text: str) -> str:
    return text.strip(SPACES)


def control_character(text: str) -> str | None:
    """The first control character or broken-unicode code point in text, if any."""
    if search_control_or_surrogate(text) is None:
        return None
    match = _CONTROL.search(text) or _SURROGATE.search(text)
    return match.group() if match else None


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}".strip() if name else code


def is_ascii(text: str) -> bool:
    return text.isascii()
