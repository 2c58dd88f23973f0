"""Column and Profile: the single definition of a target format.

Validation, the template builder, the server's re-validation and the vendor export all
read these objects; nothing else states a column's rule.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property, lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .fields import CHECKS, TEXT_FORMAT_KINDS, Checked, Context, Kind
from .findings import Level
from .locales import locale_for
from .phones import region_is_known

DEFAULT_MAX_LENGTH = 255
_TRUTHY = ("true", "1", "yes", "y")
_FALSY = ("false", "0", "no", "n")


def header_token(text: str) -> str:
    """How headers compare: case, spaces, dashes, underscores and punctuation ignored
    ('E-Mail', 'e_mail' and 'Email' are one header; 'Phone #' is 'phone')."""
    return _token(text if type(text) is str else str(text))


@lru_cache(maxsize=4096)
def _token(text: str) -> str:
    # cached: the import API maps every row's keys, the same few headers thousands of times
    folded = text.casefold()
    letters = "".join(ch for ch in folded if ch.isalnum())
    return letters or " ".join(folded.split())  # a header of punctuation only still compares as itself


# Words people add to a column's name without changing what it holds ('Email address', 'Phone
# number', 'Role ID'): a header with one of them after a column's name is that column, unless the
# format has a column of that very name.
_GENERIC_SUFFIXES: dict[Kind, tuple[str, ...]] = {
    Kind.EMAIL: ("address",),
    Kind.PHONE: ("number", "no"),
    Kind.NUMERIC_ID: ("id",),
}


class Column(BaseModel):
    """One column of a target format, with every rule the vendor's document states."""

    model_config = ConfigDict(frozen=True)

    key: str
    header: str  # spelled as the vendor spells it; the export writes exactly this
    kind: Kind = Kind.TEXT
    aliases: tuple[str, ...] = ()
    required: bool = False
    required_unless: str | None = None  # a profile setting that, when true, makes the column optional
    max_length: int = DEFAULT_MAX_LENGTH
    min_length: int = 0
    pattern: str | None = None
    pattern_hint: str = "is not in the expected form"
    choices: tuple[str, ...] = ()
    extra_values: tuple[str, ...] = ()  # accepted as they are besides the kind's own rule (e.g. -1)
    true_value: str = "TRUE"
    false_value: str = "FALSE"
    truthy: tuple[str, ...] = _TRUTHY
    falsy: tuple[str, ...] = _FALSY
    empty_means: str | None = None  # what the vendor does with an empty cell, for people to read
    lenient: bool = False  # invalid values are warnings, not errors (the vendor accepts any form)
    require_plus: bool = False  # phones must carry + and the country code
    digits_only: bool = False  # the vendor wants digits, no '+'
    keeps_leading_zeros: bool = False
    id_hint: str = ""
    ignored_unless: str | None = None  # a setting; when false the vendor ignores this column
    ignored_note: str = ""
    example: str = ""
    rule: str = ""  # extra wording for people, appended to the generated description
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if self.kind is Kind.ENUM and not self.choices:
            raise ValueError(f"enum column {self.key} needs choices")
        if self.pattern:
            re.compile(self.pattern)
        return self

    # -- derived facts, computed once

    @cached_property
    def token(self) -> str:
        return header_token(self.header)

    @cached_property
    def tokens(self) -> frozenset[str]:
        return frozenset({self.token, *(header_token(a) for a in self.aliases)})

    @cached_property
    def variant_tokens(self) -> frozenset[str]:
        """The common variants of its names: 'Email address' for Email, 'Phone number' for Phone."""
        suffixes = _GENERIC_SUFFIXES.get(self.kind, ())
        return frozenset(t + s for t in self.tokens for s in suffixes if not t.endswith(s)) - self.tokens

    @property
    def secret(self) -> bool:
        return self.kind is Kind.PASSWORD

    @property
    def text_format(self) -> bool:
        """Excel must hold this column as Text ('@'), or '+' and leading zeros are lost."""
        return self.kind in TEXT_FORMAT_KINDS

    @property
    def dropdown(self) -> tuple[str, ...]:
        """Values for an in-sheet dropdown list, empty when the column has none."""
        if self.kind is Kind.ENUM:
            return self.choices
        if self.kind is Kind.BOOLEAN:
            return (self.true_value, self.false_value)
        return ()

    def compiled_pattern(self) -> re.Pattern[str]:
        return _compiled(self.pattern)

    def choice_lookup(self) -> dict[str, str]:
        return _choice_lookup(self.choices)

    def is_required(self, settings: BaseModel) -> bool:
        if not self.required:
            return False
        return not (self.required_unless and getattr(settings, self.required_unless))

    def check(self, text: str, raw: object, ctx: Context) -> Checked:
        return CHECKS[self.kind](self, text, raw, ctx)

    def shown(self, value: object) -> object:
        """The value as it may appear in a message or report: never a password."""
        if self.secret and value not in (None, ""):
            return "********"
        return value

    def describe(self) -> str:
        """The column's rule in words, for the Instructions sheet and the header notes."""
        parts = [_KIND_WORDS[self.kind]]
        if self.kind is Kind.ENUM:
            parts.append("One of: " + ", ".join(self.choices) + ".")
        if self.kind is Kind.BOOLEAN:
            parts.append(f"{self.true_value} or {self.false_value}.")
        if self.extra_values:
            parts.append("Also allowed: " + ", ".join(self.extra_values) + ".")
        if self.empty_means:
            parts.append(f"Empty means {self.empty_means}.")
        if self.kind in (Kind.TEXT, Kind.PASSWORD) and self.max_length != DEFAULT_MAX_LENGTH:
            parts.append(f"At most {self.max_length} characters.")
        if self.rule:
            parts.append(self.rule)
        if self.text_format:
            parts.append("Kept as Text so '+' and leading zeros survive.")
        return " ".join(parts)


