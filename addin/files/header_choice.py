"""Where a file's users are: the worksheet and the header row that best match the format.

Admins put a cover sheet before the data, and a title row (or a few) above the header. Among
the first HEADER_SEARCH_ROWS rows of each visible sheet, the row naming the most of the
format's columns is the header (of any format, when the format is not known yet); the first
such row wins a tie, and the sheet holding the best one is read. A headerless format's header
counts only when the row reads like one (a template's CSV has it; the vendor's file has none).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..profiles import UnknownProfile, all_profiles, get_profile
from ..rules.columns import Profile
from ..rules.headers import header_score, looks_like_header
from ..rules.settings import PROFILE_KEY

HEADER_SEARCH_ROWS = 20  # a header further down than this is not one an admin would look for

# How the header row was found, as the reports say it.
HEADER_BY_OPTION, HEADER_BY_CONTENT, HEADER_FIRST = "option", "headers", "first"


def formats_to_match(profile: Profile | None, settings: Mapping[str, str]) -> list[Profile]:
    """The format asked for, else the one a template names, else every format."""
    if profile is not None:
        return [profile]
    named = settings.get(PROFILE_KEY)
    if named:
        try:
            return [get_profile(named)]
        except UnknownProfile:
            pass  # the check says so; the header is placed as for any file
    return list(all_profiles().values())


def row_score(profiles: Iterable[Profile], row: Sequence[Any]) -> int:
    """How many columns of the best-matching format this row names (0: not a header)."""
    best = 0
    for profile in profiles:
        if profile.headerless and not looks_like_header(profile, row):
            continue
        best = max(best, header_score(profile, row))
    return best


def best_header(rows: Sequence[Sequence[Any]], profiles: Sequence[Profile]) -> tuple[int | None, int]:
    """(index of the header among the first rows, its score); (None, 0) when no row is one."""
    found, best = None, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = row_score(profiles, row)
        if score > best:
            found, best = index, score
    return found, best
