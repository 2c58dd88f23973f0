"""GET /api/v1/profiles: every target format with its columns and rules, read from the profiles."""
from __future__ import annotations

from addin.profiles import all_profiles
from addin.rules.columns import Column, Profile
from addin.rules.fields import Kind

from ..schemas import ColumnInfo, ProfileInfo, ProfileList
from . import bp
from .spec import operation


@operation(bp, "GET", "/profiles", "The target formats, their columns and rules", {
    200: ("Every profile", ProfileList),
})
def list_profiles():
    return ProfileList(profiles=[profile_info(p) for p in all_profiles().values()]).model_dump(mode="json")


def profile_info(profile: Profile) -> ProfileInfo:
    return ProfileInfo(
        id=profile.id, title=profile.title, vendor=profile.vendor, summary=profile.summary,
        headerless=profile.headerless, max_rows=profile.max_rows,
        login_key_columns=list(profile.login_key_columns), unique=list(profile.unique),
        columns=[column_info(c) for c in profile.columns],
        settings=profile.settings_model.model_json_schema(), notes=list(profile.notes))


def column_info(column: Column) -> ColumnInfo:
    boolean = column.kind is Kind.BOOLEAN
    return ColumnInfo(
        key=column.key, header=column.header, kind=str(column.kind), required=column.required,
        required_unless=column.required_unless, aliases=list(column.aliases), max_length=column.max_length,
        pattern=column.pattern, choices=list(column.choices),
        true_value=column.true_value if boolean else None, false_value=column.false_value if boolean else None,
        secret=column.secret, example=column.example, description=column.describe())
