"""Hosting control panel: Values and Definitions for Importing Users (seed 001).

Files are headerless: one user per line, eleven positional values, only the first two required,
trailing optional values may be left off.

Decisions where the seed is ambiguous:
- Plan name says 'Required' in the table, but the format line shows it in brackets and the
  seed's own example 'User1,pwd' leaves it out: it is optional here (the server then applies the
  default template). When the plans setting lists your templates, a given plan must be one of them.
- Password: 'depends upon the system password policy' in the table, but the format line and the
  sentence 'only the first two are required' make it required. The minimum length is a setting.
- Booleans: the table allows TRUE, 1, FALSE, 0 or empty; the format line also shows yes/no. All
  are accepted and written as TRUE/FALSE. Empty Admin? means FALSE; empty Enabled? means TRUE,
  and empty cells stay empty in the export (the vendor applies those defaults).
- Phone: 'any phone number format is valid', so a number libphonenumber does not know is a
  warning, not an error; known numbers are written in international form.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import Field

from ..rules.columns import Column, ExportSpec, Profile, ProfileSettings, RowProblem, first_filled
from ..rules.fields import Kind
from ..rules.findings import Level


class ControlPanelSettings(ProfileSettings):
    plans: tuple[str, ...] = Field((), description="The names of your enabled user templates (plans)")
    password_min_length: int = Field(0, ge=0, le=128, description="Minimum password length of your server's policy")


def _plan(values: Mapping[str, str], settings: ControlPanelSettings) -> Iterable[RowProblem]:
    plan = values.get("plan", "")
    if plan and settings.plans and plan.casefold() not in {p.casefold() for p in settings.plans}:
        yield Level.ERROR, "plan", f"'{plan}' is not one of your plans: {', '.join(settings.plans)}"


def _password_policy(values: Mapping[str, str], settings: ControlPanelSettings) -> Iterable[RowProblem]:
    password = values.get("password", "")
    if password and len(password) < settings.password_min_length:
        yield Level.ERROR, "password", f"is shorter than the {settings.password_min_length} characters your server requires"


_BOOL = dict(kind=Kind.BOOLEAN, true_value="TRUE", false_value="FALSE",
             truthy=("true", "1", "yes"), falsy=("false", "0", "no"))

PROFILE = Profile(
    id="controlpanel",
    title="Control Panel",
    vendor="Hosting control panel (site control panel user import)",
    seed="001",
    summary="Create control panel user accounts from a headerless CSV.",
    headerless=True,
    columns=(
        Column(key="username", header="Username", required=True, max_length=15,
               pattern=r"[A-Za-z0-9]+", pattern_hint="may contain only letters and digits, with no spaces",
               example="jsmith01", rule="Up to 15 letters and digits, no spaces; the user logs in with it plus your domain."),
        Column(key="password", header="Password", kind=Kind.PASSWORD, required=True, example="",
               rule="Must meet your server's password policy."),
        Column(key="plan", header="Plan name", aliases=("Plan",), example="plan1",
               rule="The user template that enables services; empty uses the default."),
        Column(key="first_name", header="Firstname", aliases=("First name",), example="John"),
        Column(key="middle_name", header="Middlename", aliases=("Middle name",), example=""),
        Column(key="last_name", header="Lastname", aliases=("Last name",), example="Smith"),
        Column(key="admin", header="Admin?", aliases=("Admin",), empty_means="FALSE (user administrator panel only)",
               example="FALSE", rule="TRUE lets the user log in to the site control panel too.", **_BOOL),
        Column(key="email", header="Email", kind=Kind.EMAIL, example="info@acme.com",
               rule="An address outside the account being created."),
        Column(key="phone", header="Phone", kind=Kind.PHONE, lenient=True, example="+64215552624",
               rule="Any format is accepted; known numbers are written as +<country><number>."),
        Column(key="description", header="Description", example="user 3 description"),
        Column(key="enabled", header="Enabled?", aliases=("Enabled",), empty_means="TRUE (the account is enabled)",
               example="TRUE", rule="FALSE disables control panel access and services.", **_BOOL),
    ),
    login_key=first_filled("username"),
    login_key_columns=("username",),
    settings_model=ControlPanelSettings,
    row_rules=(_plan, _password_policy),
    export=ExportSpec(header=False, trim_trailing_empty=True),
    notes=(
        "The file the control panel takes has no header row: eleven values per line in this order, "
        "only Username and Password required. rosterbook's export writes it that way.",
        "If you leave out an optional value in the middle, the line still needs its comma; trailing "
        "empty values may be left off.",
    ),
    decisions=(
        "Plan name is optional (the vendor's own examples leave it out).",
        "Password is required (the format line makes the first two values required).",
        "Booleans are written TRUE/FALSE; yes/no and 1/0 are accepted.",
    ),
)
