"""A file's header row against a format's columns: which cell is which column, and for a header
that is none of them, the column it most likely meant ("did you mean 'trialEnd'?").

Headers compare with case, spaces, dashes, underscores and punctuation ignored, through each
column's header, its aliases (vendor-specific names, in the profiles) and common variants
(columns.Column.variant_tokens). Close misspellings are found with rapidfuzz, once per file.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .annotations import ANNOTATION_HEADERS, column_letter
from .cells import is_blank, to_text, trim
from .columns import Column, Profile, ProfileSettings, header_token
from .findings import Finding, Level
from .kinds import quote

RESERVED = frozenset(header_token(h) for h in ANNOTATION_HEADERS)
SUGGEST_SCORE = 80  # rapidfuzz ratio (0-100) from which an unknown header is taken as a misspelling
CANDIDATE_SCORE = 60  # lower: enough to name a candidate for a missing required column


@dataclass(slots=True, frozen=True)
class UnknownHeader:
    """A header cell that is none of the format's columns, with the columns it most resembles."""

    index: int  # the cell's position in the row
    text: str
    meant: tuple[Column, ...] = ()  # the closest columns, when close enough to be a misspelling
    score: float = 0.0

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.letter, "header": self.text,
                "suggestion": self.meant[0].header if len(self.meant) == 1 else None,
                "candidates": [c.header for c in self.meant]}


@dataclass(slots=True)
class HeaderMap:
    positions: list[tuple[int, Column]]  # (cell index, column) for the columns the file has
    findings: list[Finding]
    has_header_row: bool
    unknown: list[UnknownHeader] = field(default_factory=list)
    # column key -> the unknown header that probably is that (missing) column
    suspects: dict[str, UnknownHeader] = field(default_factory=dict)

    def pointer(self, key: str) -> str:
        """For a message about a missing column: the file's column that probably is it."""
        suspect = self.suspects.get(key)
        if suspect is None:
            return ""
        return f" (column {suspect.letter} is headed {quote(suspect.text)}: if that is this column, correct its header)"


def looks_like_header(profile: Profile, cells: Sequence[Any]) -> bool:
    """For headerless formats: is this first row the column names (as in our template)?"""
    tokens = [header_token(to_text(c)) for c in cells if not is_blank(c)]
    known = sum(1 for t in tokens if t in profile.by_token or t in RESERVED)
    return known >= 2 and known * 2 >= len(tokens)


def header_score(profile: Profile, cells: Sequence[Any]) -> int:
    """How many of a header row's cells are this format's columns (each column counted once)."""
    found = {profile.by_token[t].key for t in (header_token(to_text(c)) for c in cells if not is_blank(c))
             if t in profile.by_token}
    return len(found)


def positional_header(profile: Profile) -> HeaderMap:
    return HeaderMap(list(enumerate(profile.columns)), [], has_header_row=False)


def map_header(profile: Profile, cells: Sequence[Any], row: int, settings: ProfileSettings) -> HeaderMap:
    positions: list[tuple[int, Column]] = []
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    unknown_cells: list[tuple[int, str, str]] = []
    for index, cell in enumerate(cells):
        text = trim(to_text(cell))
        if not text:
            continue
        token = header_token(text)
        column = profile.by_token.get(token)
        if column is None:
            if token not in RESERVED:
                unknown_cells.append((index, text, token))
            continue
        if column.key in seen:
            findings.append(Finding(Level.ERROR,
                f"Column {quote(column.header)} appears twice (columns {column_letter(seen[column.key])} "
                f"and {column_letter(index)}): delete one of them", column=column.header, row=row, value=text))
            continue
        seen[column.key] = index
        positions.append((index, column))
    header = HeaderMap(positions, findings, has_header_row=True)
    header.unknown = [_resembling(profile, index, text, token) for index, text, token in unknown_cells]
    for unknown in header.unknown:
        missing = [c for c in unknown.meant if c.key not in seen]
        for column in missing:
            header.suspects.setdefault(column.key, unknown)
        findings.append(_unknown_finding(profile, unknown, missing, seen, row, settings))
    if profile.header_order_matters:
        findings.extend(_exact_header(profile, cells, row))
    for column in profile.columns:
        if column.key not in seen and column.is_required(settings) and column.key not in header.suspects:
            findings.append(Finding(Level.ERROR, _missing_required(profile, column, header.unknown),
                                    column=column.header, row=row))
    return header


