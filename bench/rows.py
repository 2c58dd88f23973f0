"""Realistic generated rows for any profile, as Excel hands them over, for benches.

Values are derived from each Column (its kind, example, choices, limits), so a new profile
gets rows without code here. Most rows are valid; a share carries one typical problem an
admin's file has: phones Excel turned into numbers, upper-case email domains, bad emails,
blank required cells, spaces around values, wrong case in dropdown columns, duplicated
logins. The same seed always gives the same rows.
"""
from __future__ import annotations

import datetime as dt
import random
import string
import unicodedata
from collections.abc import Callable
from typing import Any

import phonenumbers

from addin.rules.columns import Column, Profile
from addin.rules.fields import Kind

FIRST_NAMES = ("Ana", "Zoë", "John", "Mei", "Oluwaseun", "Søren", "Priya", "José", "Fatima", "Liam",
               "Aiko", "Mateus", "Chloé", "Dmitri", "Nguyen", "Emma", "Łukasz", "Aroha", "Omar", "Ingrid")
LAST_NAMES = ("García", "Müller", "Smith", "Wang", "Adeyemi", "Jørgensen", "Patel", "Silva", "Haddad",
              "O'Brien", "Tanaka", "Costa", "Dubois", "Ivanov", "Tran", "Brown", "Kowalski", "Ngata",
              "Khan", "Larsen")
DOMAINS = ("example.com", "acme.co.uk", "contoso.de", "globex.fr", "initech.co.nz")
COUNTRIES = ("US", "GB", "DE", "FR", "NZ", "AU", "IN", "BR", "ES", "JP", "CA", "IT", "NL", "SE")
LANGUAGES = ("en", "fr", "de", "es", "it", "pt")
PHONE_REGIONS = ("US", "US", "US", "GB", "DE", "FR", "NZ", "AU", "IN", "BR", "ES", "JP")
DATE_SHARE = 0.3  # share of rows that fill their date columns (trial users and the like)


def _example_numbers() -> list[str]:
    mobile = phonenumbers.PhoneNumberType.MOBILE
    e164 = phonenumbers.PhoneNumberFormat.E164
    return [phonenumbers.format_number(phonenumbers.example_number_for_type(r, mobile), e164)
            for r in PHONE_REGIONS]


_PHONES = _example_numbers()


def ascii_fold(text: str) -> str:
    """'Jørgensen' -> 'Jrgensen', 'García' -> 'Garcia': for logins and email local parts."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


class _Person:
    """The person a row describes, so names, logins and emails agree within a row."""

    def __init__(self, index: int, rnd: random.Random):
        self.index = index
        self.first = rnd.choice(FIRST_NAMES)
        self.last = rnd.choice(LAST_NAMES)
        self.domain = rnd.choice(DOMAINS)
        self.login = f"{ascii_fold(self.first)[0]}{ascii_fold(self.last)}".lower()[:8] + str(index)
        self.email = f"{ascii_fold(self.first).lower()}.{ascii_fold(self.last).lower()}{index}@{self.domain}"
        # Unique per row: the last six digits of an example mobile number carry the row index.
        self.phone = rnd.choice(_PHONES)[:-6] + f"{index % 1_000_000:06d}"
        self.with_dates = rnd.random() < DATE_SHARE
        self.dates_given = 0

    def next_date(self) -> dt.date:
        """Each date column of the row gets a later date, so start/end pairs come in order."""
        self.dates_given += 1
        return dt.date(2026, 1, 1) + dt.timedelta(days=self.index % 60 + 90 * self.dates_given)


# --------------------------------------------------------------------------- good values

def _text(col: Column, p: _Person, rnd: random.Random, unique: bool) -> Any:
    key = col.key
    if key in ("first_name", "fname"):
        return p.first
    if key in ("last_name", "lname"):
        return p.last
    if key == "middle_name":
        return rnd.choice(string.ascii_uppercase) if rnd.random() < 0.3 else None
    if key == "name":
        return f"{p.first} {p.last}"
    example = col.example
    if "@" in example:  # a login or URI with a domain, like the vendor's example
        local, _, domain = example.rpartition("@")
        stem = local.rstrip(string.digits)
        local = p.login if stem.isalpha() else f"{stem}{1000 + p.index}"
        return _fitting(col, f"{local}@{domain}", p)
    if unique or col.pattern:
        return _fitting(col, p.login if not example or example.replace(".", "").isalnum() else example, p)
    return example or None


def _fitting(col: Column, value: str, p: _Person) -> str:
    """The value, or a plain fallback when it breaks the column's own pattern or length."""
    if len(value) <= col.max_length and (not col.pattern or col.compiled_pattern().fullmatch(value)):
        return value
    return f"u{p.index}"


