"""The engine on whole sheets: headers, blank rows, duplicates, limits, settings, Excel's value types."""
import datetime as dt

import pytest

from addin.profiles import get_profile
from addin.rules.engine import validate, validate_records
from addin.rules.findings import Level

PBX = get_profile("pbx")
CP = get_profile("controlpanel")
IPLUM = get_profile("iplum")
COMMPEAK = get_profile("commpeak")
IPLUM_HEADER = ["iPlum ID (phone/email)", "Phone #", "Email", "Name"]


def file_messages(report):
    return [(f.level, f.message) for f in report.file_findings]


class TestHeaders:
    def test_pbx_headers_in_any_order_and_any_case(self):
        report = validate(PBX, [["lastname", "TYPE", "email"], ["García", "user", "ana@example.com"]])
        assert report.file_findings == []
        assert report.rows[0].values == {"last_name": "García", "type": "User", "email": "ana@example.com"}

    def test_unknown_column_is_a_file_level_warning(self):
        report = validate(PBX, [["Type", "LastName", "Shoe size"], ["User", "Poe", "44"]])
        [(level, message)] = file_messages(report)
        assert level is Level.WARNING and "'Shoe size' (column C) is not part of the Hosted PBX format" in message
        assert report.ok

    def test_missing_required_column_is_a_file_level_error(self):
        report = validate(PBX, [["Type", "FirstName"], ["User", "Ana"]])
        assert (Level.ERROR, "Required column 'LastName' is missing: add it to the header row") in file_messages(report)
        assert not report.ok
        assert report.rows[0].findings == []  # not repeated on every row

    def test_duplicated_header_is_a_file_level_error(self):
        report = validate(PBX, [["Type", "LastName", "Email", "EMAIL"], ["User", "Poe", "a@b.com", "c@d.com"]])
        [(level, message)] = file_messages(report)
        assert level is Level.ERROR and "appears twice (columns C and D)" in message

    def test_our_own_annotation_columns_are_not_unknown(self):
        report = validate(PBX, [["Type", "LastName", "Status", "Errors", "Marks"], ["User", "Poe", "OK", None, ".."]])
        assert report.file_findings == []

    def test_iplum_header_changed_is_a_warning(self):
        report = validate(IPLUM, [["Phone #", "iplum id (phone/email)", "Email", "Name"],
                                  ["+14081231234", "phone", "a@example.com", "A"]])
        [(level, message)] = file_messages(report)
        assert level is Level.WARNING and "exactly as its template has it" in message
        assert report.rows[0].ok
        assert validate(IPLUM, [IPLUM_HEADER, ["email", None, "a@example.com", "A"]]).file_findings == []

    def test_garbage_header_never_crashes(self):
        report = validate(PBX, [[None, 3.5, True, dt.datetime(2026, 1, 1), "\x00"], [1, 2, 3, 4, 5]])
        assert not report.ok


class TestHeaderlessControlPanel:
    def test_seed_example_lines_are_positional_with_trailing_values_absent(self):
        lines = [["User1", "pwd"], ["User2", "pwd", "plan1"],
                 ["User3", "pwd", None, "firstname", None, "lastname", "true", None, None, "user 3 description", "true"],
                 ["User4", "pwd", "plan2", None, None, None, None, None, None, None, "false"]]
        report = validate(CP, lines)
        assert report.errors == 0
        assert [r.row for r in report.rows] == [1, 2, 3, 4]
        assert report.rows[2].values["admin"] == "TRUE" and report.rows[3].values["enabled"] == "FALSE"
        assert report.rows[1].values["plan"] == "plan1"

    def test_a_header_row_from_our_template_is_recognised(self):
        report = validate(CP, [["Username", "Password", "Plan name"], ["User1", "pwd", None]])
        assert report.header.has_header_row and len(report.rows) == 1 and report.ok

    def test_too_many_values_on_a_line(self):
        report = validate(CP, [["User1", "pwd"] + ["x"] * 10])
        assert any("has 12 values" in f.message for f in report.rows[0].findings)


