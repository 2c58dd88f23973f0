"""iPass Open Mobile: Bulk Import Users (seed 000).

Decisions where the seed is ambiguous:
- The seed spells the column 'suspendNotifcation'. iPass's own import expects exactly the headers
  its document lists, so the export writes that spelling; 'suspendNotification' is accepted on input.
- 'company' is the CompanyId iPass assigns: numeric. When the company id setting is given,
  every row must carry it.
- username includes the iPass domain (<user>@<ipassdomain>): it must contain one '@'; when the
  domain setting is given, it must end with it.
- trialStart/trialEnd are for trial users only: both or neither, and the end not before the start.
- The booleans take True/False (written as the seed writes them); empty means the vendor default.
- update, edit and remove change a user iPass already has: the import server stores such a row as
  a new version of the user, not as a duplicate, and accepts it for a user it has never seen too
  (the user may predate rosterbook).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import Field

from ..rules.columns import ChangeSpec, Column, ExportSpec, Profile, ProfileSettings, RowProblem, first_filled
from ..rules.fields import Kind
from ..rules.findings import Level

ACTIONS = ("create", "update", "remove", "edit")
CHANGE_ACTIONS = ("update", "remove", "edit")


class IpassSettings(ProfileSettings):
    company_id: str | None = Field(None, description="Your iPass CompanyId; when set, every row must carry it")
    ipass_domain: str | None = Field(None, description="Your iPass domain; when set, usernames must end with @domain")
    auto_passwords: bool = Field(False, description="The company is set up for auto-generated passwords")


_BOOL = dict(kind=Kind.BOOLEAN, true_value="True", false_value="False",
             truthy=("true", "1", "yes"), falsy=("false", "0", "no"))


def _username(values: Mapping[str, str], settings: IpassSettings) -> Iterable[RowProblem]:
    username = values.get("username", "")
    if not username:
        return
    if username.count("@") != 1 or username.endswith("@") or username.startswith("@"):
        yield Level.ERROR, "username", f"'{username}' must include your iPass domain, like jdoe@acme.ipass.com"
    elif settings.ipass_domain and not username.casefold().endswith("@" + settings.ipass_domain.casefold()):
        yield Level.ERROR, "username", f"'{username}' must end with @{settings.ipass_domain}"


def _company(values: Mapping[str, str], settings: IpassSettings) -> Iterable[RowProblem]:
    company = values.get("company", "")
    if company and settings.company_id and company != settings.company_id:
        yield Level.ERROR, "company", f"'{company}' is not your CompanyId ({settings.company_id})"


def _trial(values: Mapping[str, str], settings: IpassSettings) -> Iterable[RowProblem]:
    start, end = values.get("trial_start", ""), values.get("trial_end", "")
    if start and not end:
        yield Level.ERROR, "trial_end", "trialStart is filled, so trialEnd is needed too (or leave both empty)"
    elif end and not start:
        yield Level.ERROR, "trial_start", "trialEnd is filled, so trialStart is needed too (or leave both empty)"
    elif _is_date(start) and _is_date(end) and end < start:
        yield Level.ERROR, "trial_end", f"'{end}' is before trialStart '{start}'"


def _is_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def _password(values: Mapping[str, str], settings: IpassSettings) -> Iterable[RowProblem]:
    if not values.get("password"):
        return
    if values.get("action") == "edit":
        yield Level.WARNING, "password", "is ignored when the action is edit (edit never changes passwords)"
    elif settings.auto_passwords:
        yield Level.WARNING, "password", "your company uses auto-generated passwords: leave it empty"


PROFILE = Profile(
    id="ipass",
    title="iPass",
    vendor="iPass Open Mobile Portal (Account > RoamServer Users)",
    seed="000",
    summary="Create, update, activate or suspend iPass users.",
    file_kind="csv or xlsx",
    columns=(
        Column(key="fname", header="fname", aliases=("first name", "firstname"), required=True,
               example="Zoë", rule="The user's first name."),
        Column(key="lname", header="lname", aliases=("last name", "lastname"), required=True,
               example="Müller", rule="The user's last name."),
        Column(key="username", header="username", required=True, example="zmuller@acme.ipass.com",
               rule="The login name including your iPass domain: <user>@<ipassdomain>."),
        Column(key="email", header="email", kind=Kind.EMAIL, required=True, example="zoe.muller@acme.com"),
        Column(key="company", header="company", kind=Kind.NUMERIC_ID, required=True, example="12345",
               rule="The CompanyId assigned to your company.", id_hint=": the CompanyId iPass assigned"),
        Column(key="password", header="password", kind=Kind.PASSWORD, example="",
               rule="Leave empty if your company uses auto-generated passwords."),
        Column(key="department_code", header="departmentCode", example="CC-100",
               rule="Must match a Cost Center in the Open Mobile Portal; leave empty if Cost Centers are not set up."),
        Column(key="trial_start", header="trialStart", kind=Kind.DATE, example="2026-01-01",
               rule="Trial users only; leave empty otherwise."),
        Column(key="trial_end", header="trialEnd", kind=Kind.DATE, example="2026-03-31",
               rule="Trial users only; leave empty otherwise."),
        Column(key="activate_notification", header="activateNotification", example="True",
               empty_means="the activation email is sent on create",
               rule="False stops the self-service activation email on create.", **_BOOL),
        Column(key="suspend_notification", header="suspendNotifcation", aliases=("suspendNotification",),
               example="False", empty_means="the suspension email is sent",
               rule="False stops the suspension email.", **_BOOL),
        Column(key="home_country", header="homeCountry", kind=Kind.COUNTRY, example="DE"),
        Column(key="action", header="action", kind=Kind.ENUM, choices=ACTIONS, required=True, example="create",
               rule="create: create and activate; update: update; remove: suspend (does not delete); "
                    "edit: update except passwords, creates the user if missing."),
    ),
    login_key=first_filled("username"),
    login_key_columns=("username",),
    settings_model=IpassSettings,
    row_rules=(_username, _company, _trial, _password),
    export=ExportSpec(xlsx_when_non_ascii=("fname", "lname")),
    changes=ChangeSpec(column="action", values=CHANGE_ACTIONS),
    notes=(
        "If any first or last name contains international characters (é, ü, ø, ...), the file must be "
        "uploaded to iPass as .XLSX, not .CSV. rosterbook's export does this for you.",
        "The action column decides what happens: create, update, remove (suspends; does not delete) or edit.",
        "Upload at Account Tab > RoamServer Users.",
    ),
    decisions=(
        "The header 'suspendNotifcation' keeps iPass's spelling in exports; 'suspendNotification' is accepted.",
        "company is numeric (a CompanyId).",
        "trialStart and trialEnd go together; dates are written YYYY-MM-DD.",
        "A row with action update, edit or remove for a user imported before is a change: the import server "
        "keeps it as the user's new version (the earlier one stays in the history), and exports it with its action.",
    ),
)
