"""Module source as Excel stores it in a module stream.

Excel keeps a module's code with a block of `Attribute VB_...` lines in
front.  Exported files carry part of that header: a .bas file starts with
`Attribute VB_Name`, a .cls file with a `VERSION 1.0 CLASS` / `BEGIN ... END`
block and some attributes.  Excel drops the VERSION/BEGIN block on import and
stores the full attribute set in a fixed order; `stored_source` does the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODEPAGE = "cp1252"

CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"

# The order in which Excel writes a class or document module's attributes;
# any other module-level attribute (VB_Description, ...) follows them.
HEADER_ORDER = (
    "VB_Name",
    "VB_Base",
    "VB_GlobalNameSpace",
    "VB_Creatable",
    "VB_PredeclaredId",
    "VB_Exposed",
    "VB_TemplateDerived",
    "VB_Customizable",
)
CLASS_DEFAULTS = {
    "VB_GlobalNameSpace": "False",
    "VB_Creatable": "False",
    "VB_PredeclaredId": "False",
    "VB_Exposed": "False",
    "VB_TemplateDerived": "False",
    "VB_Customizable": "False",
}
DOCUMENT_DEFAULTS = {
    "VB_GlobalNameSpace": "False",
    "VB_Creatable": "False",
    "VB_PredeclaredId": "True",
    "VB_Exposed": "True",
    "VB_TemplateDerived": "False",
    "VB_Customizable": "True",
}

_MODULE_ATTRIBUTE = re.compile(r"^Attribute\s+(VB_\w+)\s*=\s*(.*?)\s*$")
_CLASS_VERSION_LINE = re.compile(r"^VERSION\s+\d+(\.\d+)?\s+CLASS\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class StoredSource:
    text: str  # with CRLF line endings, as the module stream holds it
    docstring: str  # the module's VB_Description, for the dir stream

    def encode(self) -> bytes:
        return self.text.encode(CODEPAGE)


def stored_source(name: str, source: str, kind: str, vb_base: str | None = None) -> StoredSource:
    """The text Excel would keep for module `name` imported from `source`.

    VB_Name is always `name`.  VB_Base is `vb_base` if given, else the one in
    the source, else the class GUID, or for a document module the workbook's
    (for "ThisWorkbook") or a worksheet's.
    """
    lines = _split_lines(source)
    lines = _drop_class_block(lines)
    attributes, body = _take_module_attributes(lines)
    attributes["VB_Name"] = f'"{name}"'
    if vb_base:
        attributes["VB_Base"] = f'"{vb_base}"'
    elif kind != "standard":
        attributes.setdefault("VB_Base", f'"{_default_base(name, kind)}"')
    header = _header_lines(attributes, kind)
    text = "".join(line + "\r\n" for line in header + body)
    return StoredSource(text=text, docstring=_docstring(attributes))


def _split_lines(source: str) -> list[str]:
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line break ends the last line; it is not a line itself
    return lines


def _drop_class_block(lines: list[str]) -> list[str]:
    """Remove a .cls file's `VERSION 1.0 CLASS` line and its BEGIN ... END block."""
    if not lines or not _CLASS_VERSION_LINE.match(lines[0].strip()):
        return lines
    rest = lines[1:]
    if rest and rest[0].strip().upper() == "BEGIN":
        for index, line in enumerate(rest):
            if line.strip().upper() == "END":
                return rest[index + 1 :]
        raise ValueError("class file header has BEGIN without END")
    return rest


def _take_module_attributes(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split leading `Attribute VB_x = value` lines (module level: no member
    name before the dot) from the code that follows."""
    attributes: dict[str, str] = {}
    index = 0
    while index < len(lines):
        match = _MODULE_ATTRIBUTE.match(lines[index])
        if not match:
            break
        attributes[match.group(1)] = match.group(2)
        index += 1
    return attributes, lines[index:]


def _default_base(name: str, kind: str) -> str:
    if kind == "class":
        return CLASS_BASE
    return WORKBOOK_BASE if name == "ThisWorkbook" else WORKSHEET_BASE


def _header_lines(attributes: dict[str, str], kind: str) -> list[str]:
    if kind == "standard":
        ordered = {"VB_Name": attributes["VB_Name"]}
    else:
        defaults = CLASS_DEFAULTS if kind == "class" else DOCUMENT_DEFAULTS
        ordered = {"VB_Name": attributes["VB_Name"], "VB_Base": attributes["VB_Base"]}
        for key in HEADER_ORDER[2:]:
            ordered[key] = attributes.get(key, defaults[key])
    for key, value in attributes.items():
        ordered.setdefault(key, value)
    return [f"Attribute {key} = {value}" for key, value in ordered.items()]


def _docstring(attributes: dict[str, str]) -> str:
    """VB_Description as the dir stream's MODULEDOCSTRING holds it.

    Excel stores the attribute text unquoted and, as seen with xlwings'
    Dictionary.cls, with its literal \\r and \\n turned into line breaks.
    """
    value = attributes.get("VB_Description", "")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('""', '"')
    return value.replace("\\r", "\r").replace("\\n", "\n")
