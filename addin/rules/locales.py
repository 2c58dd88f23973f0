"""The admin's Excel language: the words its TRUE and FALSE are written in, and its date order.

A CSV saved by a German Excel holds WAHR and FALSCH where an English one holds TRUE and FALSE,
and 31.12.2026 where an American one holds 12/31/2026. These are read as such only when the
admin says which language their Excel speaks (a template setting, or --locale), because a word
or a date like 03/04/2026 does not say it by itself.

The words are Excel's names of its TRUE and FALSE functions in each language (the same tables
spreadsheet libraries translate formulas with, e.g. PhpSpreadsheet's
Calculation/locale/<language>/functions).
"""
from __future__ import annotations

from typing import NamedTuple


class Locale(NamedTuple):
    code: str  # as the admin gave it, normalised: 'de', 'pt-BR', 'en-US'
    language: str  # English name, for messages
    true_word: str
    false_word: str
    day_first: bool  # 31.12.2026 (day, month, year) rather than 12/31/2026


_LANGUAGES: dict[str, tuple[str, str, str]] = {
    # language code: (name, TRUE, FALSE)
    "en": ("English", "TRUE", "FALSE"),
    "de": ("German", "WAHR", "FALSCH"),
    "fr": ("French", "VRAI", "FAUX"),
    "es": ("Spanish", "VERDADERO", "FALSO"),
    "it": ("Italian", "VERO", "FALSO"),
    "nl": ("Dutch", "WAAR", "ONWAAR"),
    "pt": ("Portuguese", "VERDADEIRO", "FALSO"),
}
# Excel in these languages writes dates month first; every other one here writes the day first.
_MONTH_FIRST = frozenset({"en", "en-us"})

LOCALE_CODES = tuple(_LANGUAGES)


def locale_for(code: str | None) -> Locale | None:
    """The Locale for 'de', 'DE', 'de-AT', 'pt_BR', 'en-GB'...; None for no code, ValueError for an unknown one."""
    if code is None or not str(code).strip():
        return None
    normal = str(code).strip().replace("_", "-")
    language, _, country = normal.partition("-")
    language = language.lower()
    if language not in _LANGUAGES or (country and not (country.isalpha() and len(country) == 2)):
        raise ValueError(f"{code!r} is not a language rosterbook reads: use one of {', '.join(LOCALE_CODES)} "
                         "(optionally with a country, like de-AT or en-GB)")
    normal = f"{language}-{country.upper()}" if country else language
    name, true_word, false_word = _LANGUAGES[language]
    return Locale(normal, name, true_word, false_word, day_first=normal.lower() not in _MONTH_FIRST)


def boolean_words() -> dict[str, tuple[bool, list[str]]]:
    """Every language's TRUE and FALSE word (case-folded) -> (its meaning, the languages using it)."""
    words: dict[str, tuple[bool, list[str]]] = {}
    for name, true_word, false_word in _LANGUAGES.values():
        for word, meaning in ((true_word, True), (false_word, False)):
            words.setdefault(word.casefold(), (meaning, []))[1].append(name)
    return words
