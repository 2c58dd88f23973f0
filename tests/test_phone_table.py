"""Real-world phone inputs from twelve countries, each outcome pinned and checked against
libphonenumber itself: a repaired number is one phonenumbers holds valid, in the country expected,
and a number without a country code gets one only from a region set explicitly."""
from __future__ import annotations

import re

import phonenumbers
import pytest

from addin.profiles import get_profile
from addin.rules.engine import check_cell
from addin.rules.fields import Context
from addin.rules.findings import Level
from addin.rules.locales import locale_for
from addin.rules.phones import country_name

DID = get_profile("pbx").by_key["incoming_did"]  # E.164, errors for bad numbers
IPLUM = get_profile("iplum").by_key["phone"]  # '+' and the country code required
PANEL = get_profile("controlpanel").by_key["phone"]  # any format allowed: bad numbers are warnings
OK, FIXED, ERROR, WARNING = None, Level.FIXED, Level.ERROR, Level.WARNING

# (column, the cell as Excel hands it over, region set, outcome, value kept or written, country)
# country: the region of the number written, or for an error the one its message must offer.
CASES = [
    # United States
    (DID, "+14155550123", None, OK, "+14155550123", "US"),
    (DID, "+1 415 555 0123", None, FIXED, "+14155550123", "US"),
    (DID, "(415) 555-0123", "US", FIXED, "+14155550123", "US"),
    (DID, "(415) 555-0123", None, ERROR, "(415) 555-0123", "US"),
    (DID, "415.555.0123", "US", FIXED, "+14155550123", "US"),
    (DID, "1-415-555-0123", "US", FIXED, "+14155550123", "US"),
    (DID, 14155550123.0, None, FIXED, "+14155550123", "US"),  # Excel dropped the '+'
    (DID, 14155550123, "US", FIXED, "+14155550123", "US"),
    (DID, "011 44 20 7183 8750", "US", FIXED, "+442071838750", "GB"),  # the US international prefix
    (DID, "1.41556E+10", None, ERROR, "1.41556E+10", None),  # scientific: digits lost
    # United Kingdom
    (DID, "+44 20 7183 8750", None, FIXED, "+442071838750", "GB"),
    (DID, "020 7183 8750", "GB", FIXED, "+442071838750", "GB"),
    (DID, "020 7183 8750", None, ERROR, "020 7183 8750", "GB"),
    (DID, "07400 123456", "GB", FIXED, "+447400123456", "GB"),
    (DID, "0044 20 7183 8750", None, FIXED, "+442071838750", "GB"),  # 00: the international prefix
    (DID, 442071838750.0, None, FIXED, "+442071838750", "GB"),
    (DID, "4.42072E+11", None, ERROR, "4.42072E+11", None),
    (DID, "442071838750", "US", ERROR, "442071838750", "GB"),  # typed without '+': not a US number, and the digits alone do not say which country
    (DID, 4692345678.0, None, ERROR, "4692345678", "US"),  # a number cell: +46 (Sweden) or Texas typed nationally? the admin knows
    (DID, 4692345678.0, "US", FIXED, "+14692345678", "US"),  # with the region set, the national reading
    (DID, 4930123456.0, "US", FIXED, "+4930123456", "DE"),  # not a US number: Excel dropped the '+'
    # Germany
    (DID, "+49 30 12345678", None, FIXED, "+493012345678", "DE"),
    (DID, "030 12345678", "DE", FIXED, "+493012345678", "DE"),
    (DID, "030/12345678", "DE", FIXED, "+493012345678", "DE"),
    (DID, "0151 12345678", "DE", FIXED, "+4915112345678", "DE"),
    (DID, "0151-12345678", None, ERROR, "0151-12345678", "DE"),
    (DID, 15112345678.0, None, ERROR, "15112345678", "DE"),  # '+1 511...' is no number: not guessed
    (DID, 15112345678.0, "DE", FIXED, "+4915112345678", "DE"),  # Excel dropped the trunk 0
    # France
    (DID, "06 12 34 56 78", "FR", FIXED, "+33612345678", "FR"),
    (DID, "06 12 34 56 78", None, ERROR, "06 12 34 56 78", "FR"),
    (DID, "+33 6 12 34 56 78", None, FIXED, "+33612345678", "FR"),
    (DID, "0033 6 12 34 56 78", None, FIXED, "+33612345678", "FR"),
    (DID, "06.12.34.56.78", "FR", FIXED, "+33612345678", "FR"),
    (DID, 612345678.0, "FR", FIXED, "+33612345678", "FR"),
    (DID, 612345678.0, None, ERROR, "612345678", "FR"),
    # Australia
    (DID, "0412 345 678", "AU", FIXED, "+61412345678", "AU"),
    (DID, "+61 412 345 678", None, FIXED, "+61412345678", "AU"),
    (DID, "(02) 9876 5432", "AU", FIXED, "+61298765432", "AU"),
    # New Zealand (the control panel's own example number)
    (DID, "021 555 2626", "NZ", FIXED, "+64215552626", "NZ"),
    (PANEL, "0215552626", None, WARNING, "0215552626", "NZ"),  # was made '+10215552626', "fixed"
    (PANEL, "0215552626", "NZ", FIXED, "+64215552626", "NZ"),
    (PANEL, "06 12 34 56 78", None, WARNING, "06 12 34 56 78", "FR"),  # was made '+10612345678'
    # India
    (DID, "+91 98765 43210", None, FIXED, "+919876543210", "IN"),
    (DID, "098765 43210", "IN", FIXED, "+919876543210", "IN"),
    (DID, "9876543210", "IN", FIXED, "+919876543210", "IN"),
    # Brazil
    (DID, "+55 11 98765-4321", None, FIXED, "+5511987654321", "BR"),
    (DID, "(11) 98765-4321", "BR", FIXED, "+5511987654321", "BR"),
    # Japan
    (DID, "03-1234-5678", "JP", FIXED, "+81312345678", "JP"),
    (DID, "+81 90-1234-5678", None, FIXED, "+819012345678", "JP"),
    # Spain
    (DID, "612 34 56 78", "ES", FIXED, "+34612345678", "ES"),
    (DID, "+34 612 345 678", None, FIXED, "+34612345678", "ES"),
    # Italy: the leading 0 of a fixed line is part of the number
    (DID, "06 1234 5678", "IT", FIXED, "+390612345678", "IT"),
    (DID, "+39 06 1234 5678", None, FIXED, "+390612345678", "IT"),
    # Netherlands
    (DID, "06-12345678", "NL", FIXED, "+31612345678", "NL"),
    (DID, 31612345678, None, FIXED, "+31612345678", "NL"),
    # iPlum: the same rules; the region applies there too, as its setting says
    (IPLUM, "4081231234", None, ERROR, "4081231234", None),
    (IPLUM, "(415) 555-0123", "US", FIXED, "+14155550123", "US"),
    (IPLUM, "14155550123", None, ERROR, "14155550123", "US"),  # text: '+' not assumed, but offered
    (IPLUM, "'+442071838750", None, FIXED, "+442071838750", "GB"),
]


