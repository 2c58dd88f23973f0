"""Request and response bodies of the JSON API (pydantic v2).

The routes validate and serialise with these models, and /api/v1/openapi.json is generated
from them, so the published schema cannot drift from what the server does.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from itertools import chain
from typing import Annotated, Any, Literal

from typing_extensions import NotRequired, TypedDict  # pydantic needs this one before Python 3.12

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, WrapValidator, field_validator, model_validator

from addin.profiles import all_profiles
from addin.rules.settings import ON_EXISTING

from .limits import too_many_rows

Status = Literal["accepted", "rejected", "duplicate", "conflict"]
EXPORT_FILES = "How many files the batch's vendor export makes: " + "; ".join(
    f"{p.title} takes at most {p.max_rows} users per file, so more are exported as a ZIP of such files"
    for p in all_profiles().values() if p.max_rows)
OnExisting = Literal[ON_EXISTING]  # type: ignore[valid-type]


# What Excel hands over for one cell. Dates come as ISO text.
CellValue = str | int | Annotated[float, Field(allow_inf_nan=False)] | bool | None
SettingValue = str | int | float | bool | None | list[str]
_CELL_TYPES = frozenset({str, bool, int, float, type(None)})


def _rows(value: Any, handler, info: ValidationInfo):
    """All rows (a batch can hold 10,000 rows of 30 cells): the shape, every cell's type, and
    text that cannot be stored. The rows are returned as they came: JSON already gave them the
    right types, so pydantic's per-cell validation would only copy them."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError('rows must be a list of objects, one per row: [{"<column header>": <cell value>, ...}]')
    if not value:
        raise ValueError("rows is empty: send at least one row")
    context = info.context or {}
    text_is_clean = context.get("text_is_clean", False)
    # The types of every cell and header at once, in C loops; row by row only to name the bad row.
    cells = set(map(type, chain.from_iterable(map(dict.values, value))))
    # JSON text gives only text headers; other callers' headers are checked
    headers = {str} if context.get("parsed_json") else set(map(type, chain.from_iterable(value)))
    finite = (float not in cells or context.get("numbers_are_finite", False)
              or all(math.isfinite(v) for row in value for v in row.values() if type(v) is float))
    if text_is_clean and _CELL_TYPES.issuperset(cells) and headers <= {str} and finite:
        return value
    for index, row in enumerate(value, start=1):
        _explain_types(index, row)
        if not text_is_clean:
            for header, cell in row.items():
                _clean_text(header, f"row {index}: a column header")
                if type(cell) is str:
                    _clean_text(cell, f"row {index}, column {header!r}")
    return value


def _explain_types(index: int, row: dict) -> None:
    for header, cell in row.items():
        if type(header) is not str:
            raise ValueError(f"row {index}: column headers must be text")
        if type(cell) not in _CELL_TYPES or (type(cell) is float and not math.isfinite(cell)):
            raise ValueError(f"row {index}, column {header!r}: a cell holds text, a number, true/false or "
                             f"null, not {_kind(cell)}")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, float):
        return "an infinite number"
    return type(value).__name__


def may_hold_unstorable_text(json_text: str) -> bool:
    """Whether parsed JSON text can hold NUL or a lone surrogate: only through a \\u escape
    (raw NUL is invalid JSON, and valid UTF-8 has no surrogates)."""
    return _RISKY_ESCAPE.search(json_text) is not None


_RISKY_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def _clean_text(text: str, where: str) -> None:
    """NUL and lone surrogates (broken unicode) cannot be stored; reject the request instead."""
    if "\x00" in text:
        raise ValueError(f"{where} contains a NUL character (\\u0000); remove it and send again")
    if not text.isascii() and _SURROGATE.search(text):
        raise ValueError(f"{where} contains broken unicode (a lone surrogate); retype the value")


_SURROGATE = re.compile("[\ud800-\udfff]")


class ImportSource(BaseModel):
    """Where the rows come from; all optional."""

    model_config = ConfigDict(extra="forbid")

    workbook: str | None = Field(None, max_length=255, description="The workbook's file name")
    template_version: str | None = Field(None, max_length=50, description="The rosterbook template version")
    row_numbers: list[Annotated[int, Field(ge=1, le=10_000_000)]] | None = Field(
        None, description="The sheet row number of every row, in order; answers refer to rows by these numbers")

    @field_validator("workbook", "template_version")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _clean_text(value, f"source.{info.field_name}")
        return value


