"""The vbaProject.bin writer: compression, compound file, records compared
with an Excel-made project, LibreOffice and olevba as independent readers,
reproducibility."""

from __future__ import annotations

import hashlib
import io
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import olefile
import pytest
import xlsxwriter
import xlwings
from oletools.olevba import VBA_Parser, decompress_stream

from addin.vbaproject import (
    OFFICE,
    CompressionError,
    Module,
    build_vba_project,
    compress,
    decompress,
    iter_chunks,
    read_vba_project,
)
from addin.vbaproject.cfb import BLACK, RED, CompoundFileError, build_compound_file
from addin.vbaproject.compression import (
    CHUNK_SIZE,
    chunk_header,
    copy_token_max_length,
    copy_token_offset_bits,
    pack_copy_token,
    unpack_copy_token,
)
from addin.vbaproject.encryption import decrypt, encrypt
from addin.vbaproject.records import parse_records
from tests.libreoffice import without_attributes

pytest_plugins = ["tests.conftest_libreoffice"]

ROOT = Path(__file__).resolve().parent.parent
XLWINGS = Path(xlwings.__file__).parent
XLWINGS_MODULE_FILES = [
    "xlwings.bas",
    "addin/Remote.bas",
    "addin/WebClient.cls",
    "addin/WebRequest.cls",
    "addin/WebResponse.cls",
    "addin/WebHelpers.bas",
    "addin/IWebAuthenticator.cls",
    "addin/Dictionary.cls",
]
EXCEL_MADE_WORKBOOK = XLWINGS / "quickstart_standalone.xlsm"  # re-saved by Aspose.Cells in xlwings' build
# Saved by Excel itself: its project keeps p-code (_VBA_PROJECT version 0xB5) and PROJECTCOMPATVERSION.
EXCEL_SAVED_WORKBOOK = XLWINGS / "quickstart.xlsm"
# An Excel-made add-in whose project has Excel's default references (stdole, Office).
EXCEL_MADE_ADDIN = XLWINGS / "addin" / "xlwings.xlam"

ROSTER_MODULE = Module(
    "Roster",
    'Option Explicit\r\n\r\nSub SayHello()\r\n    MsgBox "Hello from the roster, caf\u00e9"\r\nEnd Sub\r\n',
)


def xlwings_modules() -> list[Module]:
    return [Module.from_file(XLWINGS / name) for name in XLWINGS_MODULE_FILES]


def full_project_modules() -> list[Module]:
    """The workbook and sheet document modules, all of xlwings' modules and one of ours."""
    documents = [Module("ThisWorkbook", kind="document"), Module("Sheet1", kind="document")]
    return documents + xlwings_modules() + [ROSTER_MODULE]


def vba_project_of(workbook: Path) -> bytes:
    with zipfile.ZipFile(workbook) as archive:
        return archive.read("xl/vbaProject.bin")


def write_xlsm(path: Path, vba_project: bytes) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    workbook.set_vba_name("ThisWorkbook")
    sheet.set_vba_name("Sheet1")
    workbook.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    sheet.write("A1", "rosterbook")
    sheet.insert_button("B3", {"macro": "Roster.SayHello", "caption": "Say hello"})
    workbook.close()
    return path


# --- 1. compression ----------------------------------------------------------


def tokens_reaching_outside_their_chunk(container: bytes) -> list[tuple[int, object]]:
    """Copy tokens whose offset points before the start of their own chunk."""
    return [
        (chunk.start, token)
        for chunk in iter_chunks(container)
        for token in chunk.copy_tokens
        if token.offset > token.position_in_chunk
    ]