def outcome(column, raw, region):
    value, findings = check_cell(column, raw, False, Context(region=region), row=2)
    assert len(findings) <= 1, findings
    return value, findings[0] if findings else None


@pytest.mark.parametrize("column, raw, region, level, expected, country", CASES,
                         ids=[f"{c.header}:{raw!r}:{region}" for c, raw, region, *_ in CASES])
def test_each_input_has_its_outcome(column, raw, region, level, expected, country):
    value, finding = outcome(column, raw, region)
    assert (finding.level if finding else None, value) == (level, expected), finding and finding.message
    if level is FIXED:
        original = str(int(raw)) if isinstance(raw, float) else str(raw)
        assert f"(was '{original}')" in finding.message  # the original, quoted


@pytest.mark.parametrize("column, raw, region, level, expected, country",
                         [c for c in CASES if c[3] in (OK, FIXED)])
def test_every_number_written_is_valid_for_libphonenumber_in_its_country(column, raw, region, level, expected,
                                                                         country):
    number = phonenumbers.parse(expected)
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.region_code_for_number(number) == country
    if region == country and isinstance(raw, str):  # a national number: as libphonenumber reads it there
        assert phonenumbers.format_number(phonenumbers.parse(raw, region), phonenumbers.PhoneNumberFormat.E164) \
            == expected


