"""Phone numbers: kept exactly when they carry '+' and a country code, repaired only when provable.

What counts as provable:
- A number written with '+' (or the international call prefix 00) carries its own country code:
  only its spaces and punctuation go.
- A cell Excel turned into a number has lost the '+' it was typed with (Excel drops it): the '+'
  is restored when the digits then make a valid number and no national reading competes (see
  _only_reading), and the message names its country.
- A number without a country code (national format: with a trunk prefix 0, or without one) gets
  one only from the phone region the admin set explicitly (a template setting, --region on the
  command line, the upload page's field). Without one it is an error that says which countries'
  codes would make it valid; the admin chooses, rosterbook does not guess.
A repair always gives a number libphonenumber holds valid. Numbers typed with '+' are accepted
when valid or of exactly a possible length for their country (vendors' own examples use
fictional exchanges such as +1 408 123 1234, and the target systems take them).
"""
from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
import phonenumbers.phonenumberutil as _pnu
import pycountry

from .cells import number_text
from .findings import Level
from .kinds import Checked, ColumnRule, Context, Problem, quote

# Telling which countries' plans make a number valid (national_readings) matches it against
# hundreds of metadata patterns, more than the re module's cache keeps (512): without this each
# such number compiled most of them again (2-4 ms a number instead of about 1).
_keep_patterns = getattr(phonenumbers, "enable_pattern_cache", None)  # in recent releases of phonenumbers
if _keep_patterns is not None:
    _keep_patterns()

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/\u00a0]")
_PHONE_CHARS = re.compile(r"^\+?[\d(][\d\s().\-/]*$")
_IS_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE
_E164 = phonenumbers.PhoneNumberFormat.E164
_NON_GEOGRAPHIC = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY  # "001": satellite and global services, no country
COUNTRIES_NAMED = 3  # named with the number they give; the other countries' codes are listed


# --------------------------------------------------------------------------- reading numbers

@lru_cache(maxsize=4096)
def _e164(candidate: str, region: str | None) -> str | None:
    """The E.164 form of candidate when libphonenumber's metadata accepts it: valid, or of exactly
    a possible length for its country's numbering plan (for numbers the admin typed with '+')."""
    digits = candidate[1:]
    if region is None and candidate[:1] == "+" and _plain_international(digits):
        return _international_e164(digits)
    number = _parsed(candidate, region)
    if number is None:
        return None
    # The cheap length test first: most numbers pass it, and then validity need not be computed.
    if not (phonenumbers.is_possible_number_with_reason(number) == _IS_POSSIBLE
            or phonenumbers.is_valid_number(number)):
        return None
    if phonenumbers.region_code_for_country_code(number.country_code) == phonenumbers.UNKNOWN_REGION:
        return None
    return phonenumbers.format_number(number, _E164)


@lru_cache(maxsize=4096)
def _valid_e164(candidate: str, region: str | None) -> str | None:
    """The E.164 form of candidate when libphonenumber holds it valid: what a repair may give."""
    number = _parsed(candidate, region)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, _E164)


def _parsed(candidate: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """phonenumbers.parse(candidate, region), None where it raises."""
    digits = candidate[1:]
    if region is None and candidate[:1] == "+" and _plain_international(digits):
        return _parsed_international(digits)
    try:
        return phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None


_MAX_DIGITS_AFTER_PLUS = 3 + _pnu._MAX_LENGTH_FOR_NSN  # the longest country code and national number
_NATIONAL_PREFIX_KEPT = (_pnu.ValidationResult.TOO_SHORT, _pnu.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                         _pnu.ValidationResult.INVALID_LENGTH)


def _plain_international(digits: str) -> bool:
    """Whether '+' and digits is the plain international number _parsed_international reads."""
    return 3 <= len(digits) <= _MAX_DIGITS_AFTER_PLUS and digits.isascii() and digits.isdigit()


def _international_e164(digits: str) -> str | None:
    """_e164('+' + digits) for plain ASCII digits, without a PhoneNumber for the usual number.

    The national significant number of what _parsed_international reads is its national digits
    as they are (Italian leading zeros included), so its E.164 form is '+', the country code and
    those digits; and is_possible_number_with_reason tests their length in the plan of the
    country code's main region, as here. Only a number of no possible length is made, for
    is_valid_number. tests/test_fields_phone_parse.py holds this to the library's own steps."""
    country_code, national = _pnu._extract_country_code(digits)
    if not country_code or len(national) < _pnu._MIN_LENGTH_FOR_NSN:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, phonenumbers.region_code_for_country_code(country_code))
    national = _national_digits(national, metadata)
    if national is None:
        return None
    if (_pnu._test_number_length(national, metadata) != _IS_POSSIBLE
            and not phonenumbers.is_valid_number(_number(country_code, national))):
        return None
    return f"+{country_code}{national}"


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
    return _national_number(country_code, national, metadata)


