"""Records of the dir stream (MS-OVBA 2.3.4.2): ids, packing and parsing.

Every record is Id (2 bytes), Size (4 bytes) and Size bytes of data, with
one exception: PROJECTVERSION's size field is a constant 4 although 6 bytes
follow.  Parts of a record that the spec calls "Reserved" with an id of
their own (the Unicode twins of names, for instance) have the same shape, so
they are packed and parsed here as records of their own.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

RECORD_NAMES = {
    0x0001: "PROJECTSYSKIND",
    0x004A: "PROJECTCOMPATVERSION",
    0x0002: "PROJECTLCID",
    0x0014: "PROJECTLCIDINVOKE",
    0x0003: "PROJECTCODEPAGE",
    0x0004: "PROJECTNAME",
    0x0005: "PROJECTDOCSTRING",
    0x0040: "PROJECTDOCSTRING.Unicode",
    0x0006: "PROJECTHELPFILEPATH",
    0x003D: "PROJECTHELPFILEPATH.HelpFile2",
    0x0007: "PROJECTHELPCONTEXT",
    0x0008: "PROJECTLIBFLAGS",
    0x0009: "PROJECTVERSION",
    0x000C: "PROJECTCONSTANTS",
    0x003C: "PROJECTCONSTANTS.Unicode",
    0x0016: "REFERENCENAME",
    0x003E: "REFERENCENAME.Unicode",
    0x0033: "REFERENCEORIGINAL",
    0x002F: "REFERENCECONTROL",
    0x0030: "REFERENCECONTROL.Extended",
    0x000D: "REFERENCEREGISTERED",
    0x000E: "REFERENCEPROJECT",
    0x000F: "PROJECTMODULES",
    0x0013: "PROJECTCOOKIE",
    0x0019: "MODULENAME",
    0x0047: "MODULENAMEUNICODE",
    0x001A: "MODULESTREAMNAME",
    0x0032: "MODULESTREAMNAME.Unicode",
    0x001C: "MODULEDOCSTRING",
    0x0048: "MODULEDOCSTRING.Unicode",
    0x0031: "MODULEOFFSET",
    0x001E: "MODULEHELPCONTEXT",
    0x002C: "MODULECOOKIE",
    0x0021: "MODULETYPE.Procedural",
    0x0022: "MODULETYPE.DocClsDesigner",
    0x0025: "MODULEREADONLY",
    0x0028: "MODULEPRIVATE",
    0x002B: "MODULE.Terminator",
    0x0010: "dir.Terminator",
}
ID = {name: record_id for record_id, name in RECORD_NAMES.items()}

PROJECTVERSION = 0x0009


@dataclass(frozen=True)
class Record:
    id: int
    data: bytes

    @property
    def name(self) -> str:
        return RECORD_NAMES.get(self.id, f"UNKNOWN_{self.id:#06x}")

    def u16(self) -> int:
        return struct.unpack_from("<H", self.data)[0]

    def u32(self) -> int:
        return struct.unpack_from("<I", self.data)[0]


def record(name: str, data: bytes = b"") -> bytes:
    return struct.pack("<HI", ID[name], len(data)) + data


def u16_record(name: str, value: int) -> bytes:
    return record(name, struct.pack("<H", value))


def u32_record(name: str, value: int) -> bytes:
    return record(name, struct.pack("<I", value))


def text_records(name: str, unicode_name: str, text: str, codepage: str) -> bytes:
    """A text in the project code page followed by its UTF-16 twin."""
    return record(name, text.encode(codepage)) + record(unicode_name, text.encode("utf-16-le"))


def version_record(major: int, minor: int) -> bytes:
    # Reserved size field 4, yet VersionMajor (4) and VersionMinor (2) follow.
    return struct.pack("<HIIH", PROJECTVERSION, 4, major, minor)


def parse_records(data: bytes) -> list[Record]:
    records = []
    pos = 0
    while pos < len(data):
        record_id, size = struct.unpack_from("<HI", data, pos)
        if record_id == PROJECTVERSION:
            size = 6
        body = data[pos + 6 : pos + 6 + size]
        if len(body) != size:
            raise ValueError(f"record {record_id:#06x} at {pos} is cut short")
        records.append(Record(record_id, bytes(body)))
        pos += 6 + size
    return records