@pytest.mark.parametrize("column, raw, region, level, expected, country",
                         [c for c in CASES if c[3] in (ERROR, WARNING) and c[5]])
def test_a_number_without_a_country_code_names_the_codes_that_make_it_valid(column, raw, region, level, expected,
                                                                           country):
    # the admin's Excel language puts its country first among the choices
    language = {"US": "en-US", "GB": "en-GB"}.get(country, country.lower())
    ctx = Context(region=region, locale=locale_for(language) if language in ("de", "fr", "en-US", "en-GB") else None)
    for context in (Context(region=region), ctx):
        value, findings = check_cell(column, raw, False, context, row=2)
        [finding] = findings
        digits = "".join(ch for ch in str(raw).removesuffix(".0") if ch.isdigit())
        offered = re.findall(r"'(\+\d+)'", finding.message)
        if not isinstance(raw, str):  # the cell's own digits after a '+', quoted as what is not valid
            offered.remove("+" + digits)
        for e164 in offered:
            assert phonenumbers.is_valid_number(phonenumbers.parse(e164)), e164
        code = phonenumbers.country_code_for_region(country)
        assert f"+{code}" in finding.message, finding.message  # its country code is always among them
        assert "country code" in finding.message
    # with the language of the country set, that country comes first, with its number in full
    reading = phonenumbers.parse(digits, country)
    assert phonenumbers.is_valid_number(reading)
    expected = phonenumbers.format_number(reading, phonenumbers.PhoneNumberFormat.E164)
    if ctx.locale is not None:
        named = re.search(rf"{country_name(country)} '\{expected}'|'\{expected}' \({country_name(country)}\)",
                          finding.message)
        assert named and offered[0] == expected, finding.message


def test_no_number_is_given_a_country_code_without_a_region():
    for column, raw, region, level, expected, country in CASES:
        if region is None and isinstance(raw, str) and not raw.lstrip("'").startswith(("+", "00")):
            assert level is not FIXED, raw


def test_the_table_covers_ten_countries_and_every_kind_of_input():
    countries = {c[5] for c in CASES if c[5]}
    assert len(CASES) >= 40 and len(countries) >= 10
    texts = [c[1] for c in CASES if isinstance(c[1], str)]
    assert any(isinstance(c[1], float) for c in CASES) and any("E+" in t for t in texts)
    for mark in (" ", ".", "-", "(", "/", "00", "+"):
        assert any(mark in t for t in texts), mark
    assert any(t.startswith("0") and not t.startswith("00") for t in texts)  # trunk prefix


def test_a_number_cell_with_two_valid_readings_is_an_error_even_with_a_region():
    # 447911123456 stored as a number: '+44 7911 123456' lost its '+', or a German number its 0
    value, [finding] = check_cell(DID, 447911123456.0, False, Context(region="DE"), row=2)
    assert finding.level is ERROR and value == "447911123456"
    assert "'+447911123456'" in finding.message and "'+49447911123456' in Germany" in finding.message
    for e164 in ("+447911123456", "+49447911123456"):  # both readings are real numbers: neither is provable
        assert phonenumbers.is_valid_number(phonenumbers.parse(e164)), e164


@pytest.mark.parametrize("raw, region", [("011 44 20 7183 8750", "US"), ("0044 20 7183 8750", "DE")])
def test_a_number_dialled_with_the_international_prefix_is_not_said_to_come_from_the_region(raw, region):
    value, [finding] = check_cell(DID, raw, False, Context(region=region), row=2)
    assert (finding.level, value) == (FIXED, "+442071838750")
    assert f"{country_name(region)}'s international call prefix" in finding.message
    assert "country code of" not in finding.message


def test_a_number_completed_from_the_region_names_the_region_set():
    # the US plan completes a Canadian area code: the message names the region set, not Canada
    value, [finding] = check_cell(DID, "416 555 0123", False, Context(region="US"), row=2)
    assert (finding.level, value) == (FIXED, "+14165550123")
    assert "country code of United States" in finding.message and "Canada" not in finding.message