class TestRows:
    def test_blank_rows_in_the_middle_skipped_and_trailing_ignored(self):
        rows = [IPLUM_HEADER, ["email", None, "a@example.com", "A"], [None, "  ", None, None],
                ["email", None, "b@example.com", "B"], [None] * 4, [None] * 4]
        report = validate(IPLUM, rows)
        assert [r.row for r in report.rows] == [2, 4]
        assert report.ok

    def test_row_numbers_follow_the_sheet(self):
        report = validate(IPLUM, [IPLUM_HEADER, ["email", None, "bad", "A"]], start_row=5)
        assert report.rows[0].row == 6 and report.rows[0].findings[0].row == 6

    def test_duplicates_name_every_other_row(self):
        rows = [IPLUM_HEADER] + [["email", None, "x@example.com", n] for n in "ABC"]
        report = validate(IPLUM, rows)
        messages = [r.findings[0].message for r in report.rows]
        assert messages[0] == "Email: 'x@example.com' is also in rows 3, 4; each user must appear only once"
        assert messages[2] == "Email: 'x@example.com' is also in rows 2, 3; each user must appear only once"

    def test_a_value_pasted_down_the_sheet_names_at_most_ten_rows(self):
        rows = [IPLUM_HEADER] + [["email", None, "x@example.com", "A"]] * 500
        report = validate(IPLUM, rows)
        assert report.rows[0].findings[0].message == (
            "Email: 'x@example.com' is also in rows 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 489 more; "
            "each user must appear only once")
        assert "rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 489 more" in report.rows[-1].findings[0].message

    def test_iplum_login_key_follows_the_login_type(self):
        rows = [IPLUM_HEADER, ["phone", "+14081231234", "a@example.com", "A"],
                ["phone", "+14081231234", "b@example.com", "B"], ["email", None, "a@example.com", "C"]]
        report = validate(IPLUM, rows)
        assert [r.ok for r in report.rows] == [False, False, True]

    def test_commpeak_row_limit_is_an_error_in_the_vendor_s_file_only(self):
        header = ["Username", "Email", "Virtual Extension", "Role"]
        rows = [header] + [[f"u{i}", f"u{i}@example.com", str(1000 + i), "3"] for i in range(1001)]
        report = validate(COMMPEAK, rows, vendor_file=True)
        assert any("1001 users" in m and "at most 500" in m for _, m in file_messages(report))
        assert not report.ok and report.notes == []
        assert validate(COMMPEAK, rows[:501], vendor_file=True).ok
        # rows that go to rosterbook (a template, the API, the upload page): a note, not an error
        split = validate(COMMPEAK, rows)
        assert split.ok and split.notes == [
            "These 1,001 users are more than the 500 CommPeak takes per file: rosterbook's export of them will be "
            "3 files of at most 500 users each (a ZIP), to upload one after the other."]
        assert validate(COMMPEAK, rows[:501]).notes == []

    def test_status_and_errors_text(self):
        report = validate(IPLUM, [IPLUM_HEADER, ["email", None, "bob@", "A"], ["Email", None, "c@example.com", "C"],
                                  ["email", None, "d@example.com", "D"]])
        bad, fixed, good = report.rows
        assert bad.status_text == "1 error" and bad.errors_text == "Email: 'bob@' has no domain after the @"
        assert fixed.status_text == "Fixed" and good.status_text == "OK" and good.errors_text == ""
        assert bad.marks(IPLUM.columns) == "..E." and fixed.marks(IPLUM.columns) == "F..."