def _digits(col: Column, p: _Person, rnd: random.Random, unique: bool) -> Any:
    if unique:
        return str(1000 + p.index)[-col.max_length:]
    width = min(len(col.example) or 4, col.max_length)
    if width <= 1 or col.max_length <= 3:
        return str(rnd.randint(1, 5))
    return "".join(rnd.choice(string.digits) for _ in range(width))


def _phone(col: Column, p: _Person, rnd: random.Random, unique: bool) -> Any:
    if col.extra_values and rnd.random() < 0.5:
        return rnd.choice(col.extra_values)
    # A login phone is the person's own; home, mobile and the like are other numbers.
    number = p.phone if unique else rnd.choice(_PHONES)[:-6] + f"{rnd.randrange(1_000_000):06d}"
    return number[1:] if col.digits_only else number


def _boolean(col: Column, p: _Person, rnd: random.Random, unique: bool) -> Any:
    truth = rnd.random() < 0.5
    if col.true_value.upper() == "TRUE" and rnd.random() < 0.5:
        return truth  # Excel hands typed TRUE/FALSE over as booleans
    return col.true_value if truth else col.false_value


def _date(col: Column, p: _Person, rnd: random.Random, unique: bool) -> Any:
    if not p.with_dates:
        return None
    day = p.next_date()
    return dt.datetime.combine(day, dt.time(0)) if rnd.random() < 0.5 else day.isoformat()


def _mostly_first(choices: tuple[str, ...], rnd: random.Random) -> str:
    """Files mostly do one thing (create users), with some of the rest."""
    return choices[0] if rnd.random() < 0.7 else rnd.choice(choices)


GOOD: dict[Kind, Callable[[Column, _Person, random.Random, bool], Any]] = {
    Kind.TEXT: _text,
    Kind.PASSWORD: lambda col, p, rnd, u: "".join(rnd.choice(string.ascii_letters + string.digits + "!#%")
                                                  for _ in range(12)),
    Kind.EMAIL: lambda col, p, rnd, u: p.email,
    Kind.PHONE: _phone,
    Kind.DIGITS: _digits,
    Kind.NUMERIC_ID: lambda col, p, rnd, u: col.example if len(col.example) > 3 else str(rnd.randint(1, 99)),
    Kind.BOOLEAN: _boolean,
    Kind.ENUM: lambda col, p, rnd, u: _mostly_first(col.choices, rnd),
    Kind.COUNTRY: lambda col, p, rnd, u: rnd.choice(COUNTRIES),
    Kind.LANGUAGE: lambda col, p, rnd, u: rnd.choice(LANGUAGES),
    Kind.DATE: _date,
}


# --------------------------------------------------------------------------- typical problems

def _as_number(value: str) -> Any:
    digits = value.lstrip("+")
    return float(digits) if digits.isdigit() else value


