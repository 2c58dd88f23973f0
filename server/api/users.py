"""A stored user's history, and withdrawing its current version: /api/v1/users/<profile>/<user>."""
from __future__ import annotations

from flask import g

from addin.profiles import all_profiles, get_profile
from addin.rules.columns import folded

from ..db import get_db
from ..errors import ApiError
from ..schemas import ErrorBody, UserHistory, UserVersion
from ..versions import histories
from ..withdrawals import NothingToWithdraw, withdraw_user
from . import bp
from .spec import json_response, operation

USER_PARAMS = {
    "profile": {"type": "string", "enum": list(all_profiles())},
    "user": {"type": "string", "minLength": 1, "maxLength": 255,
             "description": "The user's login key: username, email or login ID, per format (case does not matter)"},
}
NOT_FOUND = (404, ("No such format, or no user with this login was ever stored", ErrorBody))


@operation(bp, "GET", "/users/<profile>/<user>", "A user's versions, oldest first", {
    200: ("The user's history", UserHistory), 404: NOT_FOUND[1],
}, path_params=USER_PARAMS)
def user_history(profile: str, user: str):
    return json_response(_history(profile, user))


@operation(bp, "DELETE", "/users/<profile>/<user>", "Withdraw the user's current version", {
    200: ("The user's history: the current version is now withdrawn, and the login can be imported again",
          UserHistory),
    404: NOT_FOUND[1],
}, path_params=USER_PARAMS)
def withdraw(profile: str, user: str):
    _known_profile(profile)
    if not user.strip() or len(user) > 255 or "\x00" in user:
        raise ApiError(404, "not_found", "No user with this login is stored: nothing was withdrawn.")
    try:
        withdraw_user(get_db(), profile, user, g.api_user)
    except NothingToWithdraw as exc:
        raise ApiError(404, "not_found", exc.message) from None
    return json_response(_history(profile, user))


def _known_profile(profile: str) -> None:
    if profile not in all_profiles():
        raise ApiError(404, "not_found", f"There is no format {profile[:50]!r}: see GET /api/v1/profiles.")


def _history(profile_id: str, user: str) -> UserHistory:
    _known_profile(profile_id)
    key = folded(user.strip())
    if not key or len(key) > 255 or "\x00" in key:  # no stored login looks like this
        key = ""
    versions = histories(get_db(), get_profile(profile_id), [key]).get(key)
    if not versions:
        raise ApiError(404, "not_found", f"No {get_profile(profile_id).title} user {user.strip()[:100]!r} was ever "
                                         "stored here.")
    return UserHistory(profile=profile_id, user=key, current=any(v.current for v in versions), versions=[
        UserVersion(id=v.row_id, batch_id=v.batch_id, row=v.row_number, at=v.at, by=v.by, current=v.current,
                    withdrawn_at=v.withdrawn_at, withdrawn_by=v.withdrawn_by,
                    values={k: value for k, value in v.values.items() if value}, changes=v.changes)
        for v in versions])
