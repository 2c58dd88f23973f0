"""Which countries' plans make digits a valid national number (the message for a number without a
country code): phones.national_readings passes plans over quickly, and must find exactly what
trying every plan in full finds."""
import random

import phonenumbers
import phonenumbers.phonenumberutil as pnu

from addin.rules import phones


def every_plan_tried(digits):
    """Each country code's plan in full: its national prefix stripped as parse does, the length
    test, the number's region and its validity."""
    if not (digits.isascii() and digits.isdigit()) or not pnu._MIN_LENGTH_FOR_NSN <= len(digits) <= 17:
        return ()
    found = []
    for country_code, regions in pnu.COUNTRY_CODE_TO_REGION_CODE.items():
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
        if metadata is None:
            continue
        number = phones._national_number(country_code, digits, metadata)
        if number is None or pnu._test_number_length(str(number.national_number), metadata) != pnu.ValidationResult.IS_POSSIBLE:
            continue
        region = phonenumbers.region_code_for_number(number)
        if region not in (None, phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY) and phonenumbers.is_valid_number(number):
            found.append((phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), region))
    return tuple(found)


def national_digits():
    """Numbers as admins type them without a country code: every region's fixed-line and mobile
    examples, with and without the national prefix, a digit short; and random digits."""
    cases = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix or ""
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                national = phonenumbers.national_significant_number(number)
                cases.update({national, prefix + national, national[:-1]})
    rnd = random.Random(20261130)
    for length in range(3, 19):
        for first in "0123456789":
            cases.add(first + "".join(rnd.choice("0123456789") for _ in range(length - 1)))
    return sorted(cases)


def test_the_quick_pass_finds_what_every_plan_tried_in_full_finds():
    cases = national_digits()
    found = [phones.national_readings.__wrapped__(d) for d in cases]
    assert sum(1 for f in found if f) > 500 and sum(1 for f in found if not f) > 30
    assert [d for d, f in zip(cases, found) if f != every_plan_tried(d)] == []
