"""The target formats, one module each: the only place a column's rule is written. A module
defines PROFILE; adding a format is adding a module.

May import: addin.rules only.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..rules.columns import Profile


class UnknownProfile(LookupError):
    def __init__(self, profile_id: str):
        super().__init__(f"Unknown profile {profile_id!r}: choose one of {', '.join(profile_ids())}")


@cache
def all_profiles() -> dict[str, Profile]:
    """Every profile, in the order of the vendor documents they come from."""
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        profile = getattr(module, "PROFILE", None)
        if isinstance(profile, Profile):
            found.append(profile)
    return {p.id: p for p in sorted(found, key=lambda p: p.seed)}


def profile_ids() -> list[str]:
    return list(all_profiles())


def get_profile(profile_id: str) -> Profile:
    try:
        return all_profiles()[profile_id]
    except KeyError:
        raise UnknownProfile(profile_id) from None
