"""The per-cell rules, above all the '+phone' rules."""
import datetime as dt
import itertools
import string

import pycountry
import pytest

from addin.profiles import get_profile
from addin.rules.columns import Column
from addin.rules.engine import check_cell
from addin.rules.fields import Context, Kind
from addin.rules.findings import Level

CTX = Context()
IPLUM_PHONE = get_profile("iplum").by_key["phone"]
PBX = get_profile("pbx")
CP = get_profile("controlpanel")


def check(column: Column, raw, required=False, ctx=CTX):
    value, findings = check_cell(column, raw, required, ctx, row=7)
    return value, [(f.level, f.message) for f in findings]


class TestPhone:
    def test_text_with_plus_stays_exactly(self):
        assert check(IPLUM_PHONE, "+14081231234") == ("+14081231234", [])

    def test_leading_apostrophe_removed(self):
        value, findings = check(IPLUM_PHONE, "'+14081231234")
        assert value == "+14081231234"
        assert findings == [(Level.FIXED, "Phone #: removed the leading apostrophe (was ''+14081231234')")]

    @pytest.mark.parametrize("raw", [14155550123.0, 14155550123])
    def test_number_from_excel_is_repaired_and_explained(self, raw):
        value, findings = check(IPLUM_PHONE, raw)
        assert value == "+14155550123"
        [(level, message)] = findings
        assert level is Level.FIXED
        assert "Excel dropped the leading '+': format the column as Text" in message
        assert "'+14155550123' (United States)" in message and "(was '14155550123')" in message

    @pytest.mark.parametrize("raw", [999123.0, 14081231234.0])  # the second is possible, not valid
    def test_number_that_is_not_valid_with_plus_is_an_error(self, raw):
        value, findings = check(IPLUM_PHONE, raw)
        assert findings[0][0] is Level.ERROR
        assert "as a number, so it may have lost a leading '+' or 0" in findings[0][1]

    @pytest.mark.parametrize("raw", ["1.40812E+10", "1,40812E+10", "1.40812e+10"])
    def test_scientific_notation_is_never_repaired(self, raw):
        value, findings = check(IPLUM_PHONE, raw)
        assert value == raw
        assert findings[0][0] is Level.ERROR and "scientific notation" in findings[0][1]

    def test_iplum_needs_the_country_code(self):
        _, findings = check(IPLUM_PHONE, "4081231234")
        assert findings[0][0] is Level.ERROR and "country code" in findings[0][1]

    def test_spaces_and_punctuation_become_e164(self):
        assert check(IPLUM_PHONE, "+1 (408) 123-1234")[0] == "+14081231234"

    def test_national_number_takes_the_region_set_explicitly(self):
        value, findings = check(PBX.by_key["incoming_did"], "(408) 555-0123", ctx=Context(region="US"))
        assert value == "+14085550123" and findings[0][0] is Level.FIXED

    def test_national_number_without_a_region_is_an_error_naming_countries(self):
        value, findings = check(PBX.by_key["incoming_did"], "(408) 555-0123")
        assert value == "(408) 555-0123" and findings[0][0] is Level.ERROR
        assert "has no country code" in findings[0][1] and "United States '+14085550123'" in findings[0][1]

    def test_digits_only_columns_drop_the_plus(self):
        value, findings = check(PBX.by_key["home_phone"], "+1 (408) 555-0100")
        assert value == "14085550100" and findings[0][0] is Level.FIXED

    @pytest.mark.parametrize("text", ["4085550100", "0", "0044207183875", "1" * 20, "\u0664\u0660\u0668"])
    def test_digits_only_columns_keep_digits_as_they_are(self, text):
        # as typed: ASCII digits (the quick way) and other scripts' digits (the general way) alike
        value, findings = check(PBX.by_key["home_phone"], text)
        assert value == text and findings == []

    def test_any_format_phone_is_a_warning_not_an_error(self):
        _, findings = check(CP.by_key["phone"], "call me")
        assert findings[0][0] is Level.WARNING

    def test_outgoing_clid_special_values(self):
        column = PBX.by_key["outgoing_clid"]
        assert check(column, "-1") == ("-1", [])
        assert check(column, "0") == ("0", [])
        assert check(column, "-2")[1][0][0] is Level.ERROR


class TestEmail:
    EMAIL = get_profile("iplum").by_key["email"]

    @pytest.mark.parametrize("raw, words", [
        ("bob@", "has no domain after the @"),
        ("bob", "has no @"),
        ("@example.com", "has nothing before the @"),
        ("a@b@example.com", "more than one @"),
        ("bob@example", "no dot in the domain"),
        ("bob smith@example.com", "contains a space"),
    ])
    def test_messages_say_what_is_wrong(self, raw, words):
        _, findings = check(self.EMAIL, raw)
        assert findings[0][0] is Level.ERROR
        assert findings[0][1].startswith(f"Email: '{raw}'") and words in findings[0][1]

    def test_domain_lower_cased_as_a_fix(self):
        value, findings = check(self.EMAIL, "Bob.Smith@Example.COM")
        assert value == "Bob.Smith@example.com"
        assert findings[0][0] is Level.FIXED

    def test_international_address_kept(self):
        assert check(self.EMAIL, "zoë@exämple.de") == ("zoë@exämple.de", [])