def _national_number(country_code: int, national: str, metadata) -> phonenumbers.PhoneNumber | None:
    """The number national (digits, maybe with its trunk prefix) is in the plan of metadata, as parse reads it."""
    national = _national_digits(national, metadata)
    return None if national is None else _number(country_code, national)


def _national_digits(national: str, metadata) -> str | None:
    """The national significant digits of national (digits, maybe with its trunk prefix) in the
    plan of metadata, as parse reads them; None when they are too few or too many."""
    _, without_prefix, _ = _pnu._maybe_strip_national_prefix_carrier_code(national, metadata)
    if _pnu._test_number_length(without_prefix, metadata) not in _NATIONAL_PREFIX_KEPT:
        national = without_prefix
    if not _pnu._MIN_LENGTH_FOR_NSN <= len(national) <= _pnu._MAX_LENGTH_FOR_NSN:
        return None
    return national


def _number(country_code: int, national: str) -> phonenumbers.PhoneNumber:
    number = phonenumbers.PhoneNumber(country_code=country_code)
    _pnu._set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


@lru_cache(maxsize=1024)
def national_readings(digits: str) -> tuple[tuple[str, str], ...]:
    """(E.164, region) for every country whose numbering plan makes digits a valid national number.

    Asked only for a number that cannot be completed, to tell the admin which country codes
    would make it valid. One pass over the country codes with libphonenumber's metadata (the
    national prefix each plan strips, its lengths, then validity) instead of a full parse per
    region, which costs tens of milliseconds per number.
    """
    if not (digits.isascii() and digits.isdigit()) or not _pnu._MIN_LENGTH_FOR_NSN <= len(digits) <= 17:
        return ()
    significant = len(str(int(digits)))  # as the length test below counts them (leading zeros dropped)
    found: list[tuple[str, str]] = []
    for country_code, metadata, lengths in _plans():
        if lengths is not None and significant not in lengths:
            continue  # a plan with no national prefix reads the digits as they are, and has no such length
        number = _national_number(country_code, digits, metadata)
        if number is None or _pnu._test_number_length(str(number.national_number), metadata) != _IS_POSSIBLE:
            continue
        region = phonenumbers.region_code_for_number(number)
        # is_valid_number(number), without looking its region up a second time
        if region not in (None, _NON_GEOGRAPHIC) and phonenumbers.is_valid_number_for_region(number, region):
            found.append((phonenumbers.format_number(number, _E164), region))
    return tuple(found)


@lru_cache(maxsize=1)
def _plans() -> tuple[tuple[int, phonenumbers.PhoneMetadata, frozenset[int] | None], ...]:
    """Every country code's numbering plan, once per process: (code, its main region's metadata,
    and for a plan that strips no national prefix the lengths its national numbers can have,
    else None). Half the plans strip none: for those, digits of another length are passed over
    without making a number, and without matching a pattern."""
    plans = []
    for country_code, regions in _pnu.COUNTRY_CODE_TO_REGION_CODE.items():
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
        if metadata is None:
            continue
        general = metadata.general_desc
        lengths = None if metadata.national_prefix_for_parsing else frozenset(
            general.possible_length if general is not None else ())
        plans.append((country_code, metadata, lengths))
    return tuple(plans)


@lru_cache(maxsize=512)
def country_name(region: str) -> str:
    country = pycountry.countries.get(alpha_2=region)
    return getattr(country, "common_name", None) or (country.name if country else region)


