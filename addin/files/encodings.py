"""Which text encoding a CSV (or Excel's "Unicode Text" .txt) file is in.

Excel writes UTF-8 (with a byte order mark for "CSV UTF-8", without it elsewhere), UTF-16 with a
byte order mark ("Unicode Text"), or, for plain "CSV", the Windows code page of its language:
1252 Western, 1250 Central European, 1257 Baltic, 1254 Turkish, 1253 Greek, 1251 Cyrillic. A mark
or valid UTF-8 settles it. Otherwise the code page is guessed from a bounded sample of the
file's lines that are not plain ASCII: charset-normalizer ranks the code pages, and a reading
whose words no language of that code page writes (a symbol inside a word, as '£ukasz Wa³êsa' is
Polish read as Western; two alphabets in one word; letters no single language of it uses
together) is set aside, since on a few names every code page looks clean to a statistical
detector. When more than one reading survives and they differ, the guess is not certain, and
the check says so with a sample (offline.py), so a wrong guess is never silent.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

CHUNK = 1024 * 1024  # bytes read at a time while looking for text that is not ASCII
SAMPLE_BYTES = 32 * 1024  # lines that are not ASCII, kept for the guess
MAX_CARRY = 64 * 1024  # the unfinished line carried from one chunk to the next, at most

BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
EXCEL_CODE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1254", "cp1253", "cp1257")  # most Excel users first
NAMES = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16 (Excel's Unicode Text)",
    "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252 (Western European)", "cp1250": "Windows-1250 (Central European)",
    "cp1257": "Windows-1257 (Baltic)", "cp1254": "Windows-1254 (Turkish)", "cp1253": "Windows-1253 (Greek)",
    "cp1251": "Windows-1251 (Cyrillic)",
}

# How the encoding was settled: a byte order mark, ASCII or valid UTF-8 throughout, the admin's
# option, or a guess (certain: one reading; assumed: several readings differ).
BY_MARK, BY_CONTENT, BY_OPTION, DETECTED, ASSUMED = "mark", "content", "option", "detected", "assumed"


class EncodingOptionError(ValueError):
    """An encoding named by the admin that rosterbook cannot use."""


@dataclass(frozen=True)
class TextEncoding:
    codec: str  # what Python decodes the file with
    how: str  # BY_MARK, BY_CONTENT, BY_OPTION, DETECTED or ASSUMED
    others: tuple[str, ...] = ()  # for an assumed one: the other code pages that read it differently

    @property
    def certain(self) -> bool:
        return self.how != ASSUMED

    @property
    def label(self) -> str:
        return label(self.codec)


def label(codec: str) -> str:
    return NAMES.get(codec, codec)


def named(name: str) -> str:
    """The codec for an encoding an admin names (windows-1250, cp1250, utf-16, latin-1...)."""
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, AttributeError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise EncodingOptionError(f"{name!r} is not a text encoding rosterbook knows; name one such as utf-8, "
                                  "utf-16, windows-1252 or windows-1250")
    codec = info.name
    return {"utf-8": "utf-8-sig", "cp65001": "utf-8-sig"}.get(codec, codec)  # a mark, if any, is not text


def detect(raw: BinaryIO) -> TextEncoding:
    """The encoding of the file open in raw (read from its start; left at its start)."""
    raw.seek(0)
    head = raw.read(4)
    raw.seek(0)
    for mark, codec in BOMS:
        if head.startswith(mark):
            return TextEncoding(codec, BY_MARK)
    sample, utf8 = _scan(raw)
    raw.seek(0)
    if not sample or utf8:
        return TextEncoding("utf-8", BY_CONTENT)
    return guess_code_page(sample)


def _scan(raw: BinaryIO) -> tuple[bytes, bool]:
    """The lines that are not ASCII (up to SAMPLE_BYTES), and whether the whole file is UTF-8.

    One pass in chunks: memory stays bounded whatever the file's size, and the check costs a
    decode of the file's bytes, once."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    pieces: list[bytes] = []
    kept = 0
    carry = b""
    while True:
        chunk = raw.read(CHUNK)
        if not chunk:
            break
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if kept < SAMPLE_BYTES and not chunk.isascii():
            lines = (carry + chunk).split(b"\n")
            carry = lines.pop()[-MAX_CARRY:]
            for line in lines:
                if not line.isascii():
                    pieces.append(line + b"\n")
                    kept += len(line) + 1
                    if kept >= SAMPLE_BYTES:
                        break
        else:
            cut = chunk.rfind(b"\n")
            carry = chunk[cut + 1:] if cut >= 0 else (carry + chunk)[-MAX_CARRY:]
        if not utf8 and kept >= SAMPLE_BYTES:
            break  # enough to guess from; the rest need not be read
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if kept < SAMPLE_BYTES and carry and not carry.isascii():
        pieces.append(carry)
    return b"".join(pieces)[:SAMPLE_BYTES], utf8


def guess_code_page(sample: bytes) -> TextEncoding:
    """The Windows code page the sample is most plausibly in (see the module's note)."""
    ranking = _ranked(sample)
    readings: dict[str, Reading] = {}
    for codec in EXCEL_CODE_PAGES:
        try:
            readings[codec] = read_words(sample.decode(codec), codec)
        except UnicodeDecodeError:
            continue  # a byte this code page does not have
    if not readings:
        return TextEncoding("cp1252", ASSUMED)
    fewest = min(r.odd for r in readings.values())
    plausible = [c for c, r in readings.items() if r.odd == fewest]
    # among the readings with the fewest odd words: the one needing the fewest languages, then
    # charset-normalizer's choice, then the code page of more Excel users
    plausible.sort(key=lambda c: (readings[c].languages, ranking.get(c, len(ranking)), EXCEL_CODE_PAGES.index(c)))
    best = plausible[0]
    # code pages that read the sample alike: name the one more Excel users have
    best = next(c for c in EXCEL_CODE_PAGES if c in readings and readings[c].text == readings[best].text)
    rivals = tuple(c for c in plausible if readings[c].text != readings[best].text)
    if fewest == 0 and not rivals:
        return TextEncoding(best, DETECTED)
    return TextEncoding(best, ASSUMED, rivals)


