"""Fixtures for the in-sheet macros: a workbook model, the VBA client's payload, Remote.bas's actions.

WorkbookModel holds a real template (built by addin.template and read back with openpyxl: its
sheets, column number formats and conditional formats) with rows filled in as Excel stores them.
payload_json() writes what xlwings' Remote.bas (pinned 0.37.8) sends: every worksheet's values
from A1 to the end of its used range, EXCLUDE'd sheets as [[]], VBA-JSON's encoding (dates as
ISO text with .000Z, whole numbers without decimals, 16-100 character digit strings bare).
apply_actions() does what Remote.bas's Subs do with the answer, including the two traps: setValues
reads every string as an ISO date when WebHelpers.ParseIso can, and assigns Range.Value, so Excel
turns a number-looking string into a number unless the cell is formatted as Text ('@').
Cell colours come from the template's conditional formats keyed on the Marks column.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings registers its remote engine on import

import pytest  # noqa: E402
import xlwings  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from openpyxl.utils import column_index_from_string, range_boundaries  # noqa: E402

from addin.rules.columns import Profile  # noqa: E402
from addin.template.builder import build_template_bytes  # noqa: E402

if not any(engine.name == "remote" for engine in xlwings.engines):
    # xlwings was imported (by another plugin) before the key was set: register the engine as
    # xlwings' own __init__ does when the key is there.
    from xlwings.pro import _xlremote as _remote_engine  # noqa: E402

    xlwings.engines.add(xlwings.main.Engine(impl=_remote_engine.engine))

REMOTE_BAS = Path(xlwings.__file__).resolve().parent / "addin" / "Remote.bas"
PINNED_XLWINGS = "0.37.8"
RED, AMBER = "FFC7CE", "FFEB9C"


def remote_actions() -> set[str]:
    """The action names Remote.bas can apply: one `Sub NAME(wb As Workbook, action As Dictionary)` each."""
    text = REMOTE_BAS.read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.MULTILINE))


# --------------------------------------------------------------------------- VBA and Excel behaviour

_VBA_NUMBER = re.compile(r"^\s*[+-]?\s*(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def vba_cint(text: str) -> int:
    """VBA's CInt on a string: a number, rounded half to even, within Integer's range; else an error."""
    if not _VBA_NUMBER.match(text):
        raise ValueError(f"type mismatch: {text!r}")
    value = round(float(text.replace(",", "").replace(" ", "")))
    if not -32768 <= value <= 32767:
        raise OverflowError(text)
    return value


def vba_dateserial(year: int, month: int, day: int) -> dt.datetime:
    if 0 <= year <= 29:
        year += 2000
    elif 30 <= year <= 99:
        year += 1900
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    if not 100 <= year <= 9999:
        raise ValueError("date out of range")
    return dt.datetime(year, month, 1) + dt.timedelta(days=day - 1)


def parse_iso(text: str) -> dt.datetime:
    """WebHelpers.ParseIso as Remote.bas's setValues calls it; raises where VBA raises."""
    parts = text.split("T")
    date_parts = parts[0].split("-")
    if len(date_parts) < 3:
        raise IndexError("subscript out of range")
    result = vba_dateserial(vba_cint(date_parts[0]), vba_cint(date_parts[1]), vba_cint(date_parts[2]))
    if len(parts) > 1:
        time_text = re.split(r"[Z+-]", parts[1])[0]
        pieces = [vba_cint(p) if i < 2 else int(float(p or 0)) for i, p in enumerate(time_text.split(":"))]
        pieces += [0] * (3 - len(pieces))
        result += dt.timedelta(hours=pieces[0], minutes=pieces[1], seconds=pieces[2])
    return result


_EXCEL_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*%?\s*$")


def excel_reads(text: str) -> Any:
    """What a General-formatted cell holds after Range.Value = text."""
    if text.startswith("'"):
        return text[1:]
    if _EXCEL_NUMBER.match(text):
        number = float(text.strip().rstrip("%"))
        return number / 100 if text.strip().endswith("%") else number
    if text.strip().upper() in ("TRUE", "FALSE"):
        return text.strip().upper() == "TRUE"
    return text