def assert_well_formed_container(container: bytes, data: bytes) -> None:
    chunks = list(iter_chunks(container))
    assert container[0] == 0x01
    assert len(chunks) == -(-len(data) // CHUNK_SIZE)
    position = 1
    for index, chunk in enumerate(chunks):
        header = int.from_bytes(container[chunk.start : chunk.start + 2], "little")
        assert chunk.start == position, "chunk sizes must tile the container"
        assert (header >> 12) & 0b111 == 0b011
        assert (header & 0x0FFF) + 3 == chunk.size
        is_last = index == len(chunks) - 1
        expected = len(data) - CHUNK_SIZE * index if is_last else CHUNK_SIZE
        assert chunk.decompressed_size == expected
        if not chunk.compressed:
            assert chunk.size == CHUNK_SIZE + 2
        position += chunk.size
    assert position == len(container)
    assert tokens_reaching_outside_their_chunk(container) == []


def round_trip(data: bytes) -> None:
    container = compress(data)
    assert decompress(container) == data
    assert bytes(decompress_stream(bytearray(container))) == data  # olevba's reader
    assert_well_formed_container(container, data)


@pytest.mark.parametrize("name", XLWINGS_MODULE_FILES)
def test_round_trip_real_modules(name):
    round_trip((XLWINGS / name).read_bytes())


def test_round_trip_every_xlwings_vba_file():
    files = sorted(XLWINGS.rglob("*.bas")) + sorted(XLWINGS.rglob("*.cls"))
    assert len(files) >= 14
    for path in files:
        round_trip(path.read_bytes())


@pytest.mark.parametrize("size", [0, 1, 2, 3, 100, 3640, 4095, 4096, 4097, 8192, 12288 + 77])
def test_round_trip_random_sizes_of_text(size):
    rng = random.Random(size)
    words = [b"Dim ", b"As String", b"\r\n", b"End Sub", b"x", b"If ", b"Then", b"'", b"  "]
    data = b"".join(rng.choice(words) for _ in range(size))[:size]
    round_trip(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\0" * 10000,
        b"abc" * 5000,
        bytes(range(256)) * 40,
        b"a" * 4095 + b"b" * 4097 + b"ab" * 3000,
        random.Random(1).randbytes(4096 * 2) + b"tail compresses " * 40,
        random.Random(2).randbytes(3000),
    ],
    ids=["zeros", "abc", "byte-ramp", "runs-across-chunks", "random-then-text", "short-random"],
)
def test_round_trip_repetitive_and_random(data):
    round_trip(data)


def test_incompressible_chunks_are_stored_raw():
    data = random.Random(3).randbytes(CHUNK_SIZE * 2)
    chunks = list(iter_chunks(compress(data)))
    assert [(c.compressed, c.size) for c in chunks] == [(False, 4098), (False, 4098)]
    round_trip(data)


def test_short_incompressible_final_chunk_is_refused_rather_than_padded():
    # A raw chunk always decompresses to 4096 bytes: padding would change the data.
    with pytest.raises(CompressionError):
        compress(random.Random(4).randbytes(4000))


def test_compressed_text_is_smaller():
    data = (XLWINGS / "xlwings.bas").read_bytes()
    assert len(compress(data)) < len(data) * 0.5
    assert all(chunk.compressed for chunk in iter_chunks(compress(data)))