def _national(value: str) -> str:
    if not value.lstrip("+").isdigit() or len(value) < 7:  # -1, 0 and the like
        return f" {value} "
    number = phonenumbers.parse("+" + value.lstrip("+"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _scientific(value: str) -> str:
    digits = value.lstrip("+")
    return f"{float(digits):.5E}".replace("E+0", "E+") if digits.isdigit() else value + "E+10"


def _upper_domain(value: str) -> str:
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.upper()}"


# Each kind's problems as (repairable?, how the good value goes wrong).
PROBLEMS: dict[Kind, tuple[tuple[bool, Callable[[str, random.Random], Any]], ...]] = {
    Kind.PHONE: (
        (True, lambda v, rnd: _as_number(v)),  # Excel dropped the '+'
        (True, lambda v, rnd: "'" + v),  # pasted from a CSV with the apostrophe
        (False, lambda v, rnd: _national(v)),  # typed the way people say it: no country code, no region set
        (False, lambda v, rnd: _scientific(v)),  # a CSV saved from a number cell
        (False, lambda v, rnd: "ask reception"),
    ),
    Kind.EMAIL: (
        (True, lambda v, rnd: _upper_domain(v)),
        (False, lambda v, rnd: v.replace("@", " at ")),
        (False, lambda v, rnd: v.partition("@")[0] + "@"),
        (False, lambda v, rnd: v.replace("@", "@@")),
        (False, lambda v, rnd: v.rpartition(".")[0]),
    ),
    Kind.BOOLEAN: (
        (True, lambda v, rnd: rnd.choice(("yes", "Yes", "1", "no", "0"))),
        (False, lambda v, rnd: "maybe"),
    ),
    Kind.ENUM: (
        (True, lambda v, rnd: v.upper()),
        (False, lambda v, rnd: v + "x"),
    ),
    Kind.COUNTRY: (
        (True, lambda v, rnd: v.lower()),
        (False, lambda v, rnd: "Germany"),
    ),
    Kind.LANGUAGE: (
        (True, lambda v, rnd: v.upper()),
        (False, lambda v, rnd: "English"),
    ),
    Kind.DATE: (
        (True, lambda v, rnd: v.replace("-", "/")),
        (False, lambda v, rnd: "31.01.2026"),
    ),
    Kind.DIGITS: (
        (True, lambda v, rnd: int(v) if v.isdigit() else v),  # stored as a number
        (False, lambda v, rnd: v + "a"),
    ),
    Kind.NUMERIC_ID: (
        (True, lambda v, rnd: float(v) if v.isdigit() else v),
        (False, lambda v, rnd: "#" + v),
    ),
    Kind.TEXT: (),
    Kind.PASSWORD: (),
}
# Problems any kind of cell has.
COMMON: tuple[tuple[bool, Callable[[str, random.Random], Any]], ...] = (
    (True, lambda v, rnd: f"  {v}\u00a0"),  # spaces pasted from a web page
    (False, lambda v, rnd: v + "\x00"),  # a control character
)


def _spoil(col: Column, value: Any, rnd: random.Random, repairable: bool) -> Any:
    """One typical problem for this cell, repairable or not."""
    if isinstance(value, bool):
        value = col.true_value if value else col.false_value
    elif isinstance(value, dt.datetime):
        value = value.date().isoformat()
    if not value:
        return None
    choices = [spoil for fixable, spoil in (*PROBLEMS[col.kind], *COMMON) if fixable == repairable]
    if not repairable and col.kind in (Kind.TEXT, Kind.PASSWORD):
        choices.append(lambda v, rnd: v + "x" * col.max_length)  # longer than the column allows
        if col.pattern:
            choices.append(lambda v, rnd: v + " x")  # a space where the pattern allows none
    return rnd.choice(choices)(value, rnd)


# --------------------------------------------------------------------------- rows

def header_row(profile: Profile) -> list[str]:
    return [c.header for c in profile.columns]


def generate(profile: Profile, count: int, *, seed: int = 20260101, problem_share: float = 0.1,
             duplicate_share: float = 0.005, blank_share: float = 0.001) -> list[list[Any]]:
    """count data rows for profile, in its column order (the header is header_row(profile)).

    problem_share of the rows get one typical problem (half repairable, half errors; a blank
    required cell counts as an error), duplicate_share repeat an earlier row's login, and
    blank_share are empty rows in the middle (the engine skips them).
    """
    rnd = random.Random(f"{profile.id}:{seed}")
    unique_keys = {*profile.login_key_columns, *profile.unique}
    position = {c.key: i for i, c in enumerate(profile.columns)}
    # Columns the vendor ignores unless a setting says otherwise stay empty in a realistic file.
    filled = [c for c in profile.columns if not c.ignored_unless]
    rows: list[list[Any]] = []
    for index in range(1, count + 1):
        if rnd.random() < blank_share:
            rows.append([None] * len(profile.columns))
            continue
        person = _Person(index, rnd)
        cells = {c.key: GOOD[c.kind](c, person, rnd, c.key in unique_keys) for c in filled}
        roll = rnd.random()
        if roll < problem_share:
            column = rnd.choice(filled)
            repairable = roll < problem_share / 2
            if not repairable and column.required and rnd.random() < 0.3:
                cells[column.key] = None  # a blank required cell
            else:
                cells[column.key] = _spoil(column, cells[column.key], rnd, repairable)
        elif roll < problem_share + duplicate_share and rows:
            earlier = rnd.choice([r for r in rows[-50:] if any(v is not None for v in r)] or rows)
            for key in profile.login_key_columns:
                cells[key] = earlier[position[key]]
        rows.append([cells.get(c.key) for c in profile.columns])
    return rows


def table(profile: Profile, count: int, **options: Any) -> list[list[Any]]:
    """The header row followed by count generated rows: what validate() takes."""
    return [header_row(profile), *generate(profile, count, **options)]