def vba_json(value: Any) -> str:
    """One cell as VBA-JSON's ConvertToJson writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        if not isinstance(value, dt.datetime):
            value = dt.datetime(value.year, value.month, value.day)
        return value.strftime("\"%Y-%m-%dT%H:%M:%S.000Z\"")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(float(value)).upper()
    if isinstance(value, str):
        if 16 <= len(value) <= 100 and all(c in ".0123456789Ee" for c in value):
            return value  # json_StringIsLargeNumber: written bare
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(type(value))


# --------------------------------------------------------------------------- the workbook model

@dataclass
class MarkRule:
    column: int  # 1-based sheet column coloured
    first_row: int
    last_row: int
    marks_column: int
    position: int  # 1-based character in Marks
    mark: str
    colour: str


@dataclass
class SheetModel:
    name: str
    hidden: bool = False
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    column_formats: dict[int, str] = field(default_factory=dict)
    rules: list[MarkRule] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)

    def get(self, row: int, column: int) -> Any:
        return self.cells.get((row, column))

    def put(self, row: int, column: int, value: Any) -> None:
        if value is None or value == "":
            self.cells.pop((row, column), None)
        else:
            self.cells[(row, column)] = value

    def number_format(self, row: int, column: int) -> str:
        return self.cell_formats.get((row, column)) or self.column_formats.get(column, "General")

    def extent(self) -> tuple[int, int]:
        """Last row and column of the used range (values and cell-level formats count)."""
        keys = list(self.cells) + list(self.cell_formats)
        if not keys:
            return 0, 0
        return max(r for r, _ in keys), max(c for _, c in keys)

    def fill(self, row: int, column: int) -> str | None:
        """The colour conditional formatting gives the cell, or None."""
        if not hasattr(self, "_rules_by_column"):
            self._rules_by_column: dict[int, list[MarkRule]] = {}
            for rule in self.rules:
                self._rules_by_column.setdefault(rule.column, []).append(rule)
        for rule in self._rules_by_column.get(column, ()):
            if rule.first_row <= row <= rule.last_row:
                marks = self.get(row, rule.marks_column)
                marks = marks if isinstance(marks, str) else ""
                if marks[rule.position - 1:rule.position] == rule.mark:
                    return rule.colour
        return None

    def row_values(self, row: int, columns: int) -> list[Any]:
        return [self.get(row, c) for c in range(1, columns + 1)]

    def values_payload(self, excluded: bool) -> list[list[Any]]:
        rows, columns = self.extent()
        if excluded or rows == 0:
            return [[]]
        return [[self.get(r, c) for c in range(1, columns + 1)] for r in range(1, rows + 1)]


@dataclass
class WorkbookModel:
    name: str
    sheets: list[SheetModel]
    active: int = 0
    alerts: list[dict[str, str]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)

    def sheet(self, name: str) -> SheetModel:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def config(self, key: str) -> str:
        """xlwings' GetConfig from the xlwings.conf sheet (keys compared upper-cased)."""
        try:
            conf = self.sheet("xlwings.conf")
        except KeyError:
            return ""
        for (row, column), value in conf.cells.items():
            if column == 1 and str(value).upper() == key.upper():
                return str(conf.get(row, 2) or "")
        return ""

    def set_config(self, key: str, value: str) -> None:
        conf = self.sheet("xlwings.conf")
        for (row, column), existing in list(conf.cells.items()):
            if column == 1 and existing == key:
                conf.put(row, 2, value)
                return
        row = conf.extent()[0] + 1
        conf.put(row, 1, key)
        conf.put(row, 2, value)

    # ---- what Remote.bas sends

    def payload_json(self) -> str:
        exclude = [s.strip() for s in self.config("EXCLUDE").split(",") if s.strip()]
        sheets = []
        for sheet in self.sheets:
            rows = sheet.values_payload(sheet.name in exclude)
            values = "[" + ",".join("[" + ",".join(vba_json(v) for v in row) + "]" for row in rows) + "]"
            tables = json.dumps(sheet.tables if sheet.name not in exclude else [])
            sheets.append(f'{{"name":{json.dumps(sheet.name)},"pictures":[],"tables":{tables},"values":{values}}}')
        book = {"name": self.name, "active_sheet_index": self.active, "selection": "A3"}
        return (f'{{"client":"VBA","version":{json.dumps(PINNED_XLWINGS)},"book":{json.dumps(book)},'
                f'"names":[],"sheets":[{",".join(sheets)}]}}')

    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json())

    # ---- what Remote.bas does with the answer

    def apply_actions(self, answer: Mapping[str, Any]) -> None:
        implemented = remote_actions()
        for action in answer["actions"]:
            func = action["func"]
            assert func in implemented, f"Remote.bas has no Sub {func}"
            getattr(self, f"_do_{func}")(action)
            self.applied.append(func)

    def _cells(self, action) -> tuple[SheetModel, int, int, int, int]:
        sheet = self.sheets[action["sheet_position"]]
        row, column = action["start_row"] + 1, action["start_column"] + 1
        return sheet, row, column, action["row_count"], action["column_count"]

    def _do_setValues(self, action) -> None:
        sheet, row, column, _, _ = self._cells(action)
        for i, values in enumerate(action["values"]):
            for j, value in enumerate(values):
                r, c = row + i, column + j
                if isinstance(value, str) and value != "":
                    try:
                        value = parse_iso(value)
                    except (ValueError, IndexError, OverflowError):
                        if sheet.number_format(r, c) != "@":
                            value = excel_reads(value)
                sheet.put(r, c, value)

    def _do_setNumberFormat(self, action) -> None:
        sheet, row, column, rows, columns = self._cells(action)
        for r in range(row, row + rows):
            for c in range(column, column + columns):
                sheet.cell_formats[(r, c)] = action["args"][0]

    def _do_rangeClearContents(self, action) -> None:
        sheet, row, column, rows, columns = self._cells(action)
        for r in range(row, row + rows):
            for c in range(column, column + columns):
                sheet.put(r, c, None)

    def _do_alert(self, action) -> None:
        prompt, title, buttons, mode, callback = action["args"]
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})

    # ---- building one from a template

    @classmethod
    def from_template(cls, profile: Profile, rows: Sequence[Mapping[str, Any] | Sequence[Any]] = (), *,
                      mode: str = "server", server_url: str = "http://127.0.0.1:5000") -> WorkbookModel:
        data = build_template_bytes(profile, mode=mode, server_url=server_url)
        book = load_workbook(io.BytesIO(data), keep_vba=True)
        sheets = []
        for ws in book.worksheets:
            sheet = SheetModel(ws.title, hidden=ws.sheet_state != "visible")
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        sheet.put(cell.row, cell.column, cell.value)
            for dimension in ws.column_dimensions.values():
                if dimension.number_format and dimension.number_format != "General":
                    for column in range(dimension.min, dimension.max + 1):
                        sheet.column_formats[column] = dimension.number_format
            sheet.rules = _mark_rules(ws)
            sheet.tables = [_table_payload(ws.title, t.name, t.ref) for t in ws.tables.values()]
            sheets.append(sheet)
        model = cls(f"{profile.id}.xlsm", sheets, active=0)
        model.fill_rows(profile, rows)
        return model

    def fill_rows(self, profile: Profile, rows: Sequence[Mapping[str, Any] | Sequence[Any]], first_row: int = 3) -> None:
        """Rows typed into the Users sheet from row 3, by header or in profile column order."""
        users = self.sheet("Users")
        for offset, row in enumerate(rows):
            if isinstance(row, Mapping):
                row = [row.get(c.header) for c in profile.columns]
            for index, value in enumerate(row):
                users.put(first_row + offset, index + 1, value)
        last = max(first_row + len(rows) - 1, 3)
        for table in users.tables:
            start, _, end = table["range_address"].replace("$", "").partition(":")
            end_column = re.match(r"[A-Z]+", end).group()
            table.update(_table_payload("Users", table["name"], f"{start}:{end_column}{last}"))

    def users_rows(self) -> range:
        return range(3, self.sheet("Users").extent()[0] + 1)


