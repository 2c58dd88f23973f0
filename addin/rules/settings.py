"""The template's settings as stored on its hidden xlwings.conf sheet (key in column A, value in B).

xlwings reads its own keys from that sheet and ignores others; ours are prefixed 'rosterbook.'
and 'setting.' so they cannot clash. Tokens and passwords never go here.
"""
from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

from .columns import Profile

CONF_SHEET = "xlwings.conf"
PROFILE_KEY = "rosterbook.profile"
VERSION_KEY = "rosterbook.version"
SERVER_URL_KEY = "rosterbook.server_url"
MODE_KEY = "rosterbook.mode"  # 'local' (RunPython) or 'server' (RunRemotePython)
SHEET_KEY = "rosterbook.sheet"  # the data sheet's name when the template was built
# What Submit asks the server to do with a row whose user is stored with other values
ON_EXISTING_KEY = "rosterbook.on_existing"
ON_EXISTING = ("skip", "replace")
ON_EXISTING_MEANING = ("A row whose user was imported before with other values: skip reports it as a conflict "
                       "and imports nothing; replace stores it as the user's new version (the earlier one is "
                       "kept in its history).")
SETTING_PREFIX = "setting."
MODES = ("local", "server")
DEFAULT_MODE = "server"
DEFAULT_SERVER_URL = "http://127.0.0.1:5000"


def profile_settings(profile: Profile, conf: Mapping[str, Any]) -> dict[str, Any]:
    """The profile's settings found on a conf sheet, as values its settings model accepts."""
    settings: dict[str, Any] = {}
    for name, field in profile.settings_model.model_fields.items():
        raw = conf.get(SETTING_PREFIX + name)
        if raw is None or str(raw).strip() == "":
            continue
        if typing.get_origin(field.annotation) is tuple:
            settings[name] = tuple(p.strip() for p in str(raw).split(",") if p.strip())
        else:
            settings[name] = raw.strip() if isinstance(raw, str) else raw
    return settings


class SettingProblem(ValueError):
    """A template setting that cannot be used as it is written; the message tells the admin what to write."""


def on_existing(conf: Mapping[str, Any]) -> str | None:
    """The workbook's choice for rows whose user is stored with other values (None: it does not
    say, the server's default applies). Another value raises SettingProblem, worded for the admin."""
    raw = conf.get(ON_EXISTING_KEY)
    if raw is None or str(raw).strip() == "":
        return None
    value = str(raw).strip().casefold()
    if value not in ON_EXISTING:
        raise SettingProblem(f"{ON_EXISTING_KEY} on the {CONF_SHEET} sheet is {str(raw).strip()!r}: write skip or "
                         "replace next to it (right-click a sheet tab > Unhide to see the sheet).")
    return value


def conf_rows(profile: Profile, *, version: str, server_url: str, mode: str, sheet: str) -> list[tuple[str, str]]:
    """The rows a template's conf sheet starts with: ours, then every setting at its default."""
    rows = [(PROFILE_KEY, profile.id), (VERSION_KEY, version), (SERVER_URL_KEY, server_url),
            (MODE_KEY, mode), (SHEET_KEY, sheet), (ON_EXISTING_KEY, ON_EXISTING[0])]
    defaults = profile.settings()
    for name in profile.settings_model.model_fields:
        value = getattr(defaults, name)
        if isinstance(value, tuple):
            value = ", ".join(value)
        elif isinstance(value, bool):
            value = "TRUE" if value else "FALSE"
        rows.append((SETTING_PREFIX + name, "" if value is None else str(value)))
    return rows
