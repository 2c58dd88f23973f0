"""A minimal MS-CFB (Compound File Binary) writer.

Version 3 files with 512-byte sectors: one FAT whose sectors are all listed
in the header's DIFAT (enough for files up to about 7 MB), a mini stream with
its mini FAT for streams under 4096 bytes, and a red-black directory tree per
storage.  No timestamps and zero CLSIDs, so equal input gives equal bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR_SIZE = 512
MINI_SECTOR_SIZE = 64
MINI_STREAM_CUTOFF = 4096
DIR_ENTRY_SIZE = 128
HEADER_DIFAT_SLOTS = 109
FAT_ENTRIES_PER_SECTOR = SECTOR_SIZE // 4

FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

TYPE_STORAGE = 1
TYPE_STREAM = 2
TYPE_ROOT = 5
RED = 0
BLACK = 1

MAX_NAME_LENGTH = 31
FORBIDDEN_NAME_CHARACTERS = set("/\\:!")


class CompoundFileError(ValueError):
    pass


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    # Filled in while laying out the file.
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start_sector: int = ENDOFCHAIN


def build_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Return a compound file holding `streams`, keyed by '/'-separated path.

    Storages are created for every folder of a path.  Directory entries are
    numbered depth-first in the order the paths are given.
    """
    root = _build_tree(streams)
    entries = _number_entries(root)
    for entry in entries:
        if entry.kind != TYPE_STREAM:
            _link_children(entry)
    return _FileLayout(entries).render()


# --- directory tree --------------------------------------------------------