def _named(e164: str) -> str:
    """'+33612345678' (France)."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    return f"{quote(e164)} ({country_name(region)})"


def region_is_known(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


# --------------------------------------------------------------------------- the check

def check_phone(col: ColumnRule, text: str, raw: object, ctx: Context) -> Checked:
    invalid_level = Level.WARNING if col.lenient else Level.ERROR
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _check_number_cell(col, raw, ctx, invalid_level)
    if text.isascii():  # the usual cells: no apostrophe, scientific notation or other character to look for
        if text[:1] == "+" and text[1:].isdigit():
            if col.extra_values and text in col.extra_values:
                return Checked(text, [])
            return _international(col, text, [], invalid_level)
        if text.isdigit() and col.digits_only and not col.require_plus:
            return Checked(text, [])  # digits, as a digits-only column wants them
    problems: list[Problem] = []
    if text.startswith("'"):
        text = text[1:].strip()
        problems.append((Level.FIXED, "removed the leading apostrophe"))
    if _SCIENTIFIC.match(text):
        retype = "the full number" if col.digits_only else "the full number, starting with + and the country code"
        return Checked(text, [(Level.ERROR,
            f"{quote(text)} is in scientific notation, so Excel has already lost digits of this number. "
            f"Format the column as Text and retype {retype}")])
    if col.extra_values and text in col.extra_values:
        return Checked(text, problems)
    if not _PHONE_CHARS.match(text):
        problems.append((invalid_level, f"{quote(text)} is not a phone number: use digits, optionally after a +"))
        return Checked(text, problems)
    if text.startswith("+"):
        return _international(col, text, problems, invalid_level)
    digits = _PHONE_PUNCTUATION.sub("", text)
    if col.digits_only and not col.require_plus:
        # A digits-only column just wants the digits; punctuation is safe to drop.
        if digits != text:
            problems.append((Level.FIXED, f"kept only the digits: {quote(digits)}"))
        return Checked(digits, problems)
    return _completed(col, text, digits, ctx, invalid_level, problems, from_number=False)


def _international(col: ColumnRule, text: str, problems: list[Problem], invalid_level: Level) -> Checked:
    """A number written with '+' (and its country code)."""
    e164 = _e164(text, None)
    if e164 is None:
        problems.append((invalid_level, f"{quote(text)} is not a valid phone number: check the country code and the number of digits"))
        return Checked(text, problems)
    return _phone_result(col, e164, text, problems, "written in international form")


def _phone_result(col: ColumnRule, value: str, original: str, problems: list[Problem], note: str) -> Checked:
    """Phones in digits-only columns lose the '+'; others keep E.164."""
    if col.digits_only:
        value = value.lstrip("+")
    if value != original:
        problems.append((Level.FIXED, f"{note} {quote(value)}"))
    return Checked(value, problems)


def _completed(col: ColumnRule, text: str, digits: str, ctx: Context, invalid_level: Level,
               problems: list[Problem], from_number: bool) -> Checked:
    """A number without '+': completed when one reading is provable, otherwise the choices explained."""
    restored = None if digits.startswith("0") else _valid_e164("+" + digits, None)
    if ctx.region:
        national = _valid_e164(digits, ctx.region)
        if national and restored and from_number and national != restored and len(digits) >= 11:
            # Excel dropped a '+' or a trunk 0: both readings are valid numbers, only the admin knows
            problems.append((invalid_level,
                f"{quote(text)} was stored as a number, so Excel dropped either a leading '+' or a leading 0: "
                f"it reads as {_named(restored)}, or as {quote(national)} in {country_name(ctx.region)}, the "
                "phone region set for this file. Format the column as Text and retype the number with its + "
                "and country code"))
            return Checked(text, problems)
        if national and (national != restored or not from_number):
            number = phonenumbers.parse(national)
            cause = "was stored as a number; " if from_number else ""
            if number.country_code != phonenumbers.country_code_for_region(ctx.region):
                # dialled through the region's international call prefix (011 44 ... from the US)
                note = f"{cause}{country_name(ctx.region)}'s international call prefix and a country code; written as"
            else:
                note = (f"{cause}completed with the country code of {country_name(ctx.region)}, "
                        "the phone region set for this file:")
            return _phone_result(col, national, text, problems, note)
    if digits.startswith("00"):
        international = _valid_e164("+" + digits[2:], None)
        if international:
            return _phone_result(col, international, text, problems,
                                 "00 is the international call prefix; written as")
    elif restored and from_number and _only_reading(digits, restored):
        value = restored.lstrip("+") if col.digits_only else restored
        return Checked(value, [(Level.FIXED,
            f"Excel dropped the leading '+': format the column as Text. Restored as {_named(restored)}")])
    elif restored and ctx.region and from_number:
        # Not a number of the region's plan, so not typed as a national one: Excel dropped the '+'.
        return _phone_result(col, restored, text, problems,
                             f"was stored as a number and is not a number of {country_name(ctx.region)} (the "
                             "phone region set for this file); Excel dropped the leading '+': format the column "
                             "as Text. Restored as")
    problems.append((invalid_level, _no_country_code(col, text, digits, ctx, from_number)))
    return Checked(text, problems)


def _only_reading(digits: str, restored: str) -> bool:
    """Whether '+' and the digits of a number cell are its only reasonable reading.

    A national number typed into a General cell loses its trunk 0, so it has at most 10 digits
    outside a few long numbering plans; a full international number has 11 or more for nearly
    every country. From 11 digits the '+' reading stands; below, a national reading anywhere
    competes with it (469 234 5678 is Texas, or +45 92 34 56 78 in Denmark) and only the admin
    knows which was typed.
    """
    return len(digits) >= 11 or all(e164 == restored for e164, _ in national_readings(digits))


def _no_country_code(col: ColumnRule, text: str, digits: str, ctx: Context, from_number: bool) -> str:
    """What is wrong with a number that has no provable country code, and which codes would make it valid."""
    if from_number and _valid_e164("+" + digits, None):
        start = f"Excel stored {quote(text)} as a number, so it may have lost a leading '+' or 0"
    elif from_number:
        start = (f"Excel stored {quote(text)} as a number, so it may have lost a leading '+' or 0: "
                 f"{quote('+' + digits)} is not a valid number either")
    elif ctx.region:
        start = (f"{quote(text)} is not a valid number of {country_name(ctx.region)} (the phone region set "
                 "for this file)")
    else:
        start = f"{quote(text)} has no country code"
    choices: list[str] = []
    with_plus = None if digits.startswith("0") else _valid_e164("+" + digits, None)
    if with_plus:
        choices.append(f"with a '+' before it, it is {_named(with_plus)}")
    readings = [r for r in national_readings(digits) if r[0] != with_plus]
    preferred = _locale_region(ctx)
    readings.sort(key=lambda r: (r[1] != preferred, _country_code(r[0])))
    if readings:
        shown = ", ".join(f"{country_name(region)} {quote(e164)}" for e164, region in readings[:COUNTRIES_NAMED])
        codes = list(dict.fromkeys(f"+{_country_code(e164)}" for e164, _ in readings[COUNTRIES_NAMED:]))
        others = f"; also with the country code {', '.join(codes)}" if codes else ""
        choices.append(f"as a national number it is valid in {shown}{others}")
    fix = ("enter it with + and the country code" if col.require_plus or not ctx.region
           else "enter it with + and the country code, or check the digits")
    if not ctx.region and readings:
        fix += " (or set the phone region, when all numbers without a country code are from one country)"
    said = f": {'; '.join(choices)}" if choices else ""
    return f"{start}{said}. {fix[0].upper()}{fix[1:]}"


def _country_code(e164: str) -> int:
    return phonenumbers.parse(e164).country_code


def _locale_region(ctx: Context) -> str | None:
    """The country the admin's Excel language points at (de-AT -> AT, fr -> FR), listed first."""
    if ctx.locale is None:
        return None
    language, _, country = ctx.locale.code.partition("-")
    return country or (language.upper() if language != "en" else None)


def _check_number_cell(col: ColumnRule, raw: float | int, ctx: Context, invalid_level: Level) -> Checked:
    """Excel turned a typed '+14081231234' into the number 14081231234: explain, repair when provable."""
    if isinstance(raw, float) and not raw.is_integer():
        return Checked(number_text(raw), [(Level.ERROR,
            f"{quote(number_text(raw))} is a number with decimals, not a phone number. "
            "Format the column as Text and retype the number")])
    digits = number_text(raw)
    if col.digits_only and not col.require_plus:
        return Checked(digits, [(Level.FIXED,
            f"was stored as a number; written back as text {quote(digits)}. "
            "Format the column as Text so leading zeros survive")])
    return _completed(col, digits, digits, ctx, invalid_level, [], from_number=True)
