"""The shortcut for '+' and plain digits must read every number exactly as phonenumbers.parse does."""
import random

import phonenumbers
import pytest

from addin.rules import phones as fields


def parsed_by_library(text, region=None):
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def example_numbers():
    """Every region's example number of every type, as E.164 digits (without the '+')."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(phonenumbers.PhoneNumberType.VOIP + 1):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                yield region, number


def digits_after_plus():
    """Digits as admins type them after a '+': examples, with the national prefix left in,
    with digits missing or extra, and random digits after every country code and a few unknown ones."""
    cases = set()
    for region, number in example_numbers():
        code = str(number.country_code)
        national = phonenumbers.national_significant_number(number)
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
        cases.update({code + national, code + prefix + national, code + national[:-1], code + national + "5",
                      code + "0" + national, code + "00" + national})
    rnd = random.Random(20260101)
    for code in [*phonenumbers.COUNTRY_CODE_TO_REGION_CODE, 0, 28, 80, 999]:
        for length in range(0, 19):
            for zeros in (0, 1, 3):
                tail = "".join(rnd.choice("0123456789") for _ in range(length))
                cases.add(f"{code}{'0' * zeros}{tail}"[:21])
    return sorted(c for c in cases if len(c) >= 3)


CASES = digits_after_plus()


def test_the_cases_cover_valid_and_rejected_numbers():
    results = [parsed_by_library("+" + d) for d in CASES]
    valid = sum(1 for r in results if r is not None and phonenumbers.is_valid_number(r))
    assert valid > 1000 and results.count(None) > 1000


def test_plain_digits_after_a_plus_parse_as_the_library_parses_them():
    different = [d for d in CASES if fields._parsed_international(d) != parsed_by_library("+" + d)]
    assert different == []


def e164_by_library(text):
    """What the '+' rule accepts, by the library's own steps: parsed, of a possible length or
    valid, in a known region, formatted as E.164."""
    number = parsed_by_library(text)
    if number is None or not (phonenumbers.is_possible_number_with_reason(number) == phonenumbers.ValidationResult.IS_POSSIBLE
                              or phonenumbers.is_valid_number(number)):
        return None
    if phonenumbers.region_code_for_country_code(number.country_code) == phonenumbers.UNKNOWN_REGION:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_plain_digits_after_a_plus_get_the_librarys_e164_form():
    found = {d: fields._e164.__wrapped__("+" + d, None) for d in CASES}
    assert sum(1 for e in found.values() if e) > 1000 and sum(1 for e in found.values() if e is None) > 1000
    assert [d for d, e in found.items() if e != e164_by_library("+" + d)] == []


@pytest.mark.parametrize("text", ["+14081231234", "+1 408 123 1234", "+1-408-123-1234", "+4402012345678",
                                  "+390612345678", "+12", "+0123456789", "+\u0661\u0664\u0660\u0668\u0661\u0662\u0663"
                                  "\u0661\u0662\u0663\u0664", "+" + "1" * 25, "0201234567"])
@pytest.mark.parametrize("region", [None, "GB"])
def test_every_text_gets_the_library_reading(text, region):
    assert fields._parsed(text, region) == parsed_by_library(text, region)
