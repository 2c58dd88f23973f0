"""Read a vbaProject.bin back into plain data, for tests and comparisons.

Uses olefile (an independent MS-CFB reader) for the compound file and our
strict decompressor for the dir and module streams.
"""

from __future__ import annotations

import codecs
import io
import struct
from typing import Any

from .compression import decompress
from .records import Record, parse_records
from .source import CODEPAGE


def read_vba_project(data: bytes) -> dict[str, Any]:
    """Return the project's streams, records and module sources.

    Keys: "streams" ({path: size}), "codepage" (PROJECTCODEPAGE as a Python
    codec), "project_lines" and "project" (the PROJECT stream, as lines and as
    key -> values), "project_wm" (name pairs), "vba_project" (the _VBA_PROJECT
    header), "dir_records" (list of Record), "information" ({record name:
    data} of the project information), "references" and "modules" (lists of
    dicts; a module has its "kind" from the PROJECT stream, its source as
    stored, "source_bytes", and decoded, "source").
    """
    import olefile  # a test dependency (through oletools), not needed to build

    ole = olefile.OleFileIO(io.BytesIO(data))
    try:
        streams = {"/".join(p): ole.get_size("/".join(p)) for p in ole.listdir(streams=True)}

        def read(path: str) -> bytes:
            return ole.openstream(path).read()

        dir_records = parse_records(decompress(read("VBA/dir")))
        information = _information(dir_records)
        codepage = _python_codec(information)
        project_lines = read("PROJECT").decode(CODEPAGE).split("\r\n")
        project = _project_properties(project_lines)
        kinds = _module_kinds(project)
        modules = _modules(dir_records)
        for module in modules:
            raw = read(f"VBA/{module['stream_name']}")
            module["pcode_size"] = module["offset"]
            module["kind"] = kinds.get(module["name"].upper(), "unknown")
            module["source_bytes"] = decompress(raw[module["offset"] :])
            # A byte the code page does not define shows as U+FFFD; check.py reports it.
            module["source"] = module["source_bytes"].decode(codepage, errors="replace")
        return {
            "streams": streams,
            "codepage": codepage,
            "project_lines": project_lines,
            "project": project,
            "project_wm": _project_wm(read("PROJECTwm")),
            "vba_project": _vba_project(read("VBA/_VBA_PROJECT")),
            "dir_records": dir_records,
            "information": information,
            "references": _references(dir_records),
            "modules": modules,
        }
    finally:
        ole.close()


def _vba_project(data: bytes) -> dict[str, Any]:
    reserved1, version, reserved2, reserved3 = struct.unpack_from("<HHBH", data)
    return {
        "reserved1": reserved1,
        "version": version,
        "reserved2": reserved2,
        "reserved3": reserved3,
        "performance_cache_size": len(data) - 7,
    }


# Code pages whose Python codec is not named cpNNNN.
_CODECS = {10000: "mac_roman", 65001: "utf-8"}


def _python_codec(information: dict[str, bytes]) -> str:
    """The project's code page (PROJECTCODEPAGE) as a Python codec name."""
    record = information.get("PROJECTCODEPAGE")
    if not record:
        return CODEPAGE
    number = struct.unpack("<H", record)[0]
    name = _CODECS.get(number, f"cp{number}")
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"the project's code page {number} is not one Python can decode") from None
    return name


def _module_kinds(project: dict[str, list[str]]) -> dict[str, str]:
    """{upper-cased module name: "standard" | "class" | "document" | "designer"} from the
    PROJECT stream's ProjectModule lines (MS-OVBA 2.3.1.3)."""
    kinds = {"Module": "standard", "Class": "class", "Document": "document", "BaseClass": "designer"}
    found = {}
    for key, kind in kinds.items():
        for value in project.get(key, []):
            found[value.split("/")[0].upper()] = kind
    return found


def _information(dir_records: list[Record]) -> dict[str, bytes]:
    """Records before the first reference or PROJECTMODULES."""
    info = {}
    for record in dir_records:
        if record.name.startswith("REFERENCE") or record.name == "PROJECTMODULES":
            break
        info[record.name] = record.data
    return info


def _references(dir_records: list[Record]) -> list[dict[str, Any]]:
    references: list[dict[str, Any]] = []
    previous = None
    for record in dir_records:
        if record.name == "PROJECTMODULES":
            break
        # A REFERENCECONTROL carries a second name record of its own (NameRecordExtended).
        extended_name = previous is not None and previous.name == "REFERENCECONTROL"
        previous = record
        if record.name == "REFERENCENAME" and not extended_name:
            references.append({"name": record.data.decode(CODEPAGE), "records": []})
        elif record.name.startswith("REFERENCE") and references:
            references[-1]["records"].append(record)
    return references


def _modules(dir_records: list[Record]) -> list[dict[str, Any]]:
    modules: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for record in dir_records:
        if record.name == "MODULENAME":
            current = {"name": record.data.decode(CODEPAGE), "records": []}
        if current is None:
            continue
        current["records"].append(record)
        if record.name == "MODULESTREAMNAME":
            current["stream_name"] = record.data.decode(CODEPAGE)
        elif record.name == "MODULEDOCSTRING":
            current["docstring"] = record.data.decode(CODEPAGE)
        elif record.name == "MODULEOFFSET":
            current["offset"] = record.u32()
        elif record.name.startswith("MODULETYPE"):
            current["type"] = "procedural" if record.id == 0x21 else "document_or_class"
        elif record.name == "MODULE.Terminator":
            modules.append(current)
            current = None
    return modules


def _project_properties(lines: list[str]) -> dict[str, list[str]]:
    """PROJECT stream as key -> values, sections prefixed: "Workspace/Sheet1"."""
    properties: dict[str, list[str]] = {}
    section = ""
    for line in lines:
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1] + "/"
        elif "=" in line:
            key, value = line.split("=", 1)
            properties.setdefault(section + key, []).append(value)
    return properties


def _project_wm(data: bytes) -> list[tuple[str, str]]:
    names = []
    pos = 0
    while data[pos : pos + 2] != b"\0\0" and pos < len(data):
        end = data.index(b"\0", pos)
        name = data[pos:end].decode(CODEPAGE)
        pos = end + 1
        unicode_end = pos
        while data[unicode_end : unicode_end + 2] != b"\0\0":
            unicode_end += 2
        names.append((name, data[pos:unicode_end].decode("utf-16-le")))
        pos = unicode_end + 2
    return names