def _build_tree(streams: Mapping[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", TYPE_ROOT)
    for path, data in streams.items():
        *folders, stream_name = path.split("/")
        storage = root
        for folder in folders:
            storage = _child(storage, folder, TYPE_STORAGE, create=True)
        if _child(storage, stream_name, TYPE_STREAM, create=False) is not None:
            raise CompoundFileError(f"duplicate stream {path!r}")
        storage.children.append(_Entry(_checked_name(stream_name), TYPE_STREAM, bytes(data)))
    return root


def _child(storage: _Entry, name: str, kind: int, create: bool) -> _Entry | None:
    for child in storage.children:
        if _name_key(child.name) == _name_key(name):
            if child.kind != kind:
                raise CompoundFileError(f"{name!r} is both a storage and a stream")
            return child
    if not create:
        return None
    child = _Entry(_checked_name(name), kind)
    storage.children.append(child)
    return child


def _checked_name(name: str) -> str:
    if not name or len(name) > MAX_NAME_LENGTH or FORBIDDEN_NAME_CHARACTERS & set(name):
        raise CompoundFileError(f"invalid compound file entry name {name!r}")
    return name


def _name_key(name: str) -> tuple[int, str]:
    """MS-CFB sibling order: shorter names first, then by upper-cased characters."""
    upper = "".join(c.upper() if len(c.upper()) == 1 else c for c in name)
    return len(name), upper


def _number_entries(root: _Entry) -> list[_Entry]:
    entries: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.sid = len(entries)
        entries.append(entry)
        for child in entry.children:
            visit(child)

    visit(root)
    return entries


def _link_children(storage: _Entry) -> None:
    """Arrange a storage's children as a balanced binary search tree.

    Built from the sorted names by taking medians, every empty link sits at
    the deepest level or the one above it.  Colouring the deepest level red
    (when it is not the root) and everything else black then satisfies the
    red-black rules: the same number of black nodes on every path, and no
    red node with a red child.
    """
    ordered = sorted(storage.children, key=lambda e: _name_key(e.name))
    depth = _tree_depth(len(ordered))

    def build(low: int, high: int, level: int) -> int:
        if low >= high:
            return NOSTREAM
        middle = (low + high) // 2
        node = ordered[middle]
        node.left = build(low, middle, level + 1)
        node.right = build(middle + 1, high, level + 1)
        node.color = RED if level == depth - 1 and level > 0 else BLACK
        return node.sid

    storage.child = build(0, len(ordered), 0)


def _tree_depth(count: int) -> int:
    """Levels of the median-split tree of `count` nodes."""
    return count.bit_length()


# --- sectors ---------------------------------------------------------------


def _sectors_for(size: int, sector_size: int = SECTOR_SIZE) -> int:
    return -(-size // sector_size)


def _pad(data: bytes, sector_size: int = SECTOR_SIZE) -> bytes:
    return data + b"\0" * (-len(data) % sector_size)


class _FileLayout:
    """Places FAT, directory, mini FAT, mini stream and large streams in sectors."""

    def __init__(self, entries: list[_Entry]):
        self.entries = entries
        self.fat: list[int] = []
        self.fat_sector_count = 0
        self.body = bytearray()  # every sector after the FAT sectors
        self.root = entries[0]

    def render(self) -> bytes:
        streams = [e for e in self.entries if e.kind == TYPE_STREAM]
        small = [e for e in streams if 0 < len(e.data) < MINI_STREAM_CUTOFF]
        large = [e for e in streams if len(e.data) >= MINI_STREAM_CUTOFF]
        mini_stream, mini_fat = self._mini_stream(small)

        fat_sector_count = self._fat_sector_count(len(mini_stream), len(mini_fat), large)
        self.fat = [FATSECT] * fat_sector_count
        self.fat_sector_count = fat_sector_count
        directory_start = self._append_chain(b"\0" * (len(self.entries) * DIR_ENTRY_SIZE))
        mini_fat_start = self._append_chain(mini_fat)
        self.root.start_sector = self._append_chain(mini_stream)
        for entry in large:
            entry.start_sector = self._append_chain(entry.data)
        self._write_directory(directory_start, mini_stream_size=len(mini_stream))

        fat = self.fat + [FREESECT] * (-len(self.fat) % FAT_ENTRIES_PER_SECTOR)
        header = self._header(fat_sector_count, directory_start, mini_fat_start, len(mini_fat))
        return header + struct.pack(f"<{len(fat)}I", *fat) + bytes(self.body)

    def _mini_stream(self, small: list[_Entry]) -> tuple[bytes, bytes]:
        """Concatenate small streams in 64-byte mini sectors; return (stream, mini FAT)."""
        mini_stream = bytearray()
        mini_fat: list[int] = []
        for entry in small:
            first = len(mini_fat)
            count = _sectors_for(len(entry.data), MINI_SECTOR_SIZE)
            mini_fat += list(range(first + 1, first + count)) + [ENDOFCHAIN]
            mini_stream += _pad(entry.data, MINI_SECTOR_SIZE)
            entry.start_sector = first
        packed = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
        # Unused mini FAT slots in the last sector must read as free.
        packed += struct.pack("<I", FREESECT) * (-len(mini_fat) % FAT_ENTRIES_PER_SECTOR)
        return bytes(mini_stream), packed

    def _fat_sector_count(self, mini_stream_size: int, mini_fat_size: int, large: list[_Entry]) -> int:
        other = (
            _sectors_for(len(self.entries) * DIR_ENTRY_SIZE)
            + _sectors_for(mini_fat_size)
            + _sectors_for(mini_stream_size)
            + sum(_sectors_for(len(e.data)) for e in large)
        )
        count = 1
        while count * FAT_ENTRIES_PER_SECTOR < count + other:
            count += 1
        if count > HEADER_DIFAT_SLOTS:
            raise CompoundFileError("file too large for a FAT listed in the header alone")
        return count

    def _append_chain(self, data: bytes) -> int:
        """Store `data` in consecutive sectors, chain them in the FAT, return the first."""
        if not data:
            return ENDOFCHAIN
        first = len(self.fat)
        count = _sectors_for(len(data))
        self.fat += list(range(first + 1, first + count)) + [ENDOFCHAIN]
        self.body += _pad(data)
        return first

    def _write_directory(self, directory_start: int, mini_stream_size: int) -> None:
        records = b"".join(self._directory_entry(e, mini_stream_size) for e in self.entries)
        offset = (directory_start - self.fat_sector_count) * SECTOR_SIZE
        self.body[offset : offset + len(records)] = records
        # Unused slots of the last directory sector: empty entries with no links.
        unused = (-len(self.entries)) % (SECTOR_SIZE // DIR_ENTRY_SIZE)
        empty = _empty_directory_entry() * unused
        start = offset + len(records)
        self.body[start : start + len(empty)] = empty

    @staticmethod
    def _directory_entry(entry: _Entry, mini_stream_size: int) -> bytes:
        name = entry.name.encode("utf-16-le") + b"\0\0"
        if entry.kind == TYPE_ROOT:
            start, size = entry.start_sector, mini_stream_size
        elif entry.kind == TYPE_STREAM:
            start, size = entry.start_sector, len(entry.data)
        else:
            start, size = 0, 0
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            entry.kind,
            entry.color,
            entry.left,
            entry.right,
            entry.child,
            b"\0" * 16,  # CLSID
            0,  # state bits
            0,  # creation time: none, for reproducible output
            0,  # modified time
            start,
            size,
        )

    def _header(self, fat_sectors: int, directory_start: int, mini_fat_start: int, mini_fat_size: int) -> bytes:
        mini_fat_sectors = _sectors_for(mini_fat_size)
        difat = list(range(fat_sectors)) + [FREESECT] * (HEADER_DIFAT_SLOTS - fat_sectors)
        header = struct.pack(
            "<8s16sHHHHH6sIIIIIIIII",
            SIGNATURE,
            b"\0" * 16,  # header CLSID
            0x003E,  # minor version
            0x0003,  # major version 3: 512-byte sectors
            0xFFFE,  # byte order mark: little-endian
            9,  # sector shift: 2**9 = 512
            6,  # mini sector shift: 2**6 = 64
            b"\0" * 6,
            0,  # directory sector count: must be 0 in version 3
            fat_sectors,
            directory_start,
            0,  # transaction signature
            MINI_STREAM_CUTOFF,
            mini_fat_start if mini_fat_sectors else ENDOFCHAIN,
            mini_fat_sectors,
            ENDOFCHAIN,  # first DIFAT sector: none beyond the header
            0,  # DIFAT sector count
        )
        return header + struct.pack(f"<{HEADER_DIFAT_SLOTS}I", *difat)


def _empty_directory_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0)