@pytest.mark.parametrize(
    "position, bits",
    [(1, 4), (16, 4), (17, 5), (32, 5), (33, 6), (64, 6), (65, 7), (1024, 10), (2048, 11), (2049, 12), (4096, 12)],
)
def test_copy_token_bit_split_depends_on_position_in_chunk(position, bits):
    assert copy_token_offset_bits(position) == bits
    assert copy_token_max_length(position) == (0xFFFF >> bits) + 3
    longest = copy_token_max_length(position)
    for offset, length in [(1, 3), (position, longest), (max(1, position // 2), 3 + longest // 2)]:
        token = pack_copy_token(position, offset, length)
        assert unpack_copy_token(token, position) == (offset, length)


def test_copy_token_cannot_reach_before_its_chunk():
    with pytest.raises(CompressionError):
        pack_copy_token(10, 11, 3)


def ms_ovba_style_container() -> bytes:
    """Two chunks, the second starting with a copy token that reaches back into
    the first: what ms-ovba 0.0.1 writes for modules over 4096 bytes."""
    first_chunk = compress((b"Sub Main()\r\n" * 342)[:CHUNK_SIZE])[1:]
    # Chunk 2: a literal, then at position 1 a copy of 10 bytes from 16 back.
    token = (16 - 1) << 12 | (10 - 3)
    body = bytes([0b0000_0010]) + b"x" + token.to_bytes(2, "little") + b"tail"
    return b"\x01" + first_chunk + chunk_header(len(body), compressed=True) + body


def test_walker_catches_copy_tokens_reaching_into_the_previous_chunk():
    bad = ms_ovba_style_container()
    assert len(tokens_reaching_outside_their_chunk(bad)) == 1
    with pytest.raises(CompressionError):
        decompress(bad)
    # olevba is lenient and decodes it anyway, which is why it cannot be the judge.
    assert len(decompress_stream(bytearray(bad))) == CHUNK_SIZE + 1 + 10 + 4


def test_every_module_stream_of_a_full_project_keeps_tokens_in_their_chunks():
    project = build_vba_project(full_project_modules())
    ole = olefile.OleFileIO(io.BytesIO(project))
    for path in ole.listdir():
        if path[0] == "VBA" and path[1] != "_VBA_PROJECT":
            container = ole.openstream(path).read()
            assert tokens_reaching_outside_their_chunk(container) == [], path


# --- compound file -------------------------------------------------------------


def directory_entries(data: bytes) -> dict[int, olefile.olefile.OleDirectoryEntry]:
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    return {entry.sid: entry for entry in ole.direntries if entry is not None}


def cfb_name_order(name: str) -> tuple[int, str]:
    return len(name), name.upper()


def sibling_tree_problems(entries: dict, check_colours: bool) -> list[str]:
    """Check each storage's children: a binary search tree in (length,
    upper-case name) order holding all of them; optionally red-black rules."""
    problems = []
    for storage in entries.values():
        if storage.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            problems += storage_tree_problems(entries, storage, check_colours)
    return problems


def storage_tree_problems(entries: dict, storage, check_colours: bool) -> list[str]:
    problems: list[str] = []
    order: list[str] = []
    black_heights: set[int] = set()

    def walk(sid: int, blacks: int, parent_red: bool) -> None:
        if sid == olefile.NOSTREAM:
            black_heights.add(blacks)
            return
        node = entries[sid]
        red = node.color == RED
        if red and parent_red:
            problems.append(f"red node {node.name} has a red parent")
        walk(node.sid_left, blacks + (not red), red)
        order.append(node.name)
        walk(node.sid_right, blacks + (not red), red)

    walk(storage.sid_child, 0, False)
    if order != sorted(order, key=cfb_name_order):
        problems.append(f"children of {storage.name} out of order: {order}")
    if len(order) != len(storage.kids):
        problems.append(f"children of {storage.name}: tree holds {len(order)} of {len(storage.kids)}")
    if not check_colours:
        return problems
    if storage.sid_child != olefile.NOSTREAM and entries[storage.sid_child].color != BLACK:
        problems.append(f"root of {storage.name}'s tree is red")
    if len(black_heights) > 1:
        problems.append(f"children of {storage.name}: black heights {black_heights}")
    return problems


@pytest.mark.parametrize("count", list(range(1, 41)) + [100])
def test_directory_is_a_valid_red_black_tree(count):
    streams = {f"S/stream{i:0{1 + i % 3}d}": bytes([i % 256]) * i for i in range(count)}
    data = build_compound_file(streams)
    assert sibling_tree_problems(directory_entries(data), check_colours=True) == []


def test_compound_file_streams_read_back_with_olefile():
    sizes = [0, 1, 63, 64, 65, 4095, 4096, 4097, 10000, 200_000]
    streams = {f"Dir/s{size}": random.Random(size).randbytes(size) for size in sizes}
    streams["TopLevel"] = b"top"
    data = build_compound_file(streams)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    assert ole.header_signature == olefile.MAGIC
    assert (ole.dll_version, ole.minor_version) == (3, 0x3E)
    assert (ole.sector_size, ole.mini_sector_size, ole.mini_stream_cutoff_size) == (512, 64, 4096)
    assert ole.root.clsid == ""  # zero CLSID
    assert all(e.createTime == 0 and e.modifyTime == 0 for e in ole.direntries if e)


@pytest.mark.parametrize("name", ["", "a" * 32, "back\\slash", "colon:", "bang!", "VBA/"])
def test_compound_file_rejects_bad_names(name):
    with pytest.raises(CompoundFileError):
        build_compound_file({name: b"x"})


def test_compound_file_rejects_duplicate_names_case_insensitively():
    with pytest.raises(CompoundFileError):
        build_compound_file({"VBA/dir": b"1", "vba/DIR": b"2"})


# --- module source ---------------------------------------------------------------


def test_standard_module_file_is_stored_as_it_is():
    path = XLWINGS / "xlwings.bas"
    assert Module.from_file(path).stored().encode() == path.read_bytes()


def test_source_gets_crlf_a_final_line_break_and_vb_name():
    stored = Module("Tools", "Sub A()\nEnd Sub").stored()
    assert stored.text == 'Attribute VB_Name = "Tools"\r\nSub A()\r\nEnd Sub\r\n'


def test_source_must_fit_cp1252():
    with pytest.raises(UnicodeEncodeError):
        build_vba_project([Module("Tools", "' \u20ac is fine, \u4e2d is not\r\n")])


def test_stored_source_is_stable_when_stored_again():
    for module in full_project_modules():
        once = module.stored()
        again = Module(module.name, once.text, module.kind).stored()
        assert again == once, module.name


@pytest.mark.parametrize("name", ["", "1abc", "has space", "x" * 32])
def test_module_names_must_be_vba_identifiers(name):
    with pytest.raises(ValueError):
        Module(name)


def test_duplicate_module_names_are_refused():
    with pytest.raises(ValueError):
        build_vba_project([Module("Tools"), Module("TOOLS")])


# --- 2. comparison with an Excel-made project ------------------------------------

# Every way our project differs from the Excel-made one in
# quickstart_standalone.xlsm, with the reason.  Anything else must be equal.
INTENDED_DIR_DIFFERENCES = {
    "PROJECTVERSION": "Excel keeps a per-project version (its major looks like a creation time); ours is fixed for reproducible builds",
    "PROJECTCOOKIE": "MS-OVBA 2.3.4.2.3.1: MUST be 0xFFFF on write; Excel writes a value of its own",
    "MODULECOOKIE": "MS-OVBA 2.3.4.2.3.2.7: MUST be 0xFFFF on write; Excel writes a value of its own",
    "MODULEOFFSET": "Excel keeps compiled p-code before the source in 5 of its 6 module streams; ours hold source only (offset 0)",
}
INTENDED_REFERENCE_DIFFERENCE = (
    "the reference also has a REFERENCECONTROL to MSForms (pointing at a temp .exd file on its author's machine, "
    "left by a form control); we write registered references only"
)
INTENDED_PROJECT_DIFFERENCES = {
    "ID": "Excel makes a random project GUID; ours is derived from the project's content",
    "CMG": "obfuscated with Excel's random seed, ours with one derived from the ID; decrypted values are equal",
    "DPB": "as CMG",
    "GC": "as CMG",
    "Workspace/*": "code window positions of the reference's author; we write every window closed",
    "stream end": "Aspose's re-save ends with an empty line after the last window record; MS-OVBA 2.3.1's "
                  "grammar and Excel's own quickstart.xlsm end with that record's line break",
}
INTENDED_LAYOUT_DIFFERENCES = {
    "tree shape": "Excel chains each storage's children as a list; ours is a balanced red-black tree (both ordered)",
    "sector placement and stream sizes": "follow from the differences above",
}
INTENDED_SOURCE_DIFFERENCES = {
    "xlwings line endings": "the reference's xlwings module was injected with LF line ends; VBA stores CRLF",
    "identifier case": "the VBE normalises the case of identifiers project-wide (Err became err in Dictionary)",
}


@pytest.fixture(scope="module")
def reference() -> dict:
    return read_vba_project(vba_project_of(EXCEL_MADE_WORKBOOK))


@pytest.fixture(scope="module")
def mirrored(reference) -> dict:
    """Our project holding the reference's modules (same names, kinds, sources, order)."""
    return read_vba_project(mirror_build(reference))


def mirror_build(reference: dict) -> bytes:
    kinds = {}
    for key, values in reference["project"].items():
        kind = {"Document": "document", "Module": "standard", "Class": "class"}.get(key)
        for value in values if kind else []:
            kinds[value.split("/")[0]] = kind
    modules = [Module(m["name"], m["source"], kinds[m["name"]]) for m in reference["modules"]]
    return build_vba_project(modules, "VBAProject", references=[OFFICE])


def comparable_dir_records(project: dict) -> list[tuple[str, object]]:
    return [
        (record.name, "<intended difference>" if record.name in INTENDED_DIR_DIFFERENCES else record.data)
        for record in project["dir_records"]
        if not record.name.startswith("REFERENCE")
    ]


def test_dir_records_equal_the_excel_made_project_but_for_the_allow_list(reference, mirrored):
    assert comparable_dir_records(mirrored) == comparable_dir_records(reference)


def test_intended_dir_differences_hold_the_values_we_mean(mirrored):
    values = {
        (r.name, r.u16() if len(r.data) == 2 else r.u32())
        for r in mirrored["dir_records"]
        if r.name in ("PROJECTCOOKIE", "MODULECOOKIE", "MODULEOFFSET")
    }
    assert values == {("PROJECTCOOKIE", 0xFFFF), ("MODULECOOKIE", 0xFFFF), ("MODULEOFFSET", 0)}


def test_references_equal_but_for_the_reference_forms_control(reference, mirrored):
    def names(project: dict) -> list[str]:
        return [ref["name"] for ref in project["references"]]

    assert names(reference) == ["MSForms", "Office"], INTENDED_REFERENCE_DIFFERENCE
    assert names(mirrored) == ["Office"]
    assert mirrored["references"][0] == reference["references"][1]


def test_default_references_equal_those_of_an_excel_made_project():
    excel = read_vba_project(vba_project_of(EXCEL_MADE_ADDIN))
    ours = read_vba_project(build_vba_project([Module("Tools")]))
    assert [ref["name"] for ref in ours["references"]] == ["stdole", "Office"]
    assert ours["references"] == excel["references"]


def comparable_project_lines(project: dict) -> list[str]:
    lines, section = [], ""
    ending = len(project["project_lines"])
    while ending and project["project_lines"][ending - 1] == "":
        ending -= 1  # INTENDED_PROJECT_DIFFERENCES["stream end"]
    for line in project["project_lines"][:ending]:
        if line.startswith("["):
            section = line[1:-1] + "/"
        key = line.split("=", 1)[0]
        if "=" in line and (key in INTENDED_PROJECT_DIFFERENCES or section + "*" in INTENDED_PROJECT_DIFFERENCES):
            line = f"{key}=<intended difference>"
        lines.append(line)
    return lines


def test_project_stream_equals_the_excel_made_one_but_for_the_allow_list(reference, mirrored):
    assert comparable_project_lines(mirrored) == comparable_project_lines(reference)


def project_stream(data: bytes) -> bytes:
    return olefile.OleFileIO(io.BytesIO(data)).openstream("PROJECT").read()


def test_project_stream_ends_as_ms_ovba_and_excel_write_it():
    """MS-OVBA 2.3.1: VBAPROJECTText = ProjectProperties NWLN HostExtenders [NWLN ProjectWorkspace],
    and each ProjectWindowRecord ends with its own NWLN: the stream ends with the last record's CR LF."""
    excel = project_stream(vba_project_of(EXCEL_SAVED_WORKBOOK))
    assert excel.endswith(b"\r\nSheet2=0, 0, 0, 0, C\r\n")
    aspose = project_stream(vba_project_of(EXCEL_MADE_WORKBOOK))
    assert aspose.endswith(b"\r\nDictionary=0, 0, 0, 0, C\r\n\r\n"), INTENDED_PROJECT_DIFFERENCES["stream end"]
    ours = project_stream(build_vba_project(full_project_modules()))
    assert ours.endswith(b"\r\n[Workspace]\r\n" + b"".join(
        f"{m.name}=0, 0, 0, 0, C\r\n".encode() for m in full_project_modules()))
    assert not ours.endswith(b"\r\n\r\n")


def test_protection_values_decrypt_to_the_same_data(reference, mirrored):
    for key, expected in [("CMG", bytes(4)), ("DPB", b"\0"), ("GC", b"\xff")]:
        ours = decrypt(mirrored["project"][key][0].strip('"'))
        theirs = decrypt(reference["project"][key][0].strip('"'))
        assert ours.data == theirs.data == expected
        assert ours.version == theirs.version == 2


def test_encryption_reproduces_excel_header_bytes(reference):
    project_id = reference["project"]["ID"][0].strip('"')
    cmg = reference["project"]["CMG"][0].strip('"')
    seed = decrypt(cmg).seed
    ours = encrypt(bytes(4), project_id, seed=seed)
    assert ours[:6] == cmg[:6]  # seed, version and project key bytes
    assert len(ours) == len(cmg)
    assert decrypt(ours).data == bytes(4)


def test_project_wm_and_vba_project_streams_equal_the_excel_made_ones(reference, mirrored):
    assert mirrored["project_wm"] == reference["project_wm"]
    # The reference is a source-only project too: version 0xFFFF, no PerformanceCache.
    assert mirrored["vba_project"] == reference["vba_project"]
    assert mirrored["vba_project"]["version"] == 0xFFFF
    assert mirrored["vba_project"]["performance_cache_size"] == 0


def test_module_sources_equal_the_excel_made_ones(reference, mirrored):
    ours = {m["name"]: m["source"] for m in mirrored["modules"]}
    theirs = {m["name"]: m["source"] for m in reference["modules"]}
    differing = {name for name in theirs if ours[name] != theirs[name]}
    assert differing == {"xlwings"}, INTENDED_SOURCE_DIFFERENCES["xlwings line endings"]
    assert ours["xlwings"] == theirs["xlwings"].replace("\n", "\r\n")


def test_compound_file_layout_equals_the_excel_made_one(reference, mirrored):
    excel = vba_project_of(EXCEL_MADE_WORKBOOK)
    ours = mirror_build(reference)

    def layout(data: bytes) -> list[tuple[str, int]]:
        ole = olefile.OleFileIO(io.BytesIO(data))
        paths = ole.listdir(streams=True, storages=True)
        return sorted(("/".join(p), ole.get_type("/".join(p))) for p in paths)

    assert layout(ours) == layout(excel)
    assert sibling_tree_problems(directory_entries(excel), check_colours=False) == []
    assert sibling_tree_problems(directory_entries(ours), check_colours=True) == []
    for data in (ours, excel):
        ole = olefile.OleFileIO(io.BytesIO(data))
        assert (ole.dll_version, ole.sector_size, ole.mini_sector_size, ole.mini_stream_cutoff_size) == (
            3,
            512,
            64,
            4096,
        )


def test_document_modules_are_stored_as_excel_stores_them(reference):
    sources = {m["name"]: m["source"] for m in reference["modules"]}
    for name in ("ThisWorkbook", "Sheet1", "Sheet2"):
        assert Module(name, kind="document").stored().text == sources[name]


def test_class_file_header_becomes_the_attributes_excel_stores(reference):
    theirs = next(m for m in reference["modules"] if m["name"] == "Dictionary")
    ours = Module.from_file(XLWINGS / "addin" / "Dictionary.cls").stored()
    header_length = 9  # VB_Name ... VB_Customizable, VB_Description
    assert ours.text.split("\r\n")[:header_length] == theirs["source"].split("\r\n")[:header_length]
    assert ours.text.lower() == theirs["source"].lower(), INTENDED_SOURCE_DIFFERENCES["identifier case"]
    assert ours.text != theirs["source"]
    assert ours.docstring == theirs["docstring"]


def test_standard_module_source_equals_the_excel_made_one(reference):
    theirs = next(m for m in reference["modules"] if m["name"] == "xlwings")["source"]
    ours = Module.from_file(XLWINGS / "xlwings.bas").stored().text
    assert ours.replace("\r\n", "\n") == theirs, INTENDED_SOURCE_DIFFERENCES["xlwings line endings"]


def test_full_project_has_every_required_record_in_order():
    project = read_vba_project(build_vba_project(full_project_modules()))
    names = [record.name for record in project["dir_records"]]
    information = [
        "PROJECTSYSKIND",
        "PROJECTLCID",
        "PROJECTLCIDINVOKE",
        "PROJECTCODEPAGE",
        "PROJECTNAME",
        "PROJECTDOCSTRING",
        "PROJECTDOCSTRING.Unicode",
        "PROJECTHELPFILEPATH",
        "PROJECTHELPFILEPATH.HelpFile2",
        "PROJECTHELPCONTEXT",
        "PROJECTLIBFLAGS",
        "PROJECTVERSION",
        "PROJECTCONSTANTS",
        "PROJECTCONSTANTS.Unicode",
    ]
    reference = ["REFERENCENAME", "REFERENCENAME.Unicode", "REFERENCEREGISTERED"]
    module = [
        "MODULENAME",
        "MODULENAMEUNICODE",
        "MODULESTREAMNAME",
        "MODULESTREAMNAME.Unicode",
        "MODULEDOCSTRING",
        "MODULEDOCSTRING.Unicode",
        "MODULEOFFSET",
        "MODULEHELPCONTEXT",
        "MODULECOOKIE",
    ]
    modules = full_project_modules()
    expected = information + reference * 2 + ["PROJECTMODULES", "PROJECTCOOKIE"]
    for m in modules:
        module_type = "MODULETYPE.Procedural" if m.kind == "standard" else "MODULETYPE.DocClsDesigner"
        expected += module + [module_type, "MODULE.Terminator"]
    assert names == expected + ["dir.Terminator"]
    info = project["information"]
    assert int.from_bytes(info["PROJECTCODEPAGE"], "little") == 1252
    assert int.from_bytes(info["PROJECTLCID"], "little") == 0x409
    assert [m["name"] for m in project["modules"]] == [m.name for m in modules]
    assert all(m["offset"] == 0 and m["stream_name"] == m["name"] for m in project["modules"])
    assert project["vba_project"]["version"] == 0xFFFF
    assert project["vba_project"]["performance_cache_size"] == 0
    assert project["project_wm"] == [(m.name, m.name) for m in modules]


def test_dir_stream_parses_exactly():
    project = build_vba_project([Module("Tools")])
    ole = olefile.OleFileIO(io.BytesIO(project))
    records = parse_records(decompress(ole.openstream("VBA/dir").read()))
    assert records[-1].name == "dir.Terminator"


# --- 3. independent readers ------------------------------------------------------


@pytest.fixture(scope="module")
def roster_workbook(tmp_path_factory) -> tuple[Path, list[Module]]:
    modules = full_project_modules()
    path = tmp_path_factory.mktemp("vba") / "roster.xlsm"
    return write_xlsm(path, build_vba_project(modules)), modules


def test_libreoffice_reads_every_module_as_written(libreoffice, roster_workbook):
    path, modules = roster_workbook
    with libreoffice.document(path) as doc:
        got = libreoffice.modules(doc)
    expected = {m.name: without_attributes(m.stored().text) for m in modules}
    assert sorted(got) == sorted(expected)
    for name, source in expected.items():
        assert got[name] == source, f"LibreOffice read module {name} differently"
    assert len(got["WebHelpers"]) > 100_000  # far beyond one 4096-byte chunk
    assert "caf\u00e9" in got["Roster"]


def test_libreoffice_sees_the_button_bound_to_our_macro(libreoffice, roster_workbook):
    path, _ = roster_workbook
    with libreoffice.document(path) as doc:
        form = doc.Sheets.getByIndex(0).DrawPage.Forms.getByIndex(0)
        scripts = [event.ScriptCode for event in form.getScriptEvents(0)]
    assert any("VBAProject.Roster.SayHello" in script for script in scripts), scripts


def test_olevba_extracts_the_same_sources(roster_workbook):
    path, modules = roster_workbook
    parser = VBA_Parser(str(path))
    try:
        extracted = {Path(name).stem: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    expected = {m.name: m.stored().text for m in modules}
    assert {name: code.replace("\r\n", "\n") for name, code in extracted.items()} == {
        name: code.replace("\r\n", "\n") for name, code in expected.items()
    }


# --- 4. reproducibility and speed ---------------------------------------------------


def test_building_twice_gives_identical_bytes():
    assert build_vba_project(full_project_modules()) == build_vba_project(full_project_modules())


def test_build_does_not_depend_on_hash_seed():
    script = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]);"
        "from tests.test_vbaproject import full_project_modules;"
        "from addin.vbaproject import build_vba_project;"
        "print(hashlib.sha256(build_vba_project(full_project_modules())).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script, str(ROOT)],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {hashlib.sha256(build_vba_project(full_project_modules())).hexdigest()}


def test_full_build_is_fast():
    modules = full_project_modules()
    start = time.perf_counter()
    build_vba_project(modules)
    assert time.perf_counter() - start < 2.0
