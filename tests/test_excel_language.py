"""Values in the admin's Excel language: TRUE/FALSE words and day-first dates, read only when the
template's setting or --locale says which language; without it an ambiguous date names both readings."""
from __future__ import annotations

import json

import pytest
from openpyxl import Workbook

from addin.profiles import get_profile
from addin.rules.engine import check_cell
from addin.rules.fields import Context
from addin.rules.findings import Level
from addin.rules.locales import locale_for
from addin.rules.settings import CONF_SHEET, PROFILE_KEY, SETTING_PREFIX
from tests.cli import run_validate, write_csv

IPASS = get_profile("ipass")
PBX = get_profile("pbx")
CP = get_profile("controlpanel")

# Excel's TRUE and FALSE in each language (its function names TRUE() and FALSE() there)
WORDS = [("de", "WAHR", "FALSCH"), ("fr", "VRAI", "FAUX"), ("es", "VERDADERO", "FALSO"),
         ("it", "VERO", "FALSO"), ("nl", "WAAR", "ONWAAR"), ("pt", "VERDADEIRO", "FALSO")]


def check(column, raw, locale=None):
    value, findings = check_cell(column, raw, False, Context(locale=locale_for(locale)), row=2)
    return value, [(f.level, f.message) for f in findings]


@pytest.mark.parametrize("locale, true_word, false_word", WORDS)
@pytest.mark.parametrize("column", [IPASS.by_key["activate_notification"], PBX.by_key["vm"], CP.by_key["admin"]],
                         ids=["ipass", "pbx", "controlpanel"])
def test_booleans_of_each_excel_language_are_written_in_the_vendors_form(column, locale, true_word, false_word):
    for word, wanted in ((true_word, column.true_value), (false_word, column.false_value)):
        for spelling in (word, word.lower(), word.capitalize()):
            value, [(level, message)] = check(column, spelling, locale)
            assert (value, level) == (wanted, Level.FIXED)
            assert f"(was '{spelling}')" in message
        value, [(level, message)] = check(column, word)  # no language set: an error that names it
        assert value == word and level is Level.ERROR and "Excel" in message and column.true_value in message


def test_a_word_from_another_language_than_the_one_set_is_an_error():
    value, [(level, message)] = check(IPASS.by_key["activate_notification"], "VRAI", "de")
    assert level is Level.ERROR and "French" in message


@pytest.mark.parametrize("text, locale, expected", [
    ("31.12.2026", "de", "2026-12-31"), ("01.02.2026", "de", "2026-02-01"), ("01/02/2026", "fr", "2026-02-01"),
    ("1-2-2026", "nl", "2026-02-01"), ("01/02/2026", "en-GB", "2026-02-01"), ("01/02/2026", "en-US", "2026-01-02"),
    ("01/02/2026", "pt-BR", "2026-02-01"),
])
def test_dates_are_read_in_the_order_of_the_excel_language(text, locale, expected):
    value, [(level, message)] = check(IPASS.by_key["trial_start"], text, locale)
    assert (value, level) == (expected, Level.FIXED) and f"(was '{text}')" in message


def test_without_a_language_an_ambiguous_date_names_both_readings():
    value, [(level, message)] = check(IPASS.by_key["trial_start"], "01.02.2026")
    assert value == "01.02.2026" and level is Level.ERROR
    assert "1 February 2026 or 2 January 2026" in message and "2026-02-01 or 2026-01-02" in message


def test_without_a_language_a_date_with_one_reading_is_repaired():
    value, [(level, _)] = check(IPASS.by_key["trial_start"], "31/12/2026")
    assert (value, level) == ("2026-12-31", Level.FIXED)


def test_a_date_impossible_in_the_language_set_is_an_error():
    value, [(level, message)] = check(IPASS.by_key["trial_start"], "12/31/2026", "de")
    assert level is Level.ERROR and "day, month, year" in message


GERMAN_CSV = ("fname;lname;username;email;company;action;trialStart;trialEnd;activateNotification\r\n"
              "Jörg;Maier;jmaier@acme.ipass.com;joerg@acme.com;12345;create;01.02.2026;31.03.2026;WAHR\r\n")


def test_the_command_line_reads_a_german_csv_only_with_locale(tmp_path):
    csv = write_csv(tmp_path / "deutsch.csv", GERMAN_CSV, "cp1252")
    plain = json.loads(run_validate(csv, "--profile", "ipass", "--json", "--no-copy", check_exit=1).stdout)
    levels = {f["column"]: f["level"] for f in plain["findings"]}
    assert levels == {"trialStart": "error", "trialEnd": "fixed", "activateNotification": "error"}
    german = json.loads(run_validate(csv, "--profile", "ipass", "--json", "--no-copy", "--locale", "de",
                                     check_exit=0).stdout)
    fixed = {f["column"]: f["fixed_value"] for f in german["findings"]}
    assert fixed == {"trialStart": "2026-02-01", "trialEnd": "2026-03-31", "activateNotification": "True"}
    assert german["settings"]["locale"] == "de"


def test_a_workbooks_locale_setting_is_read(tmp_path):
    book = Workbook()
    users = book.active
    users.title = "Users"
    users.append(["Type", "LastName", "Extension", "VM", "Locked"])
    users.append(["User", "Dupont", "2001", "VRAI", "FAUX"])
    conf = book.create_sheet(CONF_SHEET)
    conf.append([PROFILE_KEY, "pbx"])
    conf.append([SETTING_PREFIX + "locale", "fr"])
    book.save(tmp_path / "francais.xlsx")
    report = json.loads(run_validate(tmp_path / "francais.xlsx", "--json", "--no-copy", check_exit=0).stdout)
    assert {f["column"]: f["fixed_value"] for f in report["findings"]} == {"VM": "y", "Locked": "n"}
    assert report["profile_from"] == "template"


def test_an_unknown_locale_is_refused_with_the_ones_known(tmp_path):
    csv = write_csv(tmp_path / "a.csv", GERMAN_CSV)
    done = run_validate(csv, "--profile", "ipass", "--locale", "klingon", check_exit=2)
    assert "--locale" in done.stderr and "de, fr, es, it, nl, pt" in done.stderr and "Traceback" not in done.stderr