def _table_payload(sheet: str, name: str, ref: str) -> dict[str, Any]:
    min_col, min_row, max_col, max_row = range_boundaries(ref)

    def address(r1, c1, r2, c2):
        from openpyxl.utils import get_column_letter as letter
        return f"${letter(c1)}${r1}:${letter(c2)}${r2}"

    return {"name": name, "range_address": address(min_row, min_col, max_row, max_col),
            "header_row_range_address": address(min_row, min_col, min_row, max_col),
            "data_body_range_address": address(min_row + 1, min_col, max_row, max_col),
            "total_row_range_address": None, "show_headers": True, "show_totals": False,
            "table_style": "TableStyleMedium2", "show_autofilter": True}


_MID = re.compile(r'^MID\(\$([A-Z]+)(\d+),(\d+),1\)="(\w)"$')


def _mark_rules(ws) -> list[MarkRule]:
    rules = []
    for formatting in ws.conditional_formatting:
        for rule in formatting.rules:
            match = _MID.match(rule.formula[0]) if rule.formula else None
            if not match:
                continue
            colour = (rule.dxf.fill.bgColor.rgb or "")[-6:] if rule.dxf and rule.dxf.fill else ""
            for ref in str(formatting.sqref).split():
                min_col, min_row, max_col, max_row = range_boundaries(ref)
                for column in range(min_col, max_col + 1):
                    rules.append(MarkRule(column, min_row, max_row, column_index_from_string(match.group(1)),
                                          int(match.group(3)), match.group(4), colour))
    return rules


# --------------------------------------------------------------------------- counting engine calls

@contextmanager
def engine_calls() -> Iterator[Counter]:
    """Count what reaches xlwings' engine: value reads, and each write (one action per call).

    The remote engine is the one that runs here; in Excel (RunPython) each of these is one
    call into Excel as well."""
    from xlwings.pro import _xlremote

    counts: Counter = Counter()
    raw_value = _xlremote.Range.raw_value
    append = _xlremote.Book.append_json_action

    def counted_read(self):
        counts["reads"] += 1
        return raw_value.fget(self)

    def counted_append(self, **kwargs):
        counts["writes"] += 1
        counts[kwargs.get("func")] += 1
        return append(self, **kwargs)

    _xlremote.Range.raw_value = property(counted_read, raw_value.fset)
    _xlremote.Book.append_json_action = counted_append
    try:
        yield counts
    finally:
        _xlremote.Range.raw_value = raw_value
        _xlremote.Book.append_json_action = append