def _ranked(sample: bytes) -> dict[str, int]:
    """charset-normalizer's order of the Excel code pages (the ones it rules out are left out)."""
    from charset_normalizer import from_bytes  # only files that need a guess pay for its import

    proposed = [match.encoding for match in from_bytes(sample, cp_isolation=list(EXCEL_CODE_PAGES))]
    return {c: i for i, c in enumerate(c for c in proposed if c in EXCEL_CODE_PAGES)}


# --------------------------------------------------------------------------- plausible words

def _letters(*words: str) -> frozenset[str]:
    return frozenset("".join(words))


# The letters beyond ASCII that each language written in a code page uses (lower case).
_WESTERN = {
    "fr": _letters("àâæçéèêëîïôœùûüÿ"), "de": _letters("äöüß"), "es": _letters("áéíóúñü"),
    "pt": _letters("áâãàçéêíóôõú"), "it": _letters("àèéìíîòóùú"), "nl": _letters("áéíóúàèëïöü"),
    "sv": _letters("åäöé"), "da": _letters("æøåé"), "fi": _letters("äöåšž"), "is": _letters("áéíóúýþæöð"),
    "ca": _letters("àèéíïòóúç"), "et": _letters("äõöüšž"),
}
_POLISH = _letters("ąćęłńóśźż")
_CENTRAL = {
    "pl": _POLISH, "cs": _letters("áčďéěíňóřšťúůýž"), "sk": _letters("áäčďéíĺľňóôŕšťúýž"),
    "hu": _letters("áéíóöőúüű"), "sl": _letters("čšž"), "hr": _letters("čćđšž"), "ro": _letters("ăâîşţ"),
    "sq": _letters("çë"), "de": _WESTERN["de"],
}
_BALTIC = {
    "lv": _letters("āčēģīķļņšūž"), "lt": _letters("ąčęėįšųūž"), "et": _WESTERN["et"], "pl": _POLISH,
    "de": _WESTERN["de"],
}
ALPHABETS: dict[str, tuple[frozenset[str], ...]] = {
    "cp1252": tuple(_WESTERN.values()),
    "cp1250": tuple(_CENTRAL.values()),
    "cp1257": tuple(_BALTIC.values()),
    "cp1254": (_letters("çğıöşüâîû"), *(_WESTERN[k] for k in ("fr", "de", "es", "pt", "it", "nl"))),
}
_WORD = re.compile(r"[A-Za-z\x80-\U0010ffff]+")
# Punctuation that sits next to letters in real names and texts ('O’Brien', 'Smith–Jones').
_SEPARATORS = re.compile("[\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a\u2013\u2014\u2026"
                         "\u2022\u00b7\u00a0\u200b\ufeff]")
_CYRILLIC_VOWELS = frozenset("аеёиоуыэюяіїєў")
_GREEK_RARE = frozenset("ΐΰ")  # what Russian's commonest letter 'а' becomes when read as Greek


@dataclass(frozen=True)
class Reading:
    text: str
    odd: int  # words no language of the code page writes
    languages: int  # the fewest of its languages that write every other word


def read_words(text: str, codec: str) -> Reading:
    odd = 0
    needs: list[frozenset[int]] = []  # per word: the languages (by index) that write it
    alphabets = ALPHABETS.get(codec, ())
    for word in set(_WORD.findall(_SEPARATORS.sub(" ", text))):
        if word.isascii():
            continue
        writers = _writers(word, alphabets)
        if writers is None:
            odd += 1
        elif alphabets:
            needs.append(writers)
    return Reading(text, odd, _fewest_covering(needs))


def _writers(word: str, alphabets: tuple[frozenset[str], ...]) -> frozenset[int] | None:
    """The languages (indexes into alphabets) that write this word; None when it is odd."""
    scripts = set()
    extra = set()
    lower_seen = False
    for ch in word:
        if ch.islower():
            lower_seen = True
        elif ch.isupper() and lower_seen:
            return None  # a capital inside a word: 'НЯкпт'
        if ch.isascii():
            scripts.add("LATIN")
            continue
        if not unicodedata.category(ch).startswith("L"):
            return None  # a symbol or digit inside a word: '£ukasz', 'Wa³êsa'
        scripts.add(unicodedata.name(ch, "? ?").split(" ", 1)[0])
        extra.add(ch.lower()[:1])
    if len(scripts) > 1:
        return None  # two alphabets in one word
    [script] = scripts
    lower = word.lower()
    if script == "CYRILLIC":
        return None if len(word) >= 4 and not _CYRILLIC_VOWELS & set(lower) else frozenset()
    if script == "GREEK":
        final = "ς" in lower[:-1] or lower.endswith("σ")
        return None if final or _GREEK_RARE & set(lower) else frozenset()
    extra = {ch for ch in extra if not ch.isascii()}
    writers = frozenset(i for i, alphabet in enumerate(alphabets) if extra <= alphabet)
    return writers if writers or not alphabets else None


def _fewest_covering(needs: list[frozenset[int]]) -> int:
    """How many languages it takes to write every word (greedy: the language writing the most
    words still unwritten, first)."""
    left = [n for n in needs if n]
    count = 0
    while left:
        best = max({i for n in left for i in n}, key=lambda i: sum(i in n for n in left))
        left = [n for n in left if best not in n]
        count += 1
    return count
