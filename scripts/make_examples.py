"""Writes workbooks/examples/<profile>.xlsx: filled sample files mixing good rows with every kind
of bad row each profile knows. Sheet 'Users' holds the rows (values typed as Excel stores them:
phones that Excel turned into numbers are floats, dates are dates); sheet 'What to expect' lists,
per row, the findings rosterbook must report and why. The tests read both. A hidden xlwings.conf
sheet names the format, as a template's does, so `rosterbook validate FILE` needs no --profile.

And files as admins have them, not made from a template (the format is recognised by the header
row): pbx-staff-list.xlsx (a cover sheet, a title above a header spelt its own way, a merged Type
cell, a hidden row; its 'What to expect' sheet is last), pbx-windows-1250.csv (a Polish Excel's
CSV: Windows-1250, semicolons) and pbx-unicode-text.txt (Excel's Unicode Text: UTF-16, tabs).

Run: .venv/bin/python scripts/make_examples.py [--files-as-admins-have-them: those three only]
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from addin.profiles import all_profiles
from addin.rules.settings import CONF_SHEET, PROFILE_KEY, SHEET_KEY

OUT = Path(__file__).resolve().parent.parent / "workbooks" / "examples"
FIXED_TIME = dt.datetime(2026, 1, 1)
E, F, W = "error", "fixed", "warning"

# (cells by header, {header: expected level}, why)
EXAMPLES: dict[str, list[tuple[dict, dict, str]]] = {
    "ipass": [
        ({"fname": "Zoë", "lname": "Müller", "username": "zmuller@acme.ipass.com", "email": "zoe.muller@acme.com",
          "company": "12345", "departmentCode": "CC-100", "activateNotification": True,
          "suspendNotifcation": False, "homeCountry": "DE", "action": "create"}, {}, "good, international name"),
        ({"fname": "John", "lname": "Smith", "username": "jsmith@acme.ipass.com", "email": "john@acme.com",
          "company": 12345.0, "password": "S3cret!pw", "trialStart": dt.datetime(2026, 1, 1),
          "trialEnd": dt.datetime(2026, 3, 31), "activateNotification": "TRUE", "homeCountry": "us", "action": "Create"},
         {"activateNotification": F, "homeCountry": F, "action": F}, "trial user; repairable spellings"),
        ({"fname": "Bob", "lname": "Stone", "username": "bstone@acme.ipass.com", "email": "bob@", "company": "12345",
          "action": "create"}, {"email": E}, "email without domain"),
        ({"fname": "Ann", "lname": "Lee", "username": None, "email": "ann@acme.com", "company": "12345",
          "action": "create"}, {"username": E}, "required username empty"),
        ({"fname": "Carl", "lname": "Berg", "username": "cberg", "email": "carl@acme.com", "company": "12345",
          "action": "update"}, {"username": E}, "username without the iPass domain"),
        ({"fname": "Dee", "lname": "Ray", "username": "dray@acme.ipass.com", "email": "dee@acme.com", "company": "12345",
          "trialStart": dt.datetime(2026, 2, 1), "action": "create"}, {"trialEnd": E}, "trialStart without trialEnd"),
        ({"fname": "Eve", "lname": "Ng", "username": "eng@acme.ipass.com", "email": "eve@acme.com", "company": "12345",
          "trialStart": "2026-05-01", "trialEnd": "2026-04-01", "action": "create"}, {"trialEnd": E}, "trial ends before it starts"),
        ({"fname": "Fay", "lname": "Oh", "username": "foh@acme.ipass.com", "email": "fay@acme.com", "company": "12345",
          "action": "delete"}, {"action": E}, "action not one of create/update/remove/edit"),
        ({"fname": "Gus", "lname": "Pry", "username": "gpry@acme.ipass.com", "email": "gus@acme.com", "company": "12345",
          "homeCountry": "USA", "action": "create"}, {"homeCountry": E}, "three-letter country code"),
        ({"fname": "Hal", "lname": "Qi", "username": "hqi@acme.ipass.com", "email": "hal@acme.com", "company": "ACME",
          "action": "create"}, {"company": E}, "CompanyId not numeric"),
        ({"fname": "Ida", "lname": "Roe", "username": "same@acme.ipass.com", "email": "ida@acme.com", "company": "12345",
          "action": "create"}, {"username": E}, "duplicated username (with the next row)"),
        ({"fname": "Jon", "lname": "Sue", "username": "SAME@acme.ipass.com", "email": "jon@acme.com", "company": "12345",
          "action": "create"}, {"username": E}, "duplicated username (with the previous row, other case)"),
        ({"fname": "Kim", "lname": "Tam", "username": "ktam@acme.ipass.com", "email": "kim@acme.com", "company": "12345",
          "password": "NotUsed1", "action": "edit"}, {"password": W}, "password ignored by edit"),
        ({"fname": "Lu\tcy", "lname": "Vo", "username": "lvo@acme.ipass.com", "email": "lu@acme.com", "company": "12345",
          "action": "create"}, {"fname": E}, "control character (a tab pasted from a web page) in a name"),
        ({"fname": "Max", "lname": "Wu", "username": "mwu@acme.ipass.com", "email": "  max@Acme.COM ",
          "company": "12345", "action": "create"}, {"email": F}, "spaces and upper-case domain"),
        ({"fname": "Ned", "lname": "X" * 300, "username": "nx@acme.ipass.com", "email": "ned@acme.com",
          "company": "12345", "action": "create"}, {"lname": E}, "absurdly long name"),
        ({"fname": "Oda", "lname": "Yu", "username": "oyu@acme.ipass.com", "email": "oda@acme.com", "company": "12345",
          "suspendNotifcation": "maybe", "action": "remove"}, {"suspendNotifcation": E}, "boolean not True/False"),
        ({"fname": "Pia", "lname": "Zed", "username": "pzed@acme.ipass.com", "email": "pia@acme.com", "company": "12345",
          "trialStart": "31/12/2026", "trialEnd": "2027-01-31", "action": "create"}, {"trialStart": F},
         "day-first date: 31 can only be the day, so it is read as 2026-12-31"),
        ({"fname": "Quinn", "lname": "Ash", "username": "qash@acme.ipass.com", "email": "quinn@acme.com",
          "company": "12345", "trialStart": "01/02/2026", "trialEnd": "2026-03-31", "action": "create"},
         {"trialStart": E}, "01/02/2026 could be 1 February or January 2: an error naming both"),
        ({"fname": "Rolf", "lname": "Beck", "username": "rbeck@acme.ipass.com", "email": "rolf@acme.com",
          "company": "12345", "activateNotification": "WAHR", "action": "create"}, {"activateNotification": E},
         "German Excel's TRUE in a CSV: read only when the file's Excel language is set"),
    ],
    "controlpanel": [
        ({"Username": "User1", "Password": "pwd"}, {"Username": E},
         "the seed's first example (only the two required values), duplicated by user1 below"),
        ({"Username": "User2", "Password": "pwd", "Plan name": "plan1"}, {}, "the seed's second example"),
        ({"Username": "User3", "Password": "pwd", "Firstname": "firstname", "Lastname": "lastname", "Admin?": "true",
          "Description": "user 3 description", "Enabled?": "true"}, {"Admin?": F, "Enabled?": F},
         "the seed's third example; true written TRUE"),
        ({"Username": "User4", "Password": "pwd", "Plan name": "plan2", "Enabled?": False}, {}, "Excel's own FALSE"),
        ({"Username": "User5", "Password": "pwd", "Admin?": 1.0, "Email": "Info@Acme.com", "Phone": "+64 21 555 2624"},
         {"Admin?": F, "Email": F, "Phone": F}, "1 written TRUE, domain lower-cased, phone in international form"),
        ({"Username": "John Smith", "Password": "pwd"}, {"Username": E}, "space in username"),
        ({"Username": "averyveryverylongname", "Password": "pwd"}, {"Username": E}, "username over 15 characters"),
        ({"Username": "User8", "Password": None}, {"Password": E}, "password missing"),
        ({"Username": "User9", "Password": "pwd", "Admin?": "maybe"}, {"Admin?": E}, "boolean not TRUE/1/FALSE/0"),
        ({"Username": "User10", "Password": "pwd", "Email": "not-an-email"}, {"Email": E}, "email without @"),
        ({"Username": "User11", "Password": "pwd", "Phone": "call me"}, {"Phone": W}, "phone any format: a warning"),
        ({"Username": "user1", "Password": "pwd"}, {"Username": E}, "duplicate of row with User1 (case-insensitive)"),
        ({"Username": "User13", "Password": "pwd", "Phone": "6.42156E+10"}, {"Phone": E}, "phone in scientific notation"),
        ({"Username": "User14", "Password": "pwd", "Phone": "06 12 34 56 78"}, {"Phone": W},
         "national number without a country code: no phone region is set, so it is kept and the countries named"),
    ],
    "commpeak": [
        ({"Username": "agent.one", "Email": "agent.one@example.com", "Virtual Extension": "1001", "Role": "3",
          "Desk": "12", "Skill Group": "7"}, {"Email": E, "Virtual Extension": E},
         "good, but its email and extension are reused below"),
        ({"Username": "agent.two", "Email": "agent.two@example.com", "Virtual Extension": 1002.0, "Role": 3.0},
         {"Virtual Extension": F}, "extension stored as a number"),
        ({"Username": "agent.three", "Email": "agent.three@example", "Virtual Extension": "1003", "Role": "3"},
         {"Email": E}, "email domain without a dot"),
        ({"Username": "agent.four", "Email": "agent.four@example.com", "Virtual Extension": "10O4", "Role": "3"},
         {"Virtual Extension": E}, "letter O instead of zero"),
        ({"Username": "agent.five", "Email": "agent.five@example.com", "Virtual Extension": "1005", "Role": "Admin"},
         {"Role": E}, "role name instead of the role ID"),
        ({"Username": "agent.six", "Email": "agent.six@example.com", "Virtual Extension": "1006", "Role": None},
         {"Role": E}, "role missing"),
        ({"Username": "agent.seven", "Email": "agent.one@example.com", "Virtual Extension": "1007", "Role": "3"},
         {"Email": E}, "email already used in the first row"),
        ({"Username": "agent.eight", "Email": "agent.eight@example.com", "Virtual Extension": "1001", "Role": "3"},
         {"Virtual Extension": E}, "extension already used in the first row"),
        ({"Username": "agent.nine", "Email": "agent.nine@example.com", "Virtual Extension": "1009", "Role": "3",
          "Custom URI": "pbx.example.com/1009"}, {"Custom URI": E}, "custom URI that is not a SIP link"),
        ({"Username": "agent.ten", "Email": "agent.ten@example.com", "Virtual Extension": "1010", "Role": "3",
          "Desk": "2.5"}, {"Desk": E}, "desk ID with decimals"),
        ({"Username": "agent.eleven", "Email": "agent.eleven@example.com", "Virtual Extension": "1011", "Role": "4",
          "Skill Group": "7", "Tag": "2"}, {}, "good"),
    ],
    "iplum": [
        ({"iPlum ID (phone/email)": "phone", "Phone #": "+14081231234", "Email": "jane@example.com", "Name": "Jane Doe"},
         {}, "good: phone kept as text with its +"),
        ({"iPlum ID (phone/email)": "email", "Phone #": None, "Email": "raj@example.com", "Name": "Raj Patel"},
         {"Email": E}, "email login, phone optional; its email is reused below"),
        ({"iPlum ID (phone/email)": "phone", "Phone #": 14155550123.0, "Email": "li@example.com", "Name": "Li Wei"},
         {"Phone #": F}, "Excel turned +14155550123 into a number; '+' restored"),
        ({"iPlum ID (phone/email)": "phone", "Phone #": "'+442071838750", "Email": "amy@example.co.uk", "Name": "Amy Fox"},
         {"Phone #": F}, "the apostrophe the iPlum guide suggests, removed"),
        ({"iPlum ID (phone/email)": "phone", "Phone #": "1.40812E+10", "Email": "sam@example.com", "Name": "Sam Roe"},
         {"Phone #": E}, "scientific notation from a CSV: digits lost"),
        ({"iPlum ID (phone/email)": "phone", "Phone #": None, "Email": "tom@example.com", "Name": "Tom Ash"},
         {"Phone #": E}, "phone login without a phone"),
        ({"iPlum ID (phone/email)": "phone", "Phone #": "4081231234", "Email": "ola@example.com", "Name": "Ola Nordmann"},
         {"Phone #": E}, "no country code"),
        ({"iPlum ID (phone/email)": "sms", "Phone #": "+14081231235", "Email": "kai@example.com", "Name": "Kai Lee"},
         {"iPlum ID (phone/email)": E}, "login type not phone/email"),
        ({"iPlum ID (phone/email)": "Email", "Phone #": None, "Email": "jane@example.com", "Name": "Jane Two"},
         {"iPlum ID (phone/email)": F}, "login type 'Email' written 'email'"),
        ({"iPlum ID (phone/email)": "email", "Phone #": None, "Email": "raj@example.com", "Name": "Raj Again"},
         {"Email": E}, "email login ID already used (row 3)"),
        ({"iPlum ID (phone/email)": "email", "Phone #": None, "Email": "zoë@example.com", "Name": "Zoë Ångström"},
         {}, "international characters survive"),
    ],
    "pbx": [
        ({"Type": "User", "FirstName": "Ana", "LastName": "García", "Email": "ana@example.com", "Extension": "2001",
          "Language": "en", "IncomingDID": "+14085550123", "OutgoingCLID": "0", "Privacy": "n", "DirAccess": "both",
          "VM": "y", "PIN": "0042", "SysPIN": "n"}, {"Extension": E}, "good user, but its extension is reused below"),
        ({"Type": "location", "LastName": "Lobby", "Extension": 2002.0, "DirAccess": None, "VM": "no"},
         {"Type": F, "Extension": F, "VM": F}, "good location; repairable spellings; DirAccess defaults to dial"),
        ({"Type": "User", "LastName": None, "Extension": "2003"}, {"LastName": E}, "LastName missing"),
        ({"Type": "Robot", "LastName": "Bot", "Extension": "2004"}, {"Type": E}, "Type not User/Location"),
        ({"Type": "User", "LastName": "Kim", "Extension": "2005", "SysPIN": "y"}, {"Email": E},
         "SysPIN = y needs an email"),
        ({"Type": "User", "LastName": "Lee", "Extension": "2006", "DirAccess": "all"}, {"DirAccess": E},
         "DirAccess not dial/both/none"),
        ({"Type": "User", "LastName": "Moe", "Extension": "2007", "OutgoingCLID": "-2"}, {"OutgoingCLID": E},
         "OutgoingCLID not -1/0/blank/digits"),
        ({"Type": "User", "LastName": "Nye", "Extension": "2008", "Dsite": "y", "DsiteZone": "4"},
         {"Dsite": W, "DsiteZone": W}, "Telco-admin-only columns filled by a tenant admin"),
        ({"Type": "User", "LastName": "Orr", "Extension": "2009", "HomePhone": "+1 (408) 555-0100"},
         {"HomePhone": F}, "digits-only phone: punctuation and + removed"),
        ({"Type": "User", "LastName": "Poe", "Extension": "2001"}, {"Extension": E}, "extension already used (row 2)"),
        ({"Type": "User", "LastName": "Quy", "Extension": "2011", "PIN": "12a4"}, {"PIN": E}, "PIN not digits"),
        ({"Type": "User", "LastName": "Rey", "Extension": "2012", "KeyProfile": "-1", "Language": "EN"},
         {"Language": F}, "KeyProfile -1 is the system default; language lower-cased"),
        ({"Type": "User", "LastName": "Sol", "Extension": "2013", "IncomingDID": 14085550199.0},
         {"IncomingDID": F}, "DID that Excel turned into a number"),
        ({"Type": "Location", "LastName": "Reception", "Extension": "2100", "DirAccess": "dial", "MaxDevices": "2"},
         {}, "good location"),
        ({"Type": "User", "LastName": "Tan", "Extension": "2014", "IncomingDID": "(408) 555-0123"},
         {"IncomingDID": E}, "DID without a country code and no phone region set: the error names the countries"),
    ],
}


def write_example(profile_id: str, rows: list[tuple[dict, dict, str]]) -> Path:
    profile = all_profiles()[profile_id]
    headers = [c.header for c in profile.columns]
    book = Workbook()
    book.properties.created = book.properties.modified = FIXED_TIME
    sheet = book.active
    sheet.title = "Users"
    sheet.append(headers)
    expect = book.create_sheet("What to expect")
    expect.append(["Row", "Column", "Level", "Why"])
    text_columns = [i for i, c in enumerate(profile.columns, start=1) if c.text_format]
    for number, (cells, expected, why) in enumerate(rows, start=2):
        unknown = set(cells) - set(headers)
        assert not unknown, f"{profile_id}: unknown headers {unknown}"
        sheet.append([cells.get(h) for h in headers])
        for column in text_columns:
            if isinstance(sheet.cell(row=number, column=column).value, str):
                sheet.cell(row=number, column=column).number_format = "@"
        for header, level in expected.items():
            expect.append([number, header, level, why])
        if not expected:
            expect.append([number, None, "ok", why])
    conf = book.create_sheet(CONF_SHEET)
    conf.append([PROFILE_KEY, profile_id])
    conf.append([SHEET_KEY, sheet.title])
    conf.sheet_state = "hidden"
    path = OUT / f"{profile_id}.xlsx"
    book.save(path)
    return path


STAFF_HEADER = ["Type", "Last Name", "First_Name", "E-Mail", "Extension", "Incoming DID", "Notes"]
# (cells in STAFF_HEADER's order, {header: expected level} with None for the row itself, why); the
# first cell None under a merged one (MERGED), the row HIDDEN
STAFF = [
    (["User", "Nowak", "Łukasz", "lukasz.nowak@example.com", "3001", "+48 22 123 45 67", "starts in April"],
     {"Extension": E, "IncomingDID": F}, "its extension is also on the hidden row below; DID written without its spaces"),
    (["User", "Dvořák", "Tomáš", "tomas.dvorak@example.com", "3002", None, None], {},
     "good; its Type cell is merged with the next row's"),
    ([None, "Szűcs", "Gréta", "greta.szucs@example.com", "3003", None, None], {"Type": E},
     "the merged Type: only the cell above holds it, so this row's Type is empty"),
    (["User", "Old", "Entry", "old.entry@example.com", "3001", None, "left from last year"],
     {None: W, "Extension": E}, "a hidden row: checked like the others unless hidden rows are left out"),
    (["Location", "Reception", None, None, "3100", None, None], {}, "good location"),
]
MERGED, HIDDEN = "A5:A6", 7  # the rows above are written from row 4: a title in row 1, a blank row, the header


def write_staff_list() -> Path:
    book = Workbook()
    book.properties.created = book.properties.modified = FIXED_TIME
    cover = book.active
    cover.title = "Cover"
    cover.append(["ACME Corp: new staff for the phone system"])
    cover.append(["Prepared by HR, March 2026"])
    sheet = book.create_sheet("Staff")
    sheet.append(["New staff, March 2026"])
    sheet.append([])
    sheet.append(STAFF_HEADER)
    expect = book.create_sheet("What to expect")
    expect.append(["Row", "Column", "Level", "Why"])
    for number, (cells, expected, why) in enumerate(STAFF, start=4):
        sheet.append(cells)
        for header, level in expected.items():
            expect.append([number, header, level, why])
        if not expected:
            expect.append([number, None, "ok", why])
    sheet.merge_cells(MERGED)
    sheet.row_dimensions[HIDDEN].hidden = True
    path = OUT / "pbx-staff-list.xlsx"
    book.save(path)
    return path


CSV_HEADER = ["Type", "LastName", "FirstName", "Email", "Extension"]
POLISH = [["User", "Wałęsa", "Łukasz", "lukasz.walesa@example.com", "4001"],
          ["User", "Żółkiewska", "Małgorzata", "m.zolkiewska@example.com", "4002"],
          ["User", "Dvořák", "Tomáš", "tomas.dvorak@example.com", "4003"],
          ["User", "Szűcs", "Gréta", "greta.szucs@example.com", "4004"]]
MIXED = [["User", "Wałęsa", "Łukasz", "lukasz.walesa@example.com", "5001"],
         ["User", "Петров", "Иван", "ivan.petrov@example.com", "5002"],
         ["User", "Παπαδόπουλος", "Γιώργος", "giorgos@example.com", "5003"],
         ["User", "Öztürk", "Şükrü", "sukru.ozturk@example.com", "5004"],
         ["Robot", "Bērziņš", "Jānis", "janis.berzins@example.com", "5005"]]


def write_text_examples() -> list[Path]:
    polish = OUT / "pbx-windows-1250.csv"
    polish.write_bytes("".join(";".join(r) + "\r\n" for r in [CSV_HEADER, *POLISH]).encode("cp1250"))
    unicode_text = OUT / "pbx-unicode-text.txt"
    unicode_text.write_bytes(("\ufeff" + "".join("\t".join(r) + "\r\n" for r in [CSV_HEADER, *MIXED]))
                             .encode("utf-16-le"))
    return [polish, unicode_text]


def main(only_new: bool = False) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if not only_new:
        for profile_id, rows in EXAMPLES.items():
            print(write_example(profile_id, rows))
    print(write_staff_list())
    for path in write_text_examples():
        print(path)


if __name__ == "__main__":
    import sys

    main(only_new="--files-as-admins-have-them" in sys.argv)