# --------------------------------------------------------------------------- fixtures

@pytest.fixture
def remote_book():
    """xw.Book(json=...) for a WorkbookModel, closed afterwards (the remote engine keeps books)."""
    opened = []

    def open_book(model: WorkbookModel):
        book = xlwings.Book(json=model.payload())
        opened.append(book)
        return book

    yield open_book
    for book in opened:
        try:
            book.close()
        except Exception:
            pass


def users_text(model: WorkbookModel, row: int, header: str) -> Any:
    """The Users sheet's cell under HEADER (found in row 2) in ROW."""
    users = model.sheet("Users")
    for column in range(1, users.extent()[1] + 1):
        if users.get(2, column) == header:
            return users.get(row, column)
    raise KeyError(header)


def header_column(model: WorkbookModel, header: str) -> int:
    users = model.sheet("Users")
    for column in range(1, users.extent()[1] + 1):
        if users.get(2, column) == header:
            return column
    raise KeyError(header)



# --------------------------------------------------------------------------- generated rosters

ERROR_SPOILERS = (  # (header, spoil) for cells Validate must mark red
    ("Username", lambda v: v + " x"),
    ("Email", lambda v: v.split("@")[0] + "@"),
    ("Admin?", lambda v: "maybe"),
)


def control_panel_rows(count: int, *, errors: int = 0, repairs: int = 0, seed: int = 7,
                       prefix: str = "user") -> list[dict[str, Any]]:
    """Control Panel rows as Excel holds them: `errors` scattered cells with an error, `repairs`
    phones Excel turned into numbers (Validate restores the '+'), everything else valid."""
    import random

    rnd = random.Random(seed)
    rows = [{"Username": f"{prefix}{i}", "Password": f"Pw-{i:05d}", "Firstname": "Ana", "Lastname": "Lee",
             "Admin?": "FALSE", "Email": f"{prefix}{i}@example.com", "Phone": "+14085550100",
             "Enabled?": "TRUE"} for i in range(count)]
    cells = [(r, k) for r in range(count) for k in range(len(ERROR_SPOILERS))]
    for r, k in rnd.sample(cells, errors):
        header, spoil = ERROR_SPOILERS[k]
        rows[r][header] = spoil(rows[r][header])
    for r in rnd.sample(range(count), repairs):
        rows[r]["Phone"] = float(14085550100 + r)  # typed +1408... into a General cell
    return rows


# --------------------------------------------------------------------------- pressing the buttons

def authorization(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}  # what Rosterbook.bas passes as RunRemotePython's auth


@pytest.fixture
def press(client, api_token):
    """Server mode: post the model as Remote.bas does, apply the answer's actions to it."""

    def press_button(model: WorkbookModel, button: str = "validate", token: str | None = None) -> dict[str, Any]:
        response = client.post(f"/xlwings/{button}", data=model.payload_json().encode("utf-8"),
                               content_type="application/json", headers=authorization(token or api_token))
        assert response.status_code == 200, response.data[:500]
        answer = response.get_json()
        model.apply_actions(answer)
        return answer

    return press_button


def run_local(model: WorkbookModel, macro, **kwargs) -> Counter:
    """Local mode: the macro on the book xlwings builds from the model, counting engine calls;
    the book's actions are then applied to the model."""
    book = xlwings.Book(json=model.payload())
    try:
        with engine_calls() as counts:
            macro(book, **kwargs)
        model.apply_actions(book.json())
    finally:
        book.close()
    return counts


def grid(model: WorkbookModel, profile: Profile, rows: Sequence[int] | None = None,
         sheet: str = "Users") -> dict[int, dict[str, Any]]:
    """Row -> {header: value} for every column headed in row 2 (the template's header row)."""
    users = model.sheet(sheet)
    columns = {users.get(2, c): c for c in range(1, users.extent()[1] + 1) if users.get(2, c)}
    return {r: {h: users.get(r, c) for h, c in columns.items()} for r in (rows or range(3, users.extent()[0] + 1))}


def colours(model: WorkbookModel, profile: Profile, rows: Sequence[int] | None = None) -> dict[tuple[int, str], str]:
    """(row, header) -> colour for every coloured cell of the profile's columns."""
    users = model.sheet("Users")
    found = {}
    for r in rows or model.users_rows():
        for column in range(1, len(profile.columns) + 1):
            colour = users.fill(r, column)
            if colour:
                found[(r, users.get(2, column))] = colour
    return found