def _resembling(profile: Profile, index: int, text: str, token: str) -> UnknownHeader:
    """The columns an unknown header most resembles, scored once per file with rapidfuzz."""
    from rapidfuzz import fuzz, process  # only for a file with an unknown header (7 ms of a command's start)

    names = profile.by_token
    best = process.extract(token, list(names), scorer=fuzz.ratio, limit=None, score_cutoff=SUGGEST_SCORE)
    if not best:
        return UnknownHeader(index, text)
    top = max(score for _, score, _ in best)
    meant: list[Column] = []
    for name, score, _ in best:
        if score == top and names[name] not in meant:
            meant.append(names[name])
    return UnknownHeader(index, text, tuple(meant), top)


def _unknown_finding(profile: Profile, unknown: UnknownHeader, missing: list[Column], seen: dict[str, int],
                     row: int, settings: ProfileSettings) -> Finding:
    where = f"{quote(unknown.text)} (column {unknown.letter})"
    if missing:
        names = " or ".join(quote(c.header) for c in missing)
        required = [c for c in missing if c.is_required(settings)]
        what = "a required column" if required else "a column"
        return Finding(Level.ERROR,
            f"Column {where} is not part of the {profile.title} format: did you mean {names}? That is {what} "
            f"this file lacks. Correct the header; until then this column's values are not read",
            column=unknown.text, row=row, value=unknown.text)
    if unknown.meant:
        present = unknown.meant[0]
        return Finding(Level.WARNING,
            f"Column {where} is not part of the {profile.title} format and is ignored; it resembles "
            f"{quote(present.header)}, which is column {column_letter(seen[present.key])}",
            column=unknown.text, row=row, value=unknown.text)
    return Finding(Level.WARNING,
        f"Column {where} is not part of the {profile.title} format: it is ignored and will not be imported",
        column=unknown.text, row=row, value=unknown.text)


def _missing_required(profile: Profile, column: Column, unknown: list[UnknownHeader]) -> str:
    """Never just 'missing': name the file's column that may be it, or the ones that are not read."""
    base = f"Required column {quote(column.header)} is missing"
    if not unknown:
        return f"{base}: add it to the header row"
    from rapidfuzz import fuzz

    scored = [(max(fuzz.ratio(header_token(u.text), t) for t in column.tokens), u) for u in unknown]
    score, candidate = max(scored, key=lambda s: s[0])
    if score >= CANDIDATE_SCORE:
        return (f"{base}: is it column {candidate.letter}, headed {quote(candidate.text)}? If so, rename that "
                f"header to {quote(column.header)}; otherwise add the column")
    others = ", ".join(f"{quote(u.text)} ({u.letter})" for u in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    return (f"{base}: add it to the header row, or rename the column that holds it (the columns not part of "
            f"the format are {others}{more})")


def _exact_header(profile: Profile, cells: Sequence[Any], row: int) -> list[Finding]:
    """Formats whose vendor wants its header row word for word: say so when it differs."""
    given = [trim(to_text(c)) for c in cells]
    given = [g for g in given if g and header_token(g) not in RESERVED]
    wanted = [c.header for c in profile.columns]
    if given == wanted[:len(given)]:
        return []
    return [Finding(Level.WARNING,
        f"{profile.title} wants the header row exactly as its template has it ({', '.join(wanted)}); "
        "rosterbook's export writes it that way, but do not upload this file as it is", row=row)]
