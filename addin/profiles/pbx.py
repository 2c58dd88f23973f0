"""Hosted PBX: Import Users (seed 004).

A header row is mandatory; column order does not matter and names are not case sensitive.

Decisions where the seed is ambiguous:
- y/n flags are written 'y'/'n'; yes/no/true/false/1/0 are accepted and repaired.
- Type is written 'User' or 'Location'.
- DirAccess left blank takes the vendor's default, which depends on Type: 'both' for a User,
  'dial' for a Location. rosterbook leaves it blank (the vendor applies it) and explains it.
- HomePhone, MobilePhone and OutgoingCLID are digits: '+' and punctuation are removed.
  IncomingDID is a phone number, written in E.164.
- OutgoingCLID: -1 (private), 0 or blank (use the site number), or the digits of a DID.
- KeyProfile: -1 means the system default; otherwise an ID.
- PAI, Dsite, DsiteCLID, NumCallDsite and DsiteZone apply only when a Telco Admin imports:
  filled in by anyone else they are flagged with a warning (the system ignores them).
- Email is required when SysPIN = y, and on every row when the tenant's PIN notification
  setting includes email.
- Login key: Extension when given, otherwise Email; both must be unique in a file.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import Field

from ..rules.columns import Column, Profile, ProfileSettings, RowProblem, first_filled
from ..rules.fields import Kind
from ..rules.findings import Level

DIR_ACCESS_DEFAULT = {"User": "both", "Location": "dial"}


class PbxSettings(ProfileSettings):
    pin_notification: Literal["none", "display", "email", "email_and_display"] = Field(
        "display", description="The tenant's PIN Notification Setting: none, display, email or email_and_display")
    telco_admin: bool = Field(False, description="The importer is a Telco Admin importing on behalf of the tenant")


def _email_required(values: Mapping[str, str], settings: PbxSettings) -> Iterable[RowProblem]:
    if values.get("email"):
        return
    if values.get("sys_pin") == "y":
        yield Level.ERROR, "email", "required when SysPIN is y: the system-generated PIN is sent by email"
    elif settings.pin_notification in ("email", "email_and_display"):
        yield Level.ERROR, "email", "required: your tenant sends PIN notifications by email"



def effective_dir_access(values: Mapping[str, str]) -> str:
    """What the PBX applies: the given DirAccess, or the default for the row's Type."""
    return values.get("dir_access") or DIR_ACCESS_DEFAULT.get(values.get("type", ""), "both")


_YN = dict(kind=Kind.BOOLEAN, true_value="y", false_value="n",
           truthy=("y", "yes", "true", "1"), falsy=("n", "no", "false", "0"))
_TELCO = dict(ignored_unless="telco_admin",
              ignored_note="applies only when a Telco Admin imports on behalf of the tenant; it will be ignored")


def _yn(key: str, header: str, meaning: str, **extra) -> Column:
    return Column(key=key, header=header, rule=meaning, example="n", **(_YN | extra))


def _id(key: str, header: str, meaning: str, **extra) -> Column:
    return Column(key=key, header=header, kind=Kind.NUMERIC_ID, rule=meaning, example="1", **extra)