class TestChoices:
    def test_controlpanel_booleans(self):
        admin = CP.by_key["admin"]
        for raw in ("TRUE", True, 1, 1.0, "1", "yes"):
            assert check(admin, raw)[0] == "TRUE"
        for raw in ("FALSE", False, 0, "0", "no"):
            assert check(admin, raw)[0] == "FALSE"
        assert check(admin, None) == ("", [])  # empty means FALSE for the vendor
        assert check(admin, "maybe")[1][0][0] is Level.ERROR

    def test_excel_boolean_is_not_reported_as_a_fix(self):
        assert check(CP.by_key["enabled"], True) == ("TRUE", [])

    def test_pbx_flags_are_y_n(self):
        assert check(PBX.by_key["vm"], "Yes")[0] == "y"
        assert check(PBX.by_key["vm"], False)[0] == "n"

    def test_enum_case_repaired(self):
        value, findings = check(get_profile("ipass").by_key["action"], "Create")
        assert value == "create" and findings[0][0] is Level.FIXED

    def test_country(self):
        column = get_profile("ipass").by_key["home_country"]
        assert check(column, "de") == ("DE", [(Level.FIXED, "homeCountry: country code written in capitals: 'DE' (was 'de')")])
        _, findings = check(column, "Germany")
        assert findings[0][0] is Level.ERROR and "use 'DE'" in findings[0][1]

    def test_language(self):
        column = PBX.by_key["language"]
        assert check(column, "fr") == ("fr", [])
        assert check(column, "DE")[0] == "de"
        _, findings = check(column, "xx")
        assert findings[0][0] is Level.ERROR and "not a two-letter language code" in findings[0][1]

    def test_language_codes_are_pycountrys_two_letter_codes(self):
        every_pair = [a + b for a, b in itertools.product(string.ascii_lowercase, repeat=2)]
        known = [code for code in every_pair if pycountry.languages.get(alpha_2=code)]
        assert len(known) > 150
        assert [code for code in every_pair if not check(PBX.by_key["language"], code)[1]] == known


class TestOtherKinds:
    def test_dates(self):
        column = get_profile("ipass").by_key["trial_start"]
        assert check(column, dt.datetime(2026, 1, 31)) == ("2026-01-31", [])
        assert check(column, "2026/01/31")[0] == "2026-01-31"
        assert check(column, "31/01/2026")[0] == "2026-01-31"  # the only date it can be
        value, findings = check(column, "03/04/2026")
        assert value == "03/04/2026" and findings[0][0] is Level.ERROR
        assert "3 April 2026 or 4 March 2026" in findings[0][1]

    def test_numeric_ids(self):
        role = get_profile("commpeak").by_key["role"]
        assert check(role, 3.0) == ("3", [])
        assert check(role, "3.5")[1][0][0] is Level.ERROR
        assert check(PBX.by_key["key_profile"], "-1") == ("-1", [])

    def test_digits_stored_as_number_are_written_back_as_text(self):
        value, findings = check(PBX.by_key["pin"], 42.0)
        assert value == "42"
        assert findings[0][0] is Level.FIXED and "leading zeros" in findings[0][1]

    def test_digits_kept_as_text(self):
        assert check(PBX.by_key["pin"], "0042") == ("0042", [])


class TestEveryCell:
    def test_spaces_including_non_breaking_are_trimmed(self):
        value, findings = check(PBX.by_key["last_name"], "\u00a0García ")
        assert value == "García" and findings[0][0] is Level.FIXED

    @pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\n", "\ud800"])
    def test_control_characters_and_broken_unicode_are_errors(self, char):
        _, findings = check(PBX.by_key["last_name"], f"Gar{char}cía")
        assert findings[0][0] is Level.ERROR and "control character" in findings[0][1]

    def test_max_length(self):
        _, findings = check(CP.by_key["username"], "a" * 16)
        assert findings[0][0] is Level.ERROR and "at most 15" in findings[0][1]
        _, findings = check(PBX.by_key["first_name"], "a" * 256)
        assert "at most 255" in findings[0][1]

    def test_required_empty(self):
        assert check(PBX.by_key["last_name"], None, required=True)[1] == [
            (Level.ERROR, "LastName: required, but the cell is empty")]

    def test_passwords_never_appear_in_findings(self):
        column = get_profile("controlpanel").by_key["password"]
        _, findings = check_cell(column, " hunter2\x00 ", True, CTX, 3)
        assert findings and all("hunter2" not in str(f.as_dict()) for f in findings)

    @pytest.mark.parametrize("kind", list(Kind))
    def test_every_kind_has_a_check(self, kind):
        from addin.rules.fields import CHECKS
        assert kind in CHECKS
