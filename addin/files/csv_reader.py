"""CSV files (and Excel's "Unicode Text" .txt), streamed within the ReadLimits, in the encoding
Excel wrote them in (encodings.py) or the one named; values separated by commas, semicolons (Excel
in many European languages) or tabs ("Unicode Text")."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from ..rules.collector import collector_paused
from .encodings import BY_MARK, BY_OPTION, TextEncoding, detect
from .header_choice import HEADER_SEARCH_ROWS, formats_to_match
from .limits import ReadLimits
from .table import (MAX_LINE, PROGRESS_EVERY, SHARED_LENGTH, Progress, ReadOptions, Table, UnreadableFile,
                    place_header, strip_blank_edges)


def read_csv(source: Path | bytes, name: str, limits: ReadLimits | None = None,
             progress: Progress | None = None, options: ReadOptions | None = None) -> Table:
    """A CSV file, streamed, in the encoding Excel wrote it in (encodings.py) or the one named;
    values separated by commas, semicolons (Excel in many European languages) or tabs (Excel's
    "Unicode Text")."""
    limits = limits or ReadLimits.from_env()
    options = options or ReadOptions()
    if options.sheet is not None:
        raise UnreadableFile(f"{name}: is a text file, which has no sheets: name no sheet for it")
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    if size > limits.unpacked_bytes:
        raise UnreadableFile(f"{name}: is {size / 1024 / 1024:,.0f} MB; rosterbook reads CSV files of at most "
                             f"{limits.unpacked_mb}. Split it into smaller files")
    with (io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")) as raw:
        if options.encoding:
            encoding = TextEncoding(options.encoding, BY_OPTION)
        else:
            head = raw.read(4096)
            if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise UnreadableFile(f"{name}: this is not a text file (it contains NUL bytes); is it a workbook "
                                     "saved as .csv? (UTF-16 text without a byte order mark: name its encoding, "
                                     "such as utf-16-le)")
            encoding = detect(raw)
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding.codec, newline="")
        try:
            with collector_paused():  # 100,000s of row lists hold no cycles
                table = _read_csv_text(text, raw, size, encoding, name, limits, progress)
        finally:
            text.detach()
    place_header(table, formats_to_match(options.profile, {}), options.header_row, name)
    return table


DELIMITERS = (",", ";", "\t")  # the first wins a tie


def sniff_delimiter(*lines: str) -> str:
    """Comma, semicolon or tab: the one a line has most of (the first lines: a title may come first)."""
    return max(DELIMITERS, key=lambda d: max((line.count(d) for line in lines), default=0))


class _LongLine(Exception):
    def __init__(self, start: str):
        self.start = start


def _head(text: TextIO) -> list[str]:
    """The first lines (HEADER_SEARCH_ROWS), read ahead to tell the separator; a byte order mark
    the codec kept is not text."""
    head: list[str] = []
    while len(head) < HEADER_SEARCH_ROWS:
        line = text.readline(MAX_LINE)
        if not line:
            break
        head.append(line)
        if len(line) == MAX_LINE:
            break  # _lines says it is too long
    if head:
        head[0] = head[0].lstrip("\ufeff")
    return head


def _lines(text: TextIO, head: list[str]) -> Iterator[str]:
    """The file's lines, none longer than MAX_LINE characters (a line is held whole in memory)."""
    for line in head:
        if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
            raise _LongLine(line)
        yield line
    readline = text.readline
    while True:
        line = readline(MAX_LINE)
        if not line:
            return
        if len(line) == MAX_LINE and not line.endswith(("\n", "\r")):
            raise _LongLine(line)
        yield line


def _read_csv_text(text: TextIO, raw: BinaryIO, size: int, encoding: TextEncoding, name: str, limits: ReadLimits,
                   progress: Progress | None) -> Table:
    rows: list[list[Any]] = []
    try:
        return _csv_rows(text, raw, size, encoding, name, limits, progress, _head(text), rows)
    except UnicodeDecodeError:
        how = ("its byte order mark says" if encoding.how == BY_MARK else "you named" if encoding.how == BY_OPTION
               else "the lines before it are in")
        raise UnreadableFile(f"{name}: around line {len(rows) + 1:,} the text cannot be read as {encoding.label}, "
                             f"which {how}: save the file as 'CSV UTF-8' and retry"
                             + ("" if encoding.how == BY_OPTION else ", or name its encoding")) from None


def _csv_rows(text: TextIO, raw: BinaryIO, size: int, encoding: TextEncoding, name: str, limits: ReadLimits,
              progress: Progress | None, head: list[str], rows: list[list[Any]]) -> Table:
    delimiter = sniff_delimiter(*head)
    max_rows, max_columns = limits.rows, limits.columns
    append = rows.append
    memo: dict[str, str] = {}
    share = memo.setdefault  # short texts repeat (y/n, types, languages): each is kept once
    try:
        for row in csv.reader(_lines(text, head), delimiter=delimiter, strict=True):
            if len(row) > max_columns:
                raise UnreadableFile(_too_many_columns(name, len(row), len(rows) + 1, max_columns))
            append([(share(c, c) if len(c) < SHARED_LENGTH else c) if c else None for c in row])
            if len(rows) > max_rows:
                raise UnreadableFile(f"{name}: has more than {max_rows:,} lines; rosterbook reads at most "
                                     f"{max_rows:,}. Split it into smaller files")
            if progress is not None and not len(rows) % PROGRESS_EVERY:
                progress("Reading", raw.tell(), size)
    except _LongLine as long:
        values = long.start.count(delimiter) + 1
        if values > max_columns:
            raise UnreadableFile(_too_many_columns(name, values, len(rows) + 1, max_columns, "at least ")) from None
        raise UnreadableFile(f"{name}: line {len(rows) + 1} is longer than {MAX_LINE:,} characters; "
                             "is this a roster saved as CSV?") from None
    except csv.Error as exc:
        raise UnreadableFile(f"{name}: broken CSV ({exc}); check for a stray quote character") from None
    rows, start = strip_blank_edges(rows)
    return Table(rows, None, {}, encoding, delimiter, start)


def _too_many_columns(name: str, count: int, line: int, limit: int, at_least: str = "") -> str:
    return (f"{name}: line {line:,} has {at_least}{count:,} values; rosterbook reads at most {limit:,} columns. "
            "Check the separator, or delete the columns you do not need")
