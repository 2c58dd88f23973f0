"""Field kinds and the check each kind performs on one cell.

A check gets the cell's trimmed text and its raw value as Excel handed it over and returns
the normalized text plus the problems found, each a (level, message) pair whose message
reads after the column name ("Email: 'bob@' has no domain after the @").
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple, Protocol

import phonenumbers
import phonenumbers.phonenumberutil as _pnu
import pycountry
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

from .cells import number_text
from .findings import Level


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
    default_region: str = "US"


class ColumnRule(Protocol):
    """What a check reads of its column. columns.Column provides it; this module does not import
    columns, so the rules' dependency runs one way: columns -> fields."""

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


# --------------------------------------------------------------------------- phone

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/\u00a0]")
_PHONE_CHARS = re.compile(r"^\+?[\d(][\d\s().\-/]*$")


@lru_cache(maxsize=65_536)  # a file's phones, so checking them again (the upload page's import) is cheap
def _e164(candidate: str, region: str | None) -> str | None:
    """The E.164 form of candidate when libphonenumber's metadata accepts it.

    Accepted means valid, or of exactly a possible length for its country's numbering plan:
    vendors' own examples use fictional exchanges (+1 408 123 1234) that libphonenumber
    marks unassigned, and the target systems take them.
    """
    number = _parsed(candidate, region)
    if number is None:
        return None
    # The cheap length test first: most numbers pass it, and then validity need not be computed.
    if not (phonenumbers.is_possible_number_with_reason(number) == _IS_POSSIBLE
            or phonenumbers.is_valid_number(number)):
        return None
    if phonenumbers.region_code_for_country_code(number.country_code) == phonenumbers.UNKNOWN_REGION:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed(candidate: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """phonenumbers.parse(candidate, region), None where it raises."""
    digits = candidate[1:]
    if (region is None and candidate[:1] == "+" and 3 <= len(digits) <= _MAX_DIGITS_AFTER_PLUS
            and digits.isascii() and digits.isdigit()):
        return _parsed_international(digits)
    try:
        return phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None


_MAX_DIGITS_AFTER_PLUS = 3 + _pnu._MAX_LENGTH_FOR_NSN  # the longest country code and national number
_NATIONAL_PREFIX_KEPT = (_pnu.ValidationResult.TOO_SHORT, _pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                         _pnu.ValidationResult.INVALID_LENGTH)


def _parsed_international(digits: str) -> phonenumbers.PhoneNumber | None:
    """What phonenumbers.parse('+' + digits) gives for plain ASCII digits, about four times faster.

    Most phone cells hold exactly this, and parse spends most of its time looking for a number
    inside free text (RFC 3966 parts, extensions, letters, other scripts' digits), none of which
    plain digits after a '+' can have. What is left is done here with libphonenumber's own steps
    and metadata: the country code, the national prefix dropped when the rest still has a
    possible length, the length limits and Italian leading zeros. tests/test_fields_phone_parse.py
    holds this to parse's own results for every country code.
    """
    country_code, national = _pnu._extract_country_code(digits)
    if not country_code or len(national) < _pnu._MIN_LENGTH_FOR_NSN:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, phonenumbers.region_code_for_country_code(country_code))
    _, without_prefix, _ = _pnu._maybe_strip_national_prefix_carrier_code(national, metadata)
    if _pnu._test_number_length(without_prefix, metadata) not in _NATIONAL_PREFIX_KEPT:
        national = without_prefix
    if not _pnu._MIN_LENGTH_FOR_NSN <= len(national) <= _pnu._MAX_LENGTH_FOR_NSN:
        return None
    number = phonenumbers.PhoneNumber(country_code=country_code)
    _pnu._set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


_IS_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE


def _phone_result(col: ColumnRule, value: str, original: str, problems: list[Problem], note: str) -> Checked:
    """Phones in digits-only columns lose the '+'; others keep E.164."""
    if col.digits_only:
        value = value.lstrip("+")
    if value != original:
        problems.append((Level.FIXED, f"{note} {quote(value)}"))
    return Checked(value, problems)