_KIND_WORDS = {
    Kind.TEXT: "Text.",
    Kind.PASSWORD: "Password (cleared from the workbook once imported).",
    Kind.EMAIL: "An email address.",
    Kind.PHONE: "A phone number with + and the country code.",
    Kind.DIGITS: "Digits only.",
    Kind.BOOLEAN: "Yes/no value:",
    Kind.ENUM: "A fixed value.",
    Kind.COUNTRY: "Two-letter ISO country code (US, GB, DE...).",
    Kind.LANGUAGE: "Two-letter language code (en...).",
    Kind.DATE: "A date (YYYY-MM-DD or an Excel date).",
    Kind.NUMERIC_ID: "A numeric ID.",
}

_pattern_cache: dict[str, re.Pattern[str]] = {}
_choice_cache: dict[tuple[str, ...], dict[str, str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _pattern_cache.get(pattern)
    if compiled is None:
        compiled = _pattern_cache[pattern] = re.compile(pattern)
    return compiled


def _choice_lookup(choices: tuple[str, ...]) -> dict[str, str]:
    lookup = _choice_cache.get(choices)
    if lookup is None:
        lookup = _choice_cache[choices] = {c.casefold(): c for c in choices}
    return lookup


class ProfileSettings(BaseModel):
    """Settings every profile has; a profile extends this with its tenant/company options."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    phone_region: str | None = Field(None, description=(
        "Two-letter country code (US, GB, DE...) whose country code is added to phone numbers entered "
        "without one. Empty: such numbers are errors that say which country codes would make them valid"))
    locale: str | None = Field(None, description=(
        "The language of your Excel when it is not English (de, fr, es, it, nl, pt; or en-GB, en-US): "
        "its TRUE/FALSE words (WAHR, VRAI...) and its date order (31.12.2026) are then read. Empty: English "
        "words only, and a date like 03/04/2026 is an error"))
    skip_hidden: bool = Field(False, description=(
        "TRUE: rows hidden in the sheet or filtered out are left out (neither checked nor imported) when the "
        "workbook is checked on the import server's Check a file page or with rosterbook validate; the template's "
        "own buttons cannot see which rows are hidden, so they submit nothing while this is TRUE. FALSE: hidden "
        "rows are checked and imported like the others (the page and rosterbook validate warn about each one)"))

    @field_validator("phone_region", mode="before")
    @classmethod
    def _known_region(cls, value: Any) -> str | None:
        if value is None or not str(value).strip():
            return None
        region = str(value).strip().upper()
        if not region_is_known(region):
            raise ValueError(f"{value!r} is not a two-letter country code with a phone numbering plan (US, GB, DE...)")
        return region

    @field_validator("locale", mode="before")
    @classmethod
    def _known_locale(cls, value: Any) -> str | None:
        locale = locale_for(None if value is None else str(value))
        return locale.code if locale else None

    def context(self) -> Context:
        """What the field checks of a file know from these settings."""
        return Context(region=self.phone_region, locale=locale_for(self.locale))


# A row rule sees the normalized values by column key and the settings, and yields
# (level, column key, message) for problems that involve more than one cell.
RowProblem = tuple[Level, str, str]
RowRule = Callable[[Mapping[str, str], Any], Iterable[RowProblem]]
# A login key is (column key, case-folded value): the column it came from and the identity.
LoginKey = Callable[[Mapping[str, str]], tuple[str, str] | None]


class ExportSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    header: bool = True
    trim_trailing_empty: bool = False  # headerless positional files may stop at the last value
    xlsx_when_non_ascii: tuple[str, ...] = ()  # column keys whose non-ASCII text forces an XLSX upload
    delimiter: str = ","


class ChangeSpec(BaseModel):
    """Rows that change a user the target system already has, rather than create one: those whose
    COLUMN holds one of VALUES (iPass's action update, edit or remove)."""

    model_config = ConfigDict(frozen=True)

    column: str
    values: tuple[str, ...]

    def is_change(self, values: Mapping[str, str]) -> bool:
        return values.get(self.column) in self.values


class Profile(BaseModel):
    """A target format: its columns in the vendor's order and every file-level rule."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    title: str
    vendor: str
    seed: str
    summary: str
    columns: tuple[Column, ...]
    headerless: bool = False
    header_order_matters: bool = False
    max_rows: int | None = None
    login_key: LoginKey
    login_key_columns: tuple[str, ...]
    unique: tuple[str, ...] = ()  # other column keys whose values must be unique in a file
    settings_model: type[ProfileSettings] = ProfileSettings
    row_rules: tuple[RowRule, ...] = ()
    export: ExportSpec = ExportSpec()
    notes: tuple[str, ...] = ()  # the seed's advice, shown on the Instructions sheet
    decisions: tuple[str, ...] = ()  # where the seed is ambiguous and what we chose
    file_kind: Literal["csv", "csv or xlsx"] = "csv"
    changes: ChangeSpec | None = None  # rows that change a stored user; None: every row creates one

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        keys = [c.key for c in self.columns]
        if self.changes is not None and self.changes.column not in keys:
            raise ValueError(f"profile {self.id} names unknown column {self.changes.column}")
        if len(set(keys)) != len(keys):
            raise ValueError(f"profile {self.id} has duplicated column keys")
        tokens = [t for c in self.columns for t in c.tokens]
        if len(set(tokens)) != len(tokens):
            raise ValueError(f"profile {self.id} has a header or alias used twice")
        for key in (*self.unique, *self.login_key_columns):
            if key not in keys:
                raise ValueError(f"profile {self.id} names unknown column {key}")
        return self

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @cached_property
    def by_token(self) -> dict[str, Column]:
        """Every name a file's header may give a column: its header, its aliases, then the common
        variants of those that no other column claims."""
        exact = {t: c for c in self.columns for t in c.tokens}
        variants: dict[str, Column] = {}
        for column in self.columns:
            for token in column.variant_tokens:
                if token not in exact:
                    variants[token] = column
        return {**variants, **exact}

    def settings(self, values: Mapping[str, Any] | None = None) -> ProfileSettings:
        return self.settings_model.model_validate(dict(values or {}))


def folded(text: str) -> str:
    """text.casefold(), without making a new string when nothing would change (ASCII text in
    lower case, or digits): the duplicate check folds a value in every login and unique cell."""
    return text if text.isascii() and (text.islower() or text.isdigit()) else text.casefold()


def first_filled(*keys: str) -> LoginKey:
    """A login key taken from the first of these columns that has a value."""

    def login_key(values: Mapping[str, str]) -> tuple[str, str] | None:
        for key in keys:
            value = values.get(key)
            if value:
                return key, folded(value)
        return None

    return login_key