class ImportRequest(BaseModel):
    """POST /api/v1/imports: the rows of one batch, keyed by column header."""

    model_config = ConfigDict(extra="forbid")

    profile: str = Field(description="The target format", json_schema_extra={"enum": list(all_profiles())})
    rows: Annotated[list[dict[str, CellValue]], WrapValidator(_rows)] = Field(
        min_length=1, description="One object per row: column header -> cell value")
    source: ImportSource | None = None
    settings: dict[str, SettingValue] | None = Field(
        None, description="The template's settings for this profile (see GET /api/v1/profiles)")
    on_existing: OnExisting = Field(
        "skip", description="A row whose user is already stored with other values: skip reports it as a conflict "
                            "with the differences; replace stores it as the user's new version (the earlier one is "
                            "kept in the history). Rows with the same values are duplicates either way.")

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        if value not in all_profiles():
            shown = value if len(value) <= 50 else value[:50] + "..."
            raise ValueError(f"unknown profile {shown!r}: choose one of {', '.join(all_profiles())}")
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ImportRequest:
        limit = (info.context or {}).get("max_batch_rows")
        problem = too_many_rows(len(self.rows), limit) if limit is not None else None
        if problem:
            raise ValueError(f"this batch has {problem}")
        numbers = self.source.row_numbers if self.source else None
        if numbers is not None:
            if len(numbers) != len(self.rows):
                raise ValueError(f"source.row_numbers has {len(numbers)} numbers for {len(self.rows)} rows: "
                                 "give one sheet row number per row")
            if len(set(numbers)) != len(numbers):
                raise ValueError("source.row_numbers repeats a row number: each row needs its own")
        return self

    @field_validator("settings", mode="before")
    @classmethod
    def _clean_settings(cls, value: Any) -> Any:
        """Before the types: a name with broken unicode must not reach an error message (pydantic
        cannot carry a lone surrogate and would fail on it), and is refused like text anywhere else."""
        if isinstance(value, dict):
            for name, setting in value.items():
                if isinstance(name, str):
                    _clean_text(name, "a settings name")
                for text in setting if isinstance(setting, list) else [setting]:
                    if isinstance(text, str):
                        _clean_text(text, f"settings.{name}")
        return value


class RowError(TypedDict):
    column: Annotated[str | None, Field(description="The column header as the profile names it; null for the whole row")]
    message: str


class RowOutcome(TypedDict):
    """Plain dicts, not models: an answer can hold tens of thousands of them."""

    row: Annotated[int, Field(description="The sheet row number (source.row_numbers), else the 1-based position")]
    status: Status
    id: Annotated[int | None, Field(description="The stored row: this row when accepted, the stored user's row when "
                                                "duplicate or conflict")]
    errors: list[RowError]
    notes: Annotated[list[RowError], Field(description="What an accepted row did besides being imported, e.g. the "
                                                       "differences a new version of a stored user made")]


class BatchResult(BaseModel):
    """The answer to an import: a result for every row submitted, in order."""

    batch_id: int
    accepted: int
    rejected: int
    duplicates: int
    conflicts: int = Field(description="Rows whose user is stored with other values, not imported (on_existing=skip)")
    export_files: int = Field(1, description=EXPORT_FILES)
    rows: list[RowOutcome]


class BatchSummary(BaseModel):
    batch_id: int
    profile: str
    submitted_by: str
    created_at: dt.datetime
    accepted: int
    rejected: int
    duplicates: int
    conflicts: int
    withdrawn: int = Field(0, description="Accepted rows withdrawn since (their users can be imported again, "
                                          "unless a later import holds them)")
    withdrawn_at: dt.datetime | None = Field(None, description="When the whole batch was withdrawn")
    withdrawn_by: str | None = Field(None, description="Who withdrew the whole batch")
    source: dict[str, Any]
    passwords_until: dt.datetime | None = Field(
        None, description="While the batch's passwords are kept (encrypted) for its export: when they are erased")
    passwords_erased_at: dt.datetime | None = Field(None, description="When the batch's passwords were erased")
    export_files: int = Field(1, description=EXPORT_FILES)


class StoredRowOutcome(RowOutcome):
    """A row as stored now: its answer, and when it was withdrawn, who withdrew it (only then)."""

    withdrawn_at: NotRequired[dt.datetime]
    withdrawn_by: NotRequired[str]


class BatchDetail(BatchSummary):
    rows: list[StoredRowOutcome]


class UserVersion(BaseModel):
    id: int = Field(description="The stored row")
    batch_id: int
    row: int = Field(description="Its sheet row in that batch")
    at: dt.datetime = Field(description="When it was imported")
    by: str = Field(description="Who imported it")
    current: bool = Field(description="Whether this is the user's stored version now")
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    values: dict[str, str] = Field(description="Its filled values by column key (never a password)")
    changes: list[RowError] = Field(description="What differs from the version before")


class UserHistory(BaseModel):
    profile: str
    user: str = Field(description="The login key, as stored (case-folded)")
    current: bool = Field(description="Whether the user is stored now (not withdrawn)")
    versions: list[UserVersion] = Field(description="Oldest first")


class BatchPage(BaseModel):
    items: list[BatchSummary]
    page: int
    per_page: int
    total: int


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=1_000_000)
    per_page: int = Field(50, ge=1, le=200)
    profile: str | None = Field(None, max_length=50, description="Only batches of this profile")


class ColumnInfo(BaseModel):
    key: str
    header: str
    kind: str
    required: bool
    required_unless: str | None
    aliases: list[str]
    max_length: int
    pattern: str | None
    choices: list[str]
    true_value: str | None
    false_value: str | None
    secret: bool
    example: str
    description: str


class ProfileInfo(BaseModel):
    id: str
    title: str
    vendor: str
    summary: str
    headerless: bool
    max_rows: int | None
    login_key_columns: list[str]
    unique: list[str]
    columns: list[ColumnInfo]
    settings: dict[str, Any] = Field(description="JSON schema of the profile's settings")
    notes: list[str]


class ProfileList(BaseModel):
    profiles: list[ProfileInfo]


class ErrorDetail(BaseModel):
    location: str | None = Field(description="Where in the request, e.g. rows.3.Email; null for the whole request")
    message: str


class ErrorBody(BaseModel):
    error: str = Field(description="A short machine-readable code, e.g. invalid_body")
    message: str = Field(description="What is wrong and what to do, for people")
    details: list[ErrorDetail] = []
