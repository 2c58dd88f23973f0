"""Build a vbaProject.bin from module sources (MS-OVBA).

The project is written "from source", the way MS-OVBA tells a writer to:
`_VBA_PROJECT` has version 0xFFFF and no PerformanceCache, and each module
stream holds only its compressed source (MODULEOFFSET 0), so Office compiles
the modules when it opens the file.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import records as r
from .cfb import build_compound_file
from .compression import compress
from .encryption import encrypt
from .source import CODEPAGE, StoredSource, stored_source

MODULE_KINDS = ("document", "standard", "class")

CODEPAGE_NUMBER = 1252
LCID_US_ENGLISH = 0x0409  # MS-OVBA: PROJECTLCID and PROJECTLCIDINVOKE MUST be 0x409
SYSKIND_WIN64 = 3
VBA_PROJECT_STREAM = b"\xcc\x61" + b"\xff\xff" + b"\x00" + b"\x01\x00"  # Reserved1, Version, Reserved2, Reserved3
COOKIE_ON_WRITE = 0xFFFF  # PROJECTCOOKIE and MODULECOOKIE: "MUST be 0xFFFF on write"
VERSION_COMPATIBLE32 = "393222000"
HOST_EXTENDER_INFO = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")
_PROJECT_ID_NAMESPACE = uuid.UUID("6f1d3c1e-52a4-4f0e-9a51-3b3c8a7e0b21")


@dataclass(frozen=True)
class Module:
    """A VBA module: `kind` is "document" (ThisWorkbook, Sheet1, ... named after
    the workbook's and sheets' code names), "standard" (.bas) or "class" (.cls)."""

    name: str
    source: str = ""
    kind: str = "standard"
    vb_base: str | None = None  # document modules: defaults to workbook/worksheet by name

    def __post_init__(self) -> None:
        if self.kind not in MODULE_KINDS:
            raise ValueError(f"module {self.name!r}: kind must be one of {MODULE_KINDS}")
        if not _IDENTIFIER.match(self.name):
            raise ValueError(f"module name {self.name!r} is not a VBA identifier of at most 31 characters")

    @classmethod
    def from_file(cls, path: str | Path, name: str | None = None) -> Module:
        """Read an exported .bas (standard) or .cls (class) file, cp1252-encoded."""
        path = Path(path)
        kinds = {".bas": "standard", ".cls": "class"}
        if path.suffix.lower() not in kinds:
            raise ValueError(f"{path}: expected a .bas or .cls file")
        text = path.read_bytes().decode(CODEPAGE)
        return cls(name or _vb_name(text) or path.stem, text, kinds[path.suffix.lower()])

    def stored(self) -> StoredSource:
        return stored_source(self.name, self.source, self.kind, self.vb_base)


@dataclass(frozen=True)
class Reference:
    """A registered type library reference (REFERENCEREGISTERED)."""

    name: str
    libid: str


STDOLE = Reference(
    "stdole",
    r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation",
)
OFFICE = Reference(
    "Office",
    r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files"
    r"\Microsoft Shared\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library",
)
# What Excel puts in a new workbook's project (VBA and Excel are implied by the host).
DEFAULT_REFERENCES = (STDOLE, OFFICE)


def build_vba_project(
    modules: Sequence[Module],
    project_name: str = "VBAProject",
    *,
    references: Iterable[Reference] = DEFAULT_REFERENCES,
    project_id: str | None = None,
    sys_kind: int = SYSKIND_WIN64,
    version: tuple[int, int] = (1, 0),
) -> bytes:
    """Return the bytes of a vbaProject.bin holding `modules` as source only.

    `project_id` defaults to a GUID derived from the project's content, so
    equal input gives byte-for-byte equal output.
    """
    _check_names(modules, project_name)
    references = tuple(references)
    stored = [m.stored() for m in modules]
    project_id = project_id or _content_project_id(project_name, modules)
    streams = {f"VBA/{m.name}": compress(s.encode()) for m, s in zip(modules, stored)}
    streams["VBA/_VBA_PROJECT"] = VBA_PROJECT_STREAM
    streams["VBA/dir"] = compress(_dir_stream(modules, stored, project_name, references, sys_kind, version))
    streams["PROJECT"] = _project_stream(modules, project_name, project_id)
    streams["PROJECTwm"] = _project_wm_stream(modules)
    return build_compound_file(streams)


def _vb_name(text: str) -> str | None:
    match = re.search(r'^Attribute\s+VB_Name\s*=\s*"([^"]*)"', text, re.MULTILINE)
    return match.group(1) if match else None


def _check_names(modules: Sequence[Module], project_name: str) -> None:
    if not _IDENTIFIER.match(project_name):
        raise ValueError(f"project name {project_name!r} is not a VBA identifier")
    seen: set[str] = set()
    for module in modules:
        key = module.name.upper()  # VBA names are case-insensitive
        if key in seen:
            raise ValueError(f"duplicate module name {module.name!r}")
        seen.add(key)


def _content_project_id(project_name: str, modules: Sequence[Module]) -> str:
    content = "\0".join([project_name] + [f"{m.kind}:{m.name}:{m.source}" for m in modules])
    return "{" + str(uuid.uuid5(_PROJECT_ID_NAMESPACE, content)).upper() + "}"


# --- dir stream ------------------------------------------------------------


def _dir_stream(
    modules: Sequence[Module],
    stored: Sequence[StoredSource],
    project_name: str,
    references: Sequence[Reference],
    sys_kind: int,
    version: tuple[int, int],
) -> bytes:
    return (
        _project_information(project_name, sys_kind, version)
        + b"".join(_reference_records(ref) for ref in references)
        + _modules_records(modules, stored)
        + r.record("dir.Terminator")
    )


def _project_information(project_name: str, sys_kind: int, version: tuple[int, int]) -> bytes:
    return b"".join(
        [
            r.u32_record("PROJECTSYSKIND", sys_kind),
            r.u32_record("PROJECTLCID", LCID_US_ENGLISH),
            r.u32_record("PROJECTLCIDINVOKE", LCID_US_ENGLISH),
            r.u16_record("PROJECTCODEPAGE", CODEPAGE_NUMBER),
            r.record("PROJECTNAME", project_name.encode(CODEPAGE)),
            r.text_records("PROJECTDOCSTRING", "PROJECTDOCSTRING.Unicode", "", CODEPAGE),
            # Both help file paths are in the code page; the second must equal the first.
            r.record("PROJECTHELPFILEPATH") + r.record("PROJECTHELPFILEPATH.HelpFile2"),
            r.u32_record("PROJECTHELPCONTEXT", 0),
            r.u32_record("PROJECTLIBFLAGS", 0),
            r.version_record(*version),
            r.text_records("PROJECTCONSTANTS", "PROJECTCONSTANTS.Unicode", "", CODEPAGE),
        ]
    )


def _reference_records(reference: Reference) -> bytes:
    libid = reference.libid.encode(CODEPAGE)
    registered = struct.pack("<I", len(libid)) + libid + struct.pack("<IH", 0, 0)
    return r.text_records("REFERENCENAME", "REFERENCENAME.Unicode", reference.name, CODEPAGE) + r.record(
        "REFERENCEREGISTERED", registered
    )


def _modules_records(modules: Sequence[Module], stored: Sequence[StoredSource]) -> bytes:
    parts = [
        r.u16_record("PROJECTMODULES", len(modules)),
        r.u16_record("PROJECTCOOKIE", COOKIE_ON_WRITE),
    ]
    for module, source in zip(modules, stored):
        parts.append(_module_records(module, source))
    return b"".join(parts)


def _module_records(module: Module, source: StoredSource) -> bytes:
    module_type = "MODULETYPE.Procedural" if module.kind == "standard" else "MODULETYPE.DocClsDesigner"
    return b"".join(
        [
            r.text_records("MODULENAME", "MODULENAMEUNICODE", module.name, CODEPAGE),
            r.text_records("MODULESTREAMNAME", "MODULESTREAMNAME.Unicode", module.name, CODEPAGE),
            r.text_records("MODULEDOCSTRING", "MODULEDOCSTRING.Unicode", source.docstring, CODEPAGE),
            # The source starts the stream: there is no p-code before it.
            r.u32_record("MODULEOFFSET", 0),
            r.u32_record("MODULEHELPCONTEXT", 0),
            r.u16_record("MODULECOOKIE", COOKIE_ON_WRITE),
            r.record(module_type),
            r.record("MODULE.Terminator"),
        ]
    )


# --- PROJECT and PROJECTwm streams -----------------------------------------


def _project_stream(modules: Sequence[Module], project_name: str, project_id: str) -> bytes:
    declarations = {
        "document": "Document={}/&H00000000",
        "standard": "Module={}",
        "class": "Class={}",
    }
    lines = [f'ID="{project_id}"']
    lines += [declarations[m.kind].format(m.name) for m in modules]
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        f'VersionCompatible32="{VERSION_COMPATIBLE32}"',
        # Unprotected and visible: protection state 0, no password, visibility 0xFF.
        f'CMG="{encrypt(bytes(4), project_id)}"',
        f'DPB="{encrypt(bytes(1), project_id)}"',
        f'GC="{encrypt(bytes([0xFF]), project_id)}"',
        "",
        "[Host Extender Info]",
        HOST_EXTENDER_INFO,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    # MS-OVBA 2.3.1: every line ends with NWLN and the stream ends with the last
    # ProjectWindowRecord's, as in Excel's own files (no empty line after it).
    return "".join(line + "\r\n" for line in lines).encode(CODEPAGE)


def _project_wm_stream(modules: Sequence[Module]) -> bytes:
    """Each module name in the code page and in UTF-16, both zero-terminated."""
    parts = [m.name.encode(CODEPAGE) + b"\0" + m.name.encode("utf-16-le") + b"\0\0" for m in modules]
    return b"".join(parts) + b"\0\0"