PROFILE = Profile(
    id="pbx",
    title="Hosted PBX",
    vendor="Hosted PBX (Users and Locations > Import)",
    seed="004",
    summary="Create PBX users and locations from a CSV with a header row.",
    columns=(
        Column(key="type", header="Type", kind=Kind.ENUM, choices=("User", "Location"), required=True, example="User"),
        Column(key="first_name", header="FirstName", example="Ana"),
        Column(key="last_name", header="LastName", required=True, example="García"),
        Column(key="email", header="Email", kind=Kind.EMAIL, example="ana.garcia@example.com",
               rule="Required when SysPIN is y, or when the tenant's PIN notification setting includes email."),
        Column(key="home_phone", header="HomePhone", kind=Kind.PHONE, digits_only=True, lenient=True,
               example="14085550100", rule="Digits only."),
        Column(key="mobile_phone", header="MobilePhone", kind=Kind.PHONE, digits_only=True, lenient=True,
               example="14085550101", rule="Digits only."),
        Column(key="extension", header="Extension", kind=Kind.DIGITS, max_length=10, keeps_leading_zeros=True,
               example="2001"),
        Column(key="language", header="Language", kind=Kind.LANGUAGE, example="en", rule="English: en."),
        Column(key="incoming_did", header="IncomingDID", kind=Kind.PHONE, example="+14085550123",
               rule="A phone number (DID)."),
        Column(key="outgoing_clid", header="OutgoingCLID", kind=Kind.PHONE, digits_only=True,
               extra_values=("-1", "0"), example="0",
               rule="-1 = private, 0 or blank = use the site number, otherwise the digits of a DID."),
        _yn("privacy", "Privacy", "Privacy."),
        _yn("pai", "PAI", "P-Asserted-Identity.", **_TELCO),
        _yn("hfa_back", "HFAback", "Hands-free answer back."),
        _yn("locked", "Locked", "Locked."),
        _id("hold", "Hold", "Hold announcement ID."),
        Column(key="dir_access", header="DirAccess", kind=Kind.ENUM, choices=("dial", "both", "none"),
               example="both", empty_means="both for a User, dial for a Location",
               rule="dial: can only be dialed; both: dialed or found by name; none."),
        Column(key="max_devices", header="MaxDevices", kind=Kind.DIGITS, max_length=3, example="3"),
        _yn("twin", "Twin", "Twinning."),
        _yn("scr", "SCR", "Selective call routing."),
        _yn("odcr", "ODCR", "On-demand call recording."),
        _yn("vm", "VM", "Voicemail."),
        _yn("agent", "Agent", "Agent."),
        _yn("dsite", "Dsite", "Dynamic site.", **_TELCO),
        Column(key="dsite_clid", header="DsiteCLID", kind=Kind.PHONE, digits_only=True, lenient=True,
               example="14085550100", rule="Dynamic site CLID.", **_TELCO),
        Column(key="num_call_dsite", header="NumCallDsite", kind=Kind.DIGITS, max_length=5, example="2",
               rule="Maximum calls for the dynamic site.", **_TELCO),
        _id("dsite_zone", "DsiteZone", "Site zone ID.", **_TELCO),
        _yn("c_admin", "CAdmin", "Company admin."),
        _yn("e_admin", "EAdmin", "Enterprise admin."),
        _id("call_profile", "CallProfile", "Call permission group ID; blank takes the tenant default."),
        _id("key_profile", "KeyProfile", "Key profile ID; -1 = system default.", extra_values=("-1",)),
        Column(key="pin", header="PIN", kind=Kind.DIGITS, max_length=12, keeps_leading_zeros=True, example="0042",
               rule="If given with SysPIN = y, this PIN is used instead of a generated one."),
        _yn("sys_pin", "SysPIN", "System-generated PIN; y needs a valid Email."),
    ),
    login_key=first_filled("extension", "email"),
    login_key_columns=("extension", "email"),
    unique=("email",),
    settings_model=PbxSettings,
    row_rules=(_email_required,),
    notes=(
        "The header row is mandatory; column order does not matter and names are not case sensitive.",
        "Type and LastName are mandatory. Email is mandatory when SysPIN = y, or when your tenant's PIN "
        "notification setting includes email.",
        "DirAccess left blank means both for a User and dial for a Location.",
        "PAI, Dsite, DsiteCLID, NumCallDsite and DsiteZone apply only when a Telco Admin imports.",
        "When SysPIN = y and a PIN is given, the given PIN is used.",
    ),
    decisions=(
        "Flags are written y/n; Type as User/Location.",
        "HomePhone, MobilePhone, OutgoingCLID and DsiteCLID are digits only; IncomingDID is E.164.",
        "Login key: Extension, else Email; both unique in a file.",
    ),
)
