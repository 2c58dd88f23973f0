"""Field kinds and the check each kind performs on one cell.

A check gets the cell's trimmed text and its raw value as Excel handed it over and returns
the normalized text plus the problems found, each a (level, message) pair whose message
reads after the column name ("Email: 'bob@' has no domain after the @").
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import lru_cache

import pycountry
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

from .findings import Level
from .kinds import TEXT_FORMAT_KINDS, Checked, ColumnRule, Context, Kind, Problem, quote
from .locales import boolean_words
from .phones import check_phone

__all__ = ["CHECKS", "TEXT_FORMAT_KINDS", "Check", "Checked", "ColumnRule", "Context", "Kind", "Problem", "quote"]


# --------------------------------------------------------------------------- text

def check_text(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    problems: list[Problem] = []
    if col.pattern and not col.compiled_pattern().fullmatch(text):
        problems.append((Level.ERROR, f"{quote(text)} {col.pattern_hint}"))
    return Checked(text, problems)


def check_password(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    problems: list[Problem] = []
    if col.min_length and len(text) < col.min_length:
        problems.append((Level.ERROR, f"is shorter than {col.min_length} characters"))
    return Checked(text, problems)


# --------------------------------------------------------------------------- email

def check_email(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    shown = quote(text)
    if "@" not in text:
        return Checked(text, [(Level.ERROR, f"{shown} has no @; enter an address like name@example.com")])
    local, _, domain = text.rpartition("@")
    if not local:
        return Checked(text, [(Level.ERROR, f"{shown} has nothing before the @")])
    if not domain:
        return Checked(text, [(Level.ERROR, f"{shown} has no domain after the @")])
    if "@" in local:
        return Checked(text, [(Level.ERROR, f"{shown} has more than one @")])
    if " " in text:
        return Checked(text, [(Level.ERROR, f"{shown} contains a space")])
    if "." not in domain:
        return Checked(text, [(Level.ERROR, f"{shown} has no dot in the domain after the @ (for example example.com)")])
    if not _plain_address_accepted(local, domain):
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            return Checked(text, [(Level.ERROR, f"{shown} is not a valid email address: {exc}")])
    normalized = f"{local}@{domain.lower()}"
    if normalized != text:
        return Checked(normalized, [(Level.FIXED, f"domain written in lower case: {quote(normalized)}")])
    return Checked(text, [])


def _plain_address_accepted(local: str, domain: str) -> bool:
    """True when email-validator would accept local@domain, known without its per-address work.

    Most of its time goes into the domain, and a file repeats a few domains. For a local part of
    plain ASCII characters (its own dot-atom rule) it checks nothing else but the total length,
    so the domain is checked once and the lengths here. Anything else gets the full check, which
    also words the message.
    """
    if not DOT_ATOM_TEXT.match(local):
        return False
    forms = _domain_forms(domain)
    return forms is not None and all(len(f"{local}@{d}".encode()) <= EMAIL_MAX_LENGTH for d in (domain, *forms))


@lru_cache(maxsize=1024)
def _domain_forms(domain: str) -> tuple[str, str] | None:
    """email-validator's normalized and ASCII forms of domain, None when it rejects the domain."""
    try:
        checked = validate_email("a@" + domain, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.domain, checked.ascii_domain


# --------------------------------------------------------------------------- digits and IDs

_DIGITS = re.compile(r"^\d+$")
_INTEGER = re.compile(r"^\d+$")


def check_digits(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    if col.extra_values and text in col.extra_values:
        return Checked(text, [])
    problems: list[Problem] = []
    if text.startswith("'"):
        text = text[1:].strip()
        problems.append((Level.FIXED, "removed the leading apostrophe"))
    if isinstance(raw, float) and not raw.is_integer():
        return Checked(text, [(Level.ERROR, f"{quote(text)} must be whole digits, with no decimals")])
    if not _DIGITS.match(text):
        allowed = f" (or {', '.join(col.extra_values)})" if col.extra_values else ""
        problems.append((Level.ERROR, f"{quote(text)} must contain digits only{allowed}"))
        return Checked(text, problems)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and col.keeps_leading_zeros:
        problems.append((Level.FIXED,
            f"was stored as a number; written back as text {quote(text)}. "
            "Format the column as Text so leading zeros survive"))
    return Checked(text, problems)


def check_numeric_id(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    if col.extra_values and text in col.extra_values:
        return Checked(text, [])
    if isinstance(raw, float) and not raw.is_integer():
        return Checked(text, [(Level.ERROR, f"{quote(text)} must be a whole-number ID, with no decimals")])
    if not _INTEGER.match(text):
        allowed = f" (or {', '.join(col.extra_values)})" if col.extra_values else ""
        return Checked(text, [(Level.ERROR, f"{quote(text)} must be a numeric ID{allowed}{col.id_hint}")])
    return Checked(text, [])


# --------------------------------------------------------------------------- choices

def check_boolean(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    token = text.casefold()
    if token in col.truthy:
        value = col.true_value
    elif token in col.falsy:
        value = col.false_value
    else:
        return _excel_word(col, text, token, ctx)
    if value != text and not isinstance(raw, bool):
        return Checked(value, [(Level.FIXED, f"written as {quote(value)}")])
    return Checked(value, [])


_EXCEL_WORDS = boolean_words()


def _excel_word(col: ColumnRule, text: str, token: str, ctx: Context) -> Checked:
    """TRUE and FALSE in the admin's Excel language (WAHR, FAUX...): repaired when the file's
    language is set, otherwise named, since the word alone does not say which Excel wrote it."""
    locale = ctx.locale
    if locale is not None and token in (locale.true_word.casefold(), locale.false_word.casefold()):
        value = col.true_value if token == locale.true_word.casefold() else col.false_value
        word = locale.true_word if value == col.true_value else locale.false_word
        english = "TRUE" if value == col.true_value else "FALSE"
        return Checked(value, [(Level.FIXED,
            f"{quote(word)} is {english} in {locale.language} Excel; written as {quote(value)}")])
    allowed = f"use {col.true_value} or {col.false_value}"
    known = _EXCEL_WORDS.get(token)
    if known is not None:
        meaning, languages = known
        english = "TRUE" if meaning else "FALSE"
        return Checked(text, [(Level.ERROR,
            f"{quote(text)} is {english} in {_and(languages)} Excel: {allowed}, or set the language of your "
            "Excel in the settings so such words are read")])
    return Checked(text, [(Level.ERROR, f"{quote(text)} is not allowed: {allowed}")])


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def check_enum(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    canonical = col.choice_lookup().get(text.casefold())
    if canonical is None:
        return Checked(text, [(Level.ERROR, f"{quote(text)} is not allowed: use one of {', '.join(col.choices)}")])
    if canonical != text:
        return Checked(canonical, [(Level.FIXED, f"written as {quote(canonical)}")])
    return Checked(text, [])


@lru_cache(maxsize=1024)
def _country(code: str):
    try:
        return pycountry.countries.lookup(code)
    except LookupError:
        return None


def check_country(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    upper = text.upper()
    if len(upper) == 2 and pycountry.countries.get(alpha_2=upper):
        if upper != text:
            return Checked(upper, [(Level.FIXED, f"country code written in capitals: {quote(upper)}")])
        return Checked(text, [])
    match = _country(text)
    hint = f"; for {match.name} use {quote(match.alpha_2)}" if match else ""
    return Checked(text, [(Level.ERROR, f"{quote(text)} is not a two-letter ISO country code{hint}")])


def check_language(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    lower = text.lower()
    if len(lower) == 2 and lower in _two_letter_languages():
        if lower != text:
            return Checked(lower, [(Level.FIXED, f"language code written in lower case: {quote(lower)}")])
        return Checked(text, [])
    return Checked(text, [(Level.ERROR, f"{quote(text)} is not a two-letter language code (English is 'en')")])


_two_letter_codes: frozenset[str] | None = None  # read on first use; not a cache to empty (bench/validate.py empties those)


def _two_letter_languages() -> frozenset[str]:
    """The two-letter codes of pycountry's languages (what languages.get(alpha_2=...) finds, in
    lower case), read from its database file: pycountry makes an object of each of its 7,900
    languages first, 30 ms of the first check of a file with a language column."""
    global _two_letter_codes
    if _two_letter_codes is None:
        database = pycountry.languages
        with open(database.filename, encoding="utf-8") as file:
            entries = json.load(file)[database.root_key]
        _two_letter_codes = frozenset(e["alpha_2"].lower() for e in entries if "alpha_2" in e)
    return _two_letter_codes


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")


def check_date(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    if isinstance(raw, dt.datetime):
        return Checked(raw.date().isoformat(), [])
    if isinstance(raw, dt.date):
        return Checked(raw.isoformat(), [])
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        value = day.isoformat()
        if value != text:
            return Checked(value, [(Level.FIXED, f"date written as {quote(value)}")])
        return Checked(value, [])
    match = _DAY_MONTH_YEAR.match(text)
    if match:
        return _day_and_month(text, int(match[1]), int(match[3]), int(match[4]), ctx)
    return Checked(text, [(Level.ERROR,
        f"{quote(text)} is not a date: enter it as YYYY-MM-DD (for example 2026-01-31) or as an Excel date")])


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _spoken(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"  # 3 April 2026: no order to misread


def _day_and_month(text: str, first: int, second: int, year: int, ctx: Context) -> Checked:
    """31.12.2026, 12/31/2026, 03/04/2026: read in the order the admin's Excel language writes
    dates, or, with no language set, only when just one order gives a date."""
    day_first, month_first = _date(year, second, first), _date(year, first, second)
    locale = ctx.locale
    if locale is not None:
        found = day_first if locale.day_first else month_first
        order = "day, month, year" if locale.day_first else "month, day, year"
        if found is None:
            return Checked(text, [(Level.ERROR,
                f"{quote(text)} is not a date in the {order} order of {locale.language} Excel: "
                "enter it as YYYY-MM-DD (for example 2026-01-31)")])
        value = found.isoformat()
        return Checked(value, [(Level.FIXED,
            f"read as {_spoken(found)} ({order}, as {locale.language} Excel writes dates); written as {quote(value)}")])
    readings = {d for d in (day_first, month_first) if d is not None}
    if len(readings) == 1:
        [found] = readings
        value = found.isoformat()
        return Checked(value, [(Level.FIXED, f"{_spoken(found)} is the only date this can be; written as {quote(value)}")])
    if not readings:
        return Checked(text, [(Level.ERROR,
            f"{quote(text)} is not a date: enter it as YYYY-MM-DD (for example 2026-01-31) or as an Excel date")])
    return Checked(text, [(Level.ERROR,
        f"{quote(text)} could be {_spoken(day_first)} or {_spoken(month_first)}: enter it as YYYY-MM-DD "
        f"({day_first.isoformat()} or {month_first.isoformat()}), or set the language of your Excel in the "
        "settings so dates are read in its order")])


Check = Callable[[ColumnRule, str, object, Context], Checked]

CHECKS: dict[Kind, Check] = {
    Kind.TEXT: check_text,
    Kind.PASSWORD: check_password,
    Kind.EMAIL: check_email,
    Kind.PHONE: check_phone,
    Kind.DIGITS: check_digits,
    Kind.NUMERIC_ID: check_numeric_id,
    Kind.BOOLEAN: check_boolean,
    Kind.ENUM: check_enum,
    Kind.COUNTRY: check_country,
    Kind.LANGUAGE: check_language,
    Kind.DATE: check_date,
}