class TestSettings:
    def test_pbx_email_required_by_tenant_pin_notification(self):
        rows = [["Type", "LastName", "Email"], ["User", "Poe", None]]
        assert validate(PBX, rows).ok
        report = validate(PBX, rows, settings={"pin_notification": "email_and_display"})
        assert report.rows[0].findings[0].message == "Email: required: your tenant sends PIN notifications by email"

    def test_pbx_telco_admin_columns(self):
        rows = [["Type", "LastName", "PAI"], ["User", "Poe", "y"]]
        assert validate(PBX, rows).rows[0].findings[0].level is Level.WARNING
        assert validate(PBX, rows, settings={"telco_admin": True}).rows[0].findings == []

    def test_commpeak_role_from_dialer_makes_role_optional(self):
        rows = [["Username", "Email", "Virtual Extension"], ["u1", "u1@example.com", "1001"]]
        assert not validate(COMMPEAK, rows).ok
        assert validate(COMMPEAK, rows, settings={"role_from_dialer": True}).ok

    def test_commpeak_sip_modes_require_their_columns(self):
        settings = {"role_from_dialer": True}
        rows = [["Username", "Email", "Virtual Extension"], ["u1", "u1@example.com", "1001"]]
        assert validate(COMMPEAK, rows, settings=settings).ok  # webrtc, the default, needs neither
        report = validate(COMMPEAK, rows, settings={**settings, "sip_mode": "custom_uri"})
        assert [f.column for f in report.rows[0].findings] == ["Custom URI"]
        assert "required when users call through a custom URI" in report.rows[0].findings[0].message
        assert validate(COMMPEAK, rows, settings={**settings, "sip_mode": "classic_pbx"}).ok  # the extension does
        rows = [["Username", "Email"], ["u1", "u1@example.com"]]
        report = validate(COMMPEAK, rows, settings={"role_from_dialer": True, "generate_extensions": True,
                                                    "sip_mode": "classic_pbx"})
        assert [f.column for f in report.rows[0].findings] == ["PBX Device"]

    def test_invalid_settings_are_file_level_errors(self):
        report = validate(PBX, [["Type", "LastName"], ["User", "Poe"]], settings={"pin_notification": "fax"})
        assert not report.ok and "Setting 'pin_notification'" in report.file_findings[0].message


class TestExcelValueTypes:
    def test_every_type_excel_hands_over(self):
        header = ["Type", "LastName", "Extension", "VM", "PIN", "IncomingDID", "FirstName"]
        row = ["User", "Poe", 2001, True, 42.0, 14085550123.0, dt.datetime(2026, 1, 2)]
        report = validate(PBX, [header, row])
        values = report.rows[0].values
        assert values["extension"] == "2001" and values["vm"] == "y" and values["pin"] == "42"
        assert values["incoming_did"] == "+14085550123" and values["first_name"] == "2026-01-02"


class TestRecords:
    def test_records_by_header_with_row_numbers(self):
        records = [{"Type": "User", "LastName": "Poe"}, {"type": "Location", "LastName": None}]
        report = validate_records(PBX, records, row_numbers=[10, 12])
        assert [r.row for r in report.rows] == [10, 12]
        assert report.rows[1].findings[0].message == "LastName: required, but the cell is empty"

    def test_headerless_profile_takes_records_by_header(self):
        report = validate_records(CP, [{"Username": "User1", "Password": "pwd"}])
        assert report.ok and report.rows[0].values["username"] == "User1"


def test_the_garbage_collector_is_left_as_it_was():
    import gc
    rows = [IPLUM_HEADER, ["email", None, "a@example.com", "A"]]
    validate(IPLUM, rows)
    assert gc.isenabled()
    gc.disable()
    try:
        validate(IPLUM, rows)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_report_leaves_nothing_frozen_and_thaws_nothing_frozen_before():
    import gc
    rows = [IPLUM_HEADER, ["email", None, "a@example.com", "A"]]
    assert gc.get_freeze_count() == 0
    validate(IPLUM, rows)
    assert gc.get_freeze_count() == 0  # moved to the oldest generation, not left in the permanent one
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        validate(IPLUM, rows)
        # not thawed (that would give 0), nothing more frozen; a frozen object that another
        # thread lets go of meanwhile may lower the count
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("text", ["agent.smith@example.com", "1001", "Agent.Smith", "AGENT", "ß", "straße", "İstanbul",
                                  "ﬁle", "éclair", "Éclair", "a1-b2", "+14081231234", "", "12ab", "ǅ", "ΣΑΣ"])
def test_folding_a_login_or_unique_value_is_casefold(text):
    from addin.rules.columns import folded
    assert folded(text) == text.casefold()
