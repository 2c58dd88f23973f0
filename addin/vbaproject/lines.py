"""A module's source as physical lines and as logical lines (physical lines joined by line
continuations), the units the VBA rules in check.py look at."""

from __future__ import annotations

import re
from dataclasses import dataclass

# MS-VBAL 3.2.2: a line continuation is whitespace, an underscore and the line's end. It continues
# a comment too, so it is recognised on the physical text, strings and comments included.
_CONTINUATION = re.compile(r"(?:^|[ \t])_[ \t]*$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class PhysicalLine:
    number: int  # 1-based
    text: str  # without its line break
    ending: str  # "\r\n", "\r", "\n", or "" for a last line without one


@dataclass(frozen=True)
class LogicalLine:
    number: int  # of its first physical line
    text: str  # the physical lines joined, each continuation replaced by one space
    continuations: int

    @property
    def code(self) -> str:
        """The text without its comment and without surrounding whitespace."""
        return strip_comment(self.text).strip()


def physical_lines(text: str) -> list[PhysicalLine]:
    lines, start, number = [], 0, 1
    for match in _LINE_BREAK.finditer(text):
        lines.append(PhysicalLine(number, text[start:match.start()], match.group()))
        start, number = match.end(), number + 1
    if start < len(text):
        lines.append(PhysicalLine(number, text[start:], ""))
    return lines


def logical_lines(lines: list[PhysicalLine]) -> list[LogicalLine]:
    joined: list[LogicalLine] = []
    parts: list[str] = []
    first = 0
    for line in lines:
        if not parts:
            first = line.number
        if _CONTINUATION.search(line.text):
            parts.append(_CONTINUATION.sub("", line.text))
            continue
        parts.append(line.text)
        joined.append(LogicalLine(first, " ".join(parts), len(parts) - 1))
        parts = []
    if parts:  # a continuation on the last line: keep what there is
        joined.append(LogicalLine(first, " ".join(parts), len(parts) - 1))
    return joined


def strip_comment(text: str) -> str:
    """Code before a `'` comment (outside string literals) or a Rem statement."""
    in_string = False
    for index, char in enumerate(text):
        if char == '"':
            in_string = not in_string  # a doubled quote toggles twice
        elif char == "'" and not in_string:
            return text[:index]
    if re.match(r"\s*Rem(\s|$)", text, re.IGNORECASE):
        return ""
    return text
