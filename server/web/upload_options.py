"""What the admin chose on the upload page about checking a file: its format, the phone region,
how to read it (sheet, header row, encoding, hidden rows) and, after the mapping step, which
file column is which. Read from the form once, checked, and kept with the upload (JSON) so the
mapping step and the import use the same choices.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from pydantic import ValidationError

from addin.files.encodings import EncodingOptionError, named
from addin.files.readers import ReadOptions
from addin.profiles import UnknownProfile, get_profile
from addin.rules.columns import ProfileSettings

MAX_SHEET_NAME = 31  # Excel's limit


class OptionProblem(ValueError):
    """A choice on the form rosterbook cannot use; the message says which and why."""


@dataclass(frozen=True)
class UploadOptions:
    profile: str | None = None
    region: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None  # a Python codec (encodings.named)
    skip_hidden: bool = False
    mapping: tuple[tuple[int, str | None], ...] | None = None  # (header cell index, column key or None)

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> UploadOptions:
        profile = (form.get("profile") or "").strip() or None
        if profile:
            try:
                profile = get_profile(profile).id  # any case, as on the command line
            except UnknownProfile:
                raise OptionProblem(f"There is no format {profile!r}: choose one from the list.") from None
        region = (form.get("region") or "").strip() or None
        if region:
            try:
                region = ProfileSettings(phone_region=region).phone_region
            except ValidationError:
                raise OptionProblem(f"{region!r} is not a country code for phone numbers: use two letters such as "
                                    "US, GB or DE, or leave the field empty.") from None
        sheet = (form.get("sheet") or "").strip()[:MAX_SHEET_NAME] or None
        header_row = (form.get("header_row") or "").strip()
        if header_row and (not header_row.isdigit() or int(header_row) < 1):
            raise OptionProblem(f"The header row is {header_row!r}: give its row number (1 for the first row), or "
                                "leave it empty.")
        encoding = (form.get("encoding") or "").strip()
        try:
            encoding = named(encoding) if encoding else None
        except EncodingOptionError as exc:
            raise OptionProblem(f"{exc}.") from None
        return cls(profile, region, sheet, int(header_row) if header_row else None, encoding,
                   form.get("skip_hidden") in ("1", "on", "yes"))

    def reading(self) -> ReadOptions:
        """How to read the file: the sheet, header row and encoding chosen, and the format's columns."""
        return ReadOptions(self.sheet, self.header_row, self.encoding,
                           get_profile(self.profile) if self.profile else None)

    def overrides(self) -> dict[str, object]:
        return {"phone_region": self.region, "skip_hidden": self.skip_hidden or None}

    def key_context(self, profile_id: str) -> str:
        """What besides the file's bytes decides what its import stores: the format, and each choice
        made (the same file read another way imports other rows). Only the choices made are named,
        so a plain upload keeps the key it always had."""
        context = f"{profile_id}:{self.region}" if self.region else profile_id
        made = {"sheet": self.sheet, "header": self.header_row, "encoding": self.encoding,
                "skip-hidden": self.skip_hidden or None,
                "columns": ",".join(f"{i}={k or ''}" for i, k in self.mapping) if self.mapping is not None else None}
        return context + "".join(f":{name}={value}" for name, value in made.items() if value is not None)

    def with_mapping(self, mapping: Mapping[int, str | None]) -> UploadOptions:
        return UploadOptions(**{**asdict(self), "mapping": tuple(sorted(mapping.items()))})

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> UploadOptions:
        raw = json.loads(data)
        if raw.get("mapping") is not None:
            raw["mapping"] = tuple((int(i), k) for i, k in raw["mapping"])
        return cls(**raw)