def check_phone(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    invalid_level = Level.WARNING if col.lenient else Level.ERROR
    problems: list[Problem] = []
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _check_phone_number_cell(col, raw, ctx, invalid_level)
    if text.startswith("'"):
        text = text[1:].strip()
        problems.append((Level.FIXED, "removed the leading apostrophe"))
    if _SCIENTIFIC.match(text):
        return Checked(text, [(Level.ERROR,
            f"{quote(text)} is in scientific notation, so Excel has already lost digits of this number. "
            "Format the column as Text and retype the full number, starting with +")])
    if col.extra_values and text in col.extra_values:
        return Checked(text, problems)
    if not _PHONE_CHARS.match(text):
        problems.append((invalid_level, f"{quote(text)} is not a phone number: use digits, optionally after a +"))
        return Checked(text, problems)
    if text.startswith("+"):
        e164 = _e164(text, None)
        if e164 is None:
            problems.append((invalid_level, f"{quote(text)} is not a valid phone number: check the country code and the number of digits"))
            return Checked(text, problems)
        return _phone_result(col, e164, text, problems, "written in international form")
    digits = _PHONE_PUNCTUATION.sub("", text)
    if col.digits_only and not col.require_plus:
        # A digits-only column just wants the digits; punctuation is safe to drop.
        if digits != text:
            problems.append((Level.FIXED, f"kept only the digits: {quote(digits)}"))
        return Checked(digits, problems)
    with_plus = _e164("+" + digits, None)
    if col.require_plus:
        if with_plus:
            return _phone_result(col, with_plus, text, problems, "must start with + and the country code; written as")
        problems.append((Level.ERROR,
            f"{quote(text)} has no country code: enter it starting with + and the country code, like +14081231234"))
        return Checked(text, problems)
    national = _e164(digits, ctx.default_region)
    if national:
        return _phone_result(col, national, text, problems, "written in international form")
    if with_plus:
        return _phone_result(col, with_plus, text, problems, "the leading '+' was missing; written as")
    problems.append((invalid_level, f"{quote(text)} is not a valid phone number: enter it with + and the country code"))
    return Checked(text, problems)


def _check_phone_number_cell(col: ColumnRule, raw: float | int, ctx: Context, invalid_level: Level) -> Checked:
    """Excel turned a typed '+14081231234' into the number 14081231234: explain, repair when safe."""
    if isinstance(raw, float) and not raw.is_integer():
        return Checked(number_text(raw), [(Level.ERROR,
            f"{quote(number_text(raw))} is a number with decimals, not a phone number. "
            "Format the column as Text and retype the number")])
    digits = number_text(raw)
    if col.digits_only and not col.require_plus:
        return Checked(digits, [(Level.FIXED,
            f"was stored as a number; written back as text {quote(digits)}. "
            "Format the column as Text so leading zeros survive")])
    cause = "Excel dropped the leading '+': format the column as Text."
    restored = _e164("+" + digits, None)
    if restored:
        value = restored.lstrip("+") if col.digits_only else restored
        return Checked(value, [(Level.FIXED, f"{cause} Restored as {quote(value)}")])
    national = None if col.require_plus else _e164(digits, ctx.default_region)
    if national:
        return Checked(national, [(Level.FIXED,
            f"was stored as a number without its country code; written as {quote(national)}. "
            "Format the column as Text")])
    return Checked(digits, [(invalid_level,
        f"{cause} {quote('+' + digits)} is not a valid number either; "
        "retype it in the Text-formatted cell as + and the country code, then the number")])


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
        return Checked(text, [(Level.ERROR, f"{quote(text)} is not allowed: use {col.true_value} or {col.false_value}")])
    if value != text and not isinstance(raw, bool):
        return Checked(value, [(Level.FIXED, f"written as {quote(value)}")])
    return Checked(value, [])


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
    if len(lower) == 2 and pycountry.languages.get(alpha_2=lower):
        if lower != text:
            return Checked(lower, [(Level.FIXED, f"language code written in lower case: {quote(lower)}")])
        return Checked(text, [])
    return Checked(text, [(Level.ERROR, f"{quote(text)} is not a two-letter language code (English is 'en')")])


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")


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
    return Checked(text, [(Level.ERROR,
        f"{quote(text)} is not a date: enter it as YYYY-MM-DD (for example 2026-01-31) or as an Excel date")])


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
