"""iPlum: bulk upload new users (seed 003).

Four columns, header kept exactly as iPlum's template has it. The first column says what the
login ID is: the word 'phone' or 'email'. Phone # must be the complete number starting with '+'
and the country code, which is why the template holds it as Text.

Decisions where the seed is ambiguous:
- The seed names only the first two columns; iPlum's template has four. The other two are the
  user's Email (the login ID for email logins) and Name, both mandatory.
- The login ID (the phone number or the email, per row) must be unique in the file.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..rules.columns import Column, Profile, ProfileSettings, RowProblem, folded
from ..rules.fields import Kind
from ..rules.findings import Level


def login_key(values: Mapping[str, str]) -> tuple[str, str] | None:
    key = "phone" if values.get("login_type") == "phone" else "email"
    value = values.get(key)
    return (key, folded(value)) if value else None


def _phone_login(values: Mapping[str, str], settings: ProfileSettings) -> Iterable[RowProblem]:
    if values.get("login_type") == "phone" and not values.get("phone"):
        yield Level.ERROR, "phone", "required when the login ID is 'phone': enter the number starting with + and the country code"


PROFILE = Profile(
    id="iplum",
    title="iPlum",
    vendor="iPlum portal (Bulk Upload New Users)",
    seed="003",
    summary="Invite users by phone number or email.",
    header_order_matters=True,
    columns=(
        Column(key="login_type", header="iPlum ID (phone/email)", aliases=("iPlum ID", "Login Type"),
               kind=Kind.ENUM, choices=("phone", "email"), required=True, example="phone",
               rule="Which one becomes the user's iPlum login ID."),
        Column(key="phone", header="Phone #", aliases=("Phone", "Phone Number"), kind=Kind.PHONE,
               require_plus=True, example="+14081231234",
               rule="Complete number with + and the country code and area code (US and Canada start with +1). "
                    "Required when the login ID is phone."),
        Column(key="email", header="Email", kind=Kind.EMAIL, required=True, example="jane@example.com"),
        Column(key="name", header="Name", aliases=("Full Name",), required=True, max_length=100, example="Jane Doe"),
    ),
    login_key=login_key,
    login_key_columns=("phone", "email"),
    row_rules=(_phone_login,),
    notes=(
        "Keep the header row exactly as it is: iPlum does not accept changed words.",
        "The Phone # column is formatted as Text, so a number typed as +14081231234 keeps its '+'. "
        "In a normal cell Excel would turn it into the number 14081231234 and drop the '+'. If you "
        "paste numbers in, paste values only, or type a ' before the +.",
        "Each user gets an invitation by text message or email and sets a password.",
    ),
    decisions=(
        "The two columns iPlum's instructions do not name are Email and Name, both mandatory.",
        "The login ID (phone or email, per row) must be unique in a file.",
    ),
)
