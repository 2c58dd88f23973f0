"""Valid rows for every profile, built from the profiles' own column examples.

Each row i gets its own login key (and its own values in columns the profile wants unique),
so batches can be made to overlap on purpose.
"""
from __future__ import annotations

from collections.abc import Callable

from addin.profiles import get_profile

_UNIQUE: dict[str, Callable[[int], dict[str, str]]] = {
    "ipass": lambda i: {"username": f"user{i}@acme.ipass.com", "email": f"user{i}@acme.com"},
    "controlpanel": lambda i: {"username": f"user{i}", "password": f"Pw-{i}-secret"},
    "commpeak": lambda i: {"username": f"agent{i}", "email": f"agent{i}@example.com",
                           "virtual_extension": str(1000 + i)},
    "iplum": lambda i: {"login_type": "email", "email": f"u{i}@example.com"},
    "pbx": lambda i: {"extension": str(20000 + i), "email": f"pbx{i}@example.com"},
}


def example_row(profile_id: str, i: int) -> dict[str, str]:
    """Row i as {header: value}: the columns' examples plus this row's unique values."""
    profile = get_profile(profile_id)
    values = {c.key: c.example for c in profile.columns if c.example}
    values.update(_UNIQUE[profile_id](i))
    return {profile.by_key[key].header: value for key, value in values.items()}


def example_rows(profile_id: str, count: int, start: int = 0) -> list[dict[str, str]]:
    return [example_row(profile_id, i) for i in range(start, start + count)]


def login_header(profile_id: str) -> str:
    profile = get_profile(profile_id)
    return profile.by_key[profile.login_key_columns[0]].header
