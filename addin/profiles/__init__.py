"""The target formats, one module each: the only place a column's rule is written. A module
defines PROFILE; adding a format is adding a module.

May import: addin.rules only.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from collections.abc import Sequence
from typing import Any

from ..rules.columns import Profile
from ..rules.headers import header_score


class UnknownProfile(LookupError):
    def __init__(self, profile_id: str):
        super().__init__(f"Unknown format {profile_id!r}: choose one of {', '.join(profile_ids())}")


class FormatNotRecognised(LookupError):
    """No format, or more than one, matches a file's headers; the message says which and what to do."""


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
    """The profile by its id, in any case ('IPlum' is iplum)."""
    profiles = all_profiles()
    found = profiles.get(profile_id) or profiles.get(str(profile_id).strip().casefold())
    if found is None:
        raise UnknownProfile(profile_id)
    return found


def recognise_profile(header: Sequence[Any]) -> tuple[Profile, int]:
    """The format whose columns a header row matches best, and how many of them it has.

    Raises FormatNotRecognised when the row has none of any format's columns, or when two
    formats match equally well (a file with just Username and Email could be three of them).
    """
    scored = sorted(((header_score(p, header), p) for p in all_profiles().values()), key=lambda s: -s[0])
    best_score, best = scored[0]
    if best_score == 0:
        raise FormatNotRecognised("its header row has none of the column names of any format, so it does not say "
                                  "which format it is")
    tied = [p for score, p in scored if score == best_score]
    if len(tied) > 1:
        names = ", ".join(f"{p.title} ({p.id})" for p in tied)
        raise FormatNotRecognised(f"its headers match {names} equally well ({best_score} "
                                  f"column{'s' if best_score != 1 else ''} each)")
    return best, best_score
