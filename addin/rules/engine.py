"""The validation engine: rows exactly as Excel hands them over in, findings and normalized rows out."""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import ValidationError

from .annotations import MARK_FOR_LEVEL, NO_MARK
from .cells import SPACES, control_character, describe_char, is_blank, search_control_or_surrogate, to_text, trim
from .collector import collector_paused
from .columns import Column, Profile, ProfileSettings, folded, header_token
from .fields import CHECKS, Check, Checked, Context, quote
from .findings import Finding, Level
from .headers import HeaderMap, looks_like_header, map_header, positional_header

__all__ = ["HeaderMap", "Report", "RowResult", "check_cell", "looks_like_header", "map_header",
           "positional_header", "validate", "validate_records"]
_NO_COLUMNS: frozenset[str] = frozenset()
_KNOWN_PER_COLUMN = 1000  # clean texts remembered per column and file; unique columns never repeat
_LEVEL_ORDER = {Level.ERROR: 0, Level.WARNING: 1, Level.FIXED: 2}


def status_text(errors: int, fixed: int, warnings: int) -> str:
    """A row's Status: how many errors, else Fixed, else OK (and how many warnings)."""
    if errors:
        return f"{errors} error" if errors == 1 else f"{errors} errors"
    if fixed:
        return "Fixed"
    if warnings:
        return f"OK ({warnings} warning{'s' if warnings > 1 else ''})"
    return "OK"


