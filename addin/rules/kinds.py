"""What every field check shares: the kinds of field, what a check returns, the context of a file
it runs in (the admin's phone region and Excel language), and what it reads of its column."""
from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple, Protocol

from .findings import Level
from .locales import Locale


class Kind(StrEnum):
    TEXT = "text"
    PASSWORD = "password"
    EMAIL = "email"
    PHONE = "phone"
    DIGITS = "digits"
    BOOLEAN = "boolean"
    ENUM = "enum"
    COUNTRY = "country"
    LANGUAGE = "language"
    DATE = "date"
    NUMERIC_ID = "numeric id"


# Kinds whose cells must be formatted as Text in Excel, so '+' and leading zeros survive.
TEXT_FORMAT_KINDS = frozenset({Kind.PHONE, Kind.DIGITS, Kind.NUMERIC_ID})

Problem = tuple[Level, str]


class Checked(NamedTuple):
    value: str
    problems: list[Problem]


class Context(NamedTuple):
    """What a file's checks know beyond the cell: only what the admin said explicitly."""

    region: str | None = None  # the country of phone numbers written without a country code
    locale: Locale | None = None  # the language of the admin's Excel (its TRUE/FALSE, its date order)


class ColumnRule(Protocol):
    """What a check reads of its column. columns.Column provides it; this module does not import
    columns, so the rules' dependency runs one way: columns -> fields -> kinds."""

    pattern: str | None
    pattern_hint: str
    min_length: int
    choices: tuple[str, ...]
    extra_values: tuple[str, ...]
    true_value: str
    false_value: str
    truthy: tuple[str, ...]
    falsy: tuple[str, ...]
    lenient: bool
    require_plus: bool
    digits_only: bool
    keeps_leading_zeros: bool
    id_hint: str

    def compiled_pattern(self) -> re.Pattern[str]: ...

    def choice_lookup(self) -> dict[str, str]: ...


def quote(text: str) -> str:
    return f"'{text}'"