@dataclass(slots=True)
class RowResult:
    row: int
    values: dict[str, str]  # normalized text by column key, for the columns the file has
    findings: list[Finding] = field(default_factory=list)

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level is level)

    @property
    def errors(self) -> int:
        return self.count(Level.ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    @property
    def status_text(self) -> str:
        return status_text(self.errors, self.count(Level.FIXED), self.count(Level.WARNING))

    @property
    def errors_text(self) -> str:
        ordered = sorted(self.findings, key=lambda f: _LEVEL_ORDER[f.level])
        return "; ".join(f.message for f in ordered)

    def marks(self, columns: Sequence[Column]) -> str:
        """One character per column, worst level first, for the sheet's colouring."""
        worst: dict[str, Level] = {}
        by_header = {c.header: c.key for c in columns}
        for f in self.findings:
            key = by_header.get(f.column or "")
            if key and (key not in worst or _LEVEL_ORDER[f.level] < _LEVEL_ORDER[worst[key]]):
                worst[key] = f.level
        return "".join(MARK_FOR_LEVEL[worst[c.key]] if c.key in worst else NO_MARK for c in columns)


@dataclass(slots=True)
class Report:
    profile: Profile
    settings: ProfileSettings
    header: HeaderMap
    rows: list[RowResult]
    file_findings: list[Finding]
    profile_from: str | None = None  # how the format was chosen: 'option', 'template' or 'headers'
    notes: list[str] = field(default_factory=list)  # about the whole file, not problems (how many export files)

    def findings(self) -> Iterable[Finding]:
        yield from self.file_findings
        for row in self.rows:
            yield from row.findings

    def total(self, level: Level) -> int:
        return sum(1 for f in self.findings() if f.level is level)

    @property
    def errors(self) -> int:
        return self.total(Level.ERROR)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile.id,
            "rows": len(self.rows),
            "errors": self.errors,
            "warnings": self.total(Level.WARNING),
            "fixed": self.total(Level.FIXED),
            "profile_from": self.profile_from,
            "settings": {"phone_region": self.settings.phone_region, "locale": self.settings.locale},
            # one entry per header that is none of the format's columns, with the column it most
            # likely is: what a column-mapping step can start from
            "unknown_columns": [u.as_dict() for u in self.header.unknown],
            "findings": [f.as_dict() for f in self.findings()],
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- cells and rows

def check_cell(column: Column, raw: Any, required: bool, ctx: Context, row: int) -> tuple[str, list[Finding]]:
    """One cell: its normalized text and its findings (errors, warnings, one combined fix)."""
    text = raw if type(raw) is str else to_text(raw)
    header = column.header
    bad = control_character(text) if text else None
    if bad is not None:
        return text, [Finding(Level.ERROR,
            f"{header}: contains the control character {describe_char(bad)}, which no import accepts; "
            "retype the value", header, row, column.shown(_printable(text)))]
    value = trim(text)
    if not value:
        if required:
            return "", [Finding(Level.ERROR, f"{header}: required, but the cell is empty", header, row, None)]
        return "", []
    if len(value) > column.max_length:
        return value, [Finding(Level.ERROR,
            f"{header}: is {len(value)} characters long; at most {column.max_length} are allowed",
            header, row, column.shown(value[:80]))]
    checked = column.check(value, raw, ctx)
    trimmed = value != text and type(raw) is str
    if not trimmed and not checked.problems:
        return checked.value, []  # the usual clean cell, without the bookkeeping below
    return checked.value, _check_findings(column, raw, checked, trimmed, row)


def _check_findings(column: Column, raw: Any, checked: Checked, trimmed: bool, row: int) -> list[Finding]:
    """A checked cell's problems as findings, its repairs (and trimming) combined into one."""
    header = column.header
    fixes = ["removed spaces around the value"] if trimmed else []
    findings: list[Finding] = []
    for level, message in checked.problems:
        if level is Level.FIXED:
            fixes.append(message)
        else:
            findings.append(Finding(level, f"{header}: {message}", header, row, column.shown(raw)))
    if fixes and not any(f.level is Level.ERROR for f in findings):
        if column.secret:  # the copy keeps the admin's own value; no output shows it
            findings.append(Finding(Level.FIXED, f"{header}: {'; '.join(fixes)}", header, row, column.shown(raw)))
        else:
            findings.append(Finding(Level.FIXED, f"{header}: {'; '.join(fixes)} (was {quote(to_text(raw))})",
                                    header, row, raw, checked.value))
    return findings


def _printable(text: str) -> str:
    return text.encode("unicode_escape", "backslashreplace").decode("ascii")[:80]


class _MappedColumn(NamedTuple):
    """What the row loop needs of one column the file has, looked up once per file."""

    index: int  # the cell's position in a row
    key: str
    column: Column
    check: Check  # the column's field check, called without Column.check's dispatch
    max_length: int
    required: bool
    known: dict[str | bool, str]  # clean texts (and booleans) already seen in this file -> value
    room: int  # how many entries known may hold: none for login and unique columns
    ignored: str | None  # the warning when the vendor ignores this column under these settings


def _mapped_columns(profile: Profile, positions: Sequence[tuple[int, Column]],
                    settings: ProfileSettings) -> list[_MappedColumn]:
    # Login and unique columns never repeat a value in a good file: remembering them is wasted work.
    unique = {*profile.login_key_columns, *profile.unique}
    return [_MappedColumn(
        index, column.key, column, CHECKS[column.kind], column.max_length, column.is_required(settings),
        {}, 0 if column.key in unique else _KNOWN_PER_COLUMN,
        f"{column.header}: {column.ignored_note}"
        if column.ignored_unless and not getattr(settings, column.ignored_unless) else None,
    ) for index, column in positions]


def _check_rows(profile: Profile, header: HeaderMap, settings: ProfileSettings, rows: list[Sequence[Any]],
                data_from: int, numbers: Sequence[int], progress: Callable[[int], None] | None = None,
                progress_every: int = 4096) -> list[RowResult]:
    """Every data row, blank rows skipped.

    A clean text cell, the usual case, is checked here directly: its text, the control-character
    guard, trimming, the length limit and the column's check, exactly as check_cell does them.
    Anything else (empty, trimmed, too long, not text, a problem found) goes through check_cell or
    its bookkeeping, so every finding is worded in one place. Clean texts (and Excel's TRUE and
    FALSE) are remembered per column: a file repeats a few values in most columns (y/n, IDs,
    countries), and a clean value gets the same result on every row.
    """
    mapped = _mapped_columns(profile, header.positions, settings)
    ctx = settings.context()
    rules = profile.row_rules
    by_key = profile.by_key
    line_width = None if header.has_header_row else len(profile.columns)  # positional lines: stray values
    results: list[RowResult] = []
    report_at = data_from + progress_every if progress is not None else -1
    for i in range(data_from, len(rows)):
        if i == report_at:  # a progress bar for long files; one comparison per row otherwise
            progress(i)
            report_at += progress_every
        cells = rows[i]
        row = numbers[i]
        width = len(cells)
        values: dict[str, str] = {}
        findings: list[Finding] = []
        for index, key, column, check, max_length, required, known, room, ignored in mapped:
            raw = cells[index] if index < width else None
            if type(raw) is str:
                value = known.get(raw)
                if value is None:
                    value = raw.strip(SPACES)
                    # strip gives the text itself back when there is nothing to trim (otherwise
                    # check_cell below does the same work, only slower)
                    if (value is raw and value and len(value) <= max_length
                            and search_control_or_surrogate(raw) is None):
                        checked = check(column, value, raw, ctx)
                        value, problems = checked
                        if problems:
                            findings.extend(_check_findings(column, raw, checked, False, row))
                        elif len(known) < room:
                            known[raw] = value
                    else:
                        value, cell_findings = check_cell(column, raw, required, ctx, row)
                        if cell_findings:
                            findings.extend(cell_findings)
                        elif len(known) < room:
                            known[raw] = value
            elif raw is None and not required:
                value = ""
            elif type(raw) is bool and raw in known:
                value = known[raw]  # Excel's own TRUE and FALSE, remembered like texts
            else:
                value, cell_findings = check_cell(column, raw, required, ctx, row)
                if cell_findings:
                    findings.extend(cell_findings)
                elif type(raw) is bool and room:
                    known[raw] = value
            values[key] = value
            if ignored is not None and value:
                findings.append(Finding(Level.WARNING, ignored, column.header, row, column.shown(raw)))
        if not any(values.values()) and all(is_blank(c) for c in cells):
            continue  # a blank row (every mapped value empty is rare, so this is seldom asked)
        if rules:
            failed = {f.column for f in findings if f.level is Level.ERROR} if findings else _NO_COLUMNS
            for rule in rules:
                for level, key, message in rule(values, settings):
                    column = by_key[key]
                    if level is Level.ERROR and column.header in failed:
                        continue  # the cell's own error already explains it
                    pointer = header.pointer(key) if key in header.suspects else ""
                    findings.append(Finding(level, f"{column.header}: {message}{pointer}", column.header, row,
                                            column.shown(values.get(key))))
        result = RowResult(row, values, findings)
        if line_width is not None and width > line_width:
            _too_many_values(profile, cells, result)
        results.append(result)
    return results


# --------------------------------------------------------------------------- whole files

def validate(profile: Profile, rows: Iterable[Sequence[Any]], *, start_row: int = 1,
             settings: Mapping[str, Any] | ProfileSettings | None = None,
             row_numbers: Sequence[int] | None = None, login_key_duplicates: bool = True,
             vendor_file: bool = False, progress: Callable[[int], None] | None = None,
             progress_every: int = 4096, hidden_rows: Collection[int] = ()) -> Report:
    """Validate a sheet region: the header row (absent in headerless files) and then the data rows.

    start_row is the sheet row number of the first row given; row_numbers, when given, are the
    sheet row numbers of every row given (for filtered or re-ordered ranges). With
    login_key_duplicates=False a repeated login key is not an error here: the import server
    reports such rows as duplicates itself (the first one is imported). vendor_file says the
    rows are the very file the vendor receives, so the vendor's limit of users per file is an
    error; rows meant for rosterbook only get a note of how many files its export will make.
    progress, when given, is called with the count of rows checked every progress_every rows.
    hidden_rows: the sheet rows the admin cannot see (hidden or filtered out), named as such
    where another row's finding points at them.
    """
    with collector_paused():
        return _validate(profile, rows if isinstance(rows, list) else list(rows), start_row, settings,
                         row_numbers, login_key_duplicates, vendor_file, progress, progress_every, hidden_rows)


def _validate(profile: Profile, rows: list[Sequence[Any]], start_row: int, settings: Any,
              row_numbers: Sequence[int] | None, login_key_duplicates: bool, vendor_file: bool,
              progress: Callable[[int], None] | None = None, progress_every: int = 4096,
              hidden_rows: Collection[int] = ()) -> Report:
    file_findings: list[Finding] = []
    settings_obj = _settings(profile, settings, file_findings)
    numbers = row_numbers if row_numbers is not None else range(start_row, start_row + len(rows))

    first = rows[0] if rows else []
    if profile.headerless and not looks_like_header(profile, first):
        header, data_from = positional_header(profile), 0
    else:
        header, data_from = map_header(profile, first, numbers[0] if rows else start_row, settings_obj), 1
    file_findings.extend(header.findings)

    results = _check_rows(profile, header, settings_obj, rows, data_from, numbers, progress, progress_every)
    notes: list[str] = []
    _check_row_limit(profile, results, file_findings if vendor_file else None, notes)
    _check_duplicates(profile, results, login_key_duplicates, hidden_rows)
    return Report(profile, settings_obj, header, results, file_findings, notes=notes)


def validate_records(profile: Profile, records: Sequence[Mapping[str, Any]], *,
                     row_numbers: Sequence[int] | None = None,
                     settings: Mapping[str, Any] | ProfileSettings | None = None,
                     login_key_duplicates: bool = True) -> Report:
    """Validate rows given as {header: value} objects (the import API's form)."""
    spelling: dict[str, str] = {}  # header token -> the first spelling seen
    token_of: dict[str, str] = {}  # each key as sent -> its token (10,000s of records repeat a few keys)
    for record in records:
        for key in record:
            if key not in token_of:
                token = token_of[key] = header_token(key)
                spelling.setdefault(token, key)
    tokens = list(spelling)
    position = {t: i for i, t in enumerate(tokens)}
    index_of = {key: position[token] for key, token in token_of.items()}
    width = len(tokens)
    table: list[list[Any]] = [[spelling[t] for t in tokens]]
    for record in records:
        row: list[Any] = [None] * width
        for key, value in record.items():  # a later spelling of the same column wins, as it always did
            row[index_of[key]] = value
        table.append(row)
    numbers = [0, *row_numbers] if row_numbers is not None else [0, *range(1, len(records) + 1)]
    if profile.headerless:
        profile = profile.model_copy(update={"headerless": False})
    return validate(profile, table, settings=settings, row_numbers=numbers,
                    login_key_duplicates=login_key_duplicates)


def _settings(profile: Profile, settings: Any, findings: list[Finding]) -> ProfileSettings:
    if isinstance(settings, ProfileSettings):
        return settings
    try:
        return profile.settings(settings)
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"])
            findings.append(Finding(Level.ERROR, f"Setting {quote(name)}: {error['msg']}; fix it in the settings"))
        return profile.settings()


def _too_many_values(profile: Profile, cells: Sequence[Any], result: RowResult) -> None:
    extra = [c for c in cells[len(profile.columns):] if not is_blank(c)]
    if extra:
        result.findings.append(Finding(Level.ERROR,
            f"This line has {len(profile.columns) + len(extra)} values; a {profile.title} line takes at most "
            f"{len(profile.columns)} (check for a stray comma)", None, result.row, to_text(extra[0])))


def _check_row_limit(profile: Profile, results: list[RowResult], findings: list[Finding] | None,
                     notes: list[str]) -> None:
    """The vendor's limit of users per file: an error in the vendor's own file (FINDINGS), and
    otherwise a note of how many files rosterbook's export will make."""
    limit = profile.max_rows
    if limit is None or len(results) <= limit:
        return
    if findings is not None:
        findings.append(Finding(Level.ERROR,
            f"This file has {len(results)} users; {profile.title} accepts at most {limit} "
            f"per file. Split it into files of {limit} rows or fewer"))
        return
    files = export_files(profile, len(results))
    notes.append(f"These {len(results):,} users are more than the {limit} {profile.title} takes per file: "
                 f"rosterbook's export of them will be {files} files of at most {limit} users each (a ZIP), "
                 "to upload one after the other.")


def export_files(profile: Profile, users: int) -> int:
    """How many vendor files an export of USERS users makes."""
    return max(1, -(-users // profile.max_rows)) if profile.max_rows else 1


def _check_duplicates(profile: Profile, results: list[RowResult], login_keys: bool = True,
                      hidden: Collection[int] = ()) -> None:
    # Most values occur once: remember the first row per value, and make a list only on a repeat.
    first: dict[tuple[str, str], RowResult] = {}
    repeated: dict[tuple[str, str], list[RowResult]] = {}
    login_key, unique = profile.login_key, profile.unique
    logins: set[tuple[str, str]] = set()
    for result in results:
        values = result.values
        found = login_key(values)
        if found and login_keys:
            earlier = first.setdefault(found, result)
            if earlier is not result:
                _repeat(repeated, found, earlier, result)
        elif found:
            if found in logins:
                continue  # the same user again: the caller reports the whole row as a duplicate
            logins.add(found)
        for key in unique:
            value = values.get(key)
            if value:
                group = (key, folded(value))
                if group != found:
                    earlier = first.setdefault(group, result)
                    if earlier is not result:
                        _repeat(repeated, group, earlier, result)
    for group in first:  # in the order the values first appear, as people read the file
        members = repeated.get(group)
        if members is None:
            continue
        key = group[0]
        column = profile.by_key[key]
        for member in members:
            rows_text = _other_rows(members, member, hidden)
            value = member.values.get(key, "")
            member.findings.append(Finding(Level.ERROR,
                f"{column.header}: {quote(value)} is also in {rows_text}; each user must appear only once",
                column.header, member.row, column.shown(value)))


def _repeat(repeated: dict[tuple[str, str], list[RowResult]], group: tuple[str, str],
            earlier: RowResult, result: RowResult) -> None:
    members = repeated.get(group)
    if members is None:
        repeated[group] = [earlier, result]
    else:
        members.append(result)


MAX_ROWS_NAMED = 10  # a value pasted down a whole sheet must not make messages grow with the square


def _other_rows(members: list[RowResult], member: RowResult, hidden: Collection[int] = ()) -> str:
    """'row 7', 'rows 3, 9' or 'rows 3, 4, ... and 95 more': the other rows holding the same value
    ('row 7 (hidden)' for one the admin cannot see)."""
    others = [m.row for m in members[:MAX_ROWS_NAMED + 1] if m is not member][:MAX_ROWS_NAMED]
    more = len(members) - 1 - len(others)
    named = [f"{n} (hidden)" if n in hidden else str(n) for n in others]
    if len(others) == 1 and not more:
        return f"row {named[0]}"
    text = "rows " + ", ".join(named)
    return f"{text} and {more} more" if more else text
