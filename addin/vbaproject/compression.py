"""MS-OVBA 2.4.1 compression: the CompressedContainer used by the dir stream
and by every module stream.

A container is the signature byte 0x01 followed by chunks.  Each chunk encodes
at most 4096 bytes of decompressed data and is compressed on its own: a copy
token may only refer back into the decompressed data of its own chunk.  (A
writer that lets copy tokens reach into the previous chunk produces streams
that lenient readers such as olevba accept but LibreOffice reads as empty.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

CHUNK_SIZE = 4096
CONTAINER_SIGNATURE = 0x01
CHUNK_SIGNATURE = 0b011
MIN_MATCH = 3
# The longest compressed chunk body the 12-bit size field can describe.
MAX_CHUNK_BODY = 4096
# How many earlier positions with the same 3-byte prefix the matcher tries;
# more finds slightly longer matches at a cost in speed.
MAX_CANDIDATES = 48


class CompressionError(ValueError):
    """Data that cannot be stored, or a container that breaks MS-OVBA 2.4.1."""


def copy_token_offset_bits(position_in_chunk: int) -> int:
    """Bits of a copy token used for the offset (CopyToken Help, 2.4.1.3.19.1).

    The split depends on how much of the chunk is already decompressed: the
    further into the chunk, the more bits the offset needs and the fewer are
    left for the length.
    """
    return max((position_in_chunk - 1).bit_length(), 4)


def copy_token_max_length(position_in_chunk: int) -> int:
    return (0xFFFF >> copy_token_offset_bits(position_in_chunk)) + MIN_MATCH


def pack_copy_token(position_in_chunk: int, offset: int, length: int) -> int:
    bits = copy_token_offset_bits(position_in_chunk)
    if not 1 <= offset <= position_in_chunk:
        raise CompressionError(f"copy offset {offset} outside the chunk at {position_in_chunk}")
    if not MIN_MATCH <= length <= copy_token_max_length(position_in_chunk):
        raise CompressionError(f"copy length {length} not encodable at {position_in_chunk}")
    return ((offset - 1) << (16 - bits)) | (length - MIN_MATCH)


def unpack_copy_token(token: int, position_in_chunk: int) -> tuple[int, int]:
    """Return (offset, length) of a copy token found at `position_in_chunk`."""
    bits = copy_token_offset_bits(position_in_chunk)
    length_mask = 0xFFFF >> bits
    return (token >> (16 - bits)) + 1, (token & length_mask) + MIN_MATCH


def chunk_header(body_size: int, compressed: bool) -> bytes:
    """CompressedChunkHeader: 12-bit size (chunk size minus 3), signature 0b011, flag."""
    if not 1 <= body_size <= MAX_CHUNK_BODY:
        raise CompressionError(f"chunk body of {body_size} bytes cannot be described")
    value = (body_size + 2 - 3) | (CHUNK_SIGNATURE << 12) | (int(compressed) << 15)
    return value.to_bytes(2, "little")


# --- compression -----------------------------------------------------------


def compress(data: bytes) -> bytes:
    """Compress `data` into an MS-OVBA CompressedContainer."""
    data = bytes(data)
    out = bytearray([CONTAINER_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        out += _compress_chunk(data[start : start + CHUNK_SIZE])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    # The chunk is encoded as a bytes object of its own, so no match can
    # ever point before its first byte.
    body = _encode_tokens(chunk)
    if len(chunk) == CHUNK_SIZE and len(body) >= CHUNK_SIZE:
        # Incompressible: a raw chunk holds exactly 4096 bytes as they are.
        return chunk_header(CHUNK_SIZE, compressed=False) + chunk
    if len(body) <= MAX_CHUNK_BODY:
        return chunk_header(len(body), compressed=True) + body
    # A raw chunk always decompresses to 4096 bytes, so a shorter final chunk
    # would need padding that changes the data; refuse rather than corrupt it.
    raise CompressionError(f"final chunk of {len(chunk)} incompressible bytes cannot be stored without padding")


def _encode_tokens(chunk: bytes) -> bytes:
    """Encode one chunk as TokenSequences: a flag byte, then up to 8 tokens."""
    out = bytearray()
    positions: dict[bytes, list[int]] = {}
    end = len(chunk)
    pos = 0
    while pos < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            offset, length = _longest_match(chunk, pos, positions)
            if length:
                out += pack_copy_token(pos, offset, length).to_bytes(2, "little")
                flags |= 1 << bit
            else:
                out.append(chunk[pos])
                length = 1
            for p in range(pos, min(pos + length, end - MIN_MATCH + 1)):
                positions.setdefault(chunk[p : p + MIN_MATCH], []).append(p)
            pos += length
        out[flag_index] = flags
    return bytes(out)


def _longest_match(chunk: bytes, pos: int, positions: dict[bytes, list[int]]) -> tuple[int, int]:
    """Greedy search for the longest earlier match; (0, 0) if none is worth a token."""
    candidates = positions.get(chunk[pos : pos + MIN_MATCH])
    if not candidates:
        return 0, 0
    limit = min(copy_token_max_length(pos), len(chunk) - pos)
    best_length, best_offset = 0, 0
    for candidate in reversed(candidates[-MAX_CANDIDATES:]):
        # Skip candidates that cannot beat the best match found so far.
        if best_length and chunk[candidate + best_length] != chunk[pos + best_length]:
            continue
        length = _match_length(chunk, candidate, pos, limit)
        if length > best_length:
            best_length, best_offset = length, pos - candidate
            if length == limit:
                break
    return best_offset, best_length


def _match_length(chunk: bytes, earlier: int, pos: int, limit: int) -> int:
    """Length of the common run at `earlier` and `pos`, at least MIN_MATCH, at most `limit`.

    The runs may overlap (earlier + length > pos); that is fine because the
    decompressor copies byte by byte from data it has already produced.
    """
    length = MIN_MATCH
    # Grow in doubling steps with slice comparisons, then bisect the last step.
    step = 8
    while length < limit:
        probe = min(length + step, limit)
        if chunk[earlier + length : earlier + probe] != chunk[pos + length : pos + probe]:
            low, high = length, probe - 1
            while low < high:
                mid = (low + high + 1) // 2
                if chunk[earlier + length : earlier + mid] == chunk[pos + length : pos + mid]:
                    low = mid
                else:
                    high = mid - 1
            return low
        length = probe
        step *= 2
    return length


# --- decompression ---------------------------------------------------------


@dataclass(frozen=True)
class CopyToken:
    position_in_chunk: int  # decompressed bytes of this chunk before the token
    offset: int
    length: int


@dataclass
class Chunk:
    """One chunk as found in a container, for inspection by tests and tools."""

    start: int  # offset of the chunk header in the container
    size: int  # header + body, as the header says
    compressed: bool
    signature: int
    decompressed_size: int = 0
    copy_tokens: list[CopyToken] = field(default_factory=list)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer, strictly.

    Raises CompressionError on a bad signature or on a copy token that refers
    to data before the start of its own chunk.
    """
    out = bytearray()
    for chunk in _walk(container, out):
        for token in chunk.copy_tokens:
            if token.offset > token.position_in_chunk:
                raise CompressionError(
                    f"copy token in chunk at {chunk.start} reaches {token.offset} bytes back "
                    f"from position {token.position_in_chunk} of its chunk"
                )
    return bytes(out)


def iter_chunks(container: bytes) -> Iterator[Chunk]:
    """Walk a container chunk by chunk, reporting headers and copy tokens.

    Lenient like olevba: a token reaching into an earlier chunk is decoded
    (and reported) rather than rejected, so tests can detect it.
    """
    yield from _walk(container, bytearray())


def _walk(container: bytes, out: bytearray) -> Iterator[Chunk]:
    if not container or container[0] != CONTAINER_SIGNATURE:
        raise CompressionError("compressed container does not start with 0x01")
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise CompressionError(f"truncated chunk header at {pos}")
        header = int.from_bytes(container[pos : pos + 2], "little")
        chunk = Chunk(
            start=pos,
            size=(header & 0x0FFF) + 3,
            compressed=bool(header >> 15),
            signature=(header >> 12) & 0b111,
        )
        if chunk.signature != CHUNK_SIGNATURE:
            raise CompressionError(f"bad chunk signature {chunk.signature:#05b} at {pos}")
        body = container[pos + 2 : pos + chunk.size]
        chunk_start = len(out)
        if chunk.compressed:
            _decode_tokens(body, out, chunk)
        else:
            out += body
        chunk.decompressed_size = len(out) - chunk_start
        yield chunk
        pos += chunk.size


def _decode_tokens(body: bytes, out: bytearray, chunk: Chunk) -> None:
    chunk_start = len(out)
    pos = 0
    while pos < len(body):
        flags = body[pos]
        pos += 1
        for bit in range(8):
            if pos >= len(body):
                break
            if not flags & (1 << bit):
                out.append(body[pos])
                pos += 1
                continue
            if pos + 2 > len(body):
                raise CompressionError(f"truncated copy token in chunk at {chunk.start}")
            position = len(out) - chunk_start
            offset, length = unpack_copy_token(int.from_bytes(body[pos : pos + 2], "little"), position)
            chunk.copy_tokens.append(CopyToken(position, offset, length))
            _copy_from_history(out, offset, length)
            pos += 2


def _copy_from_history(out: bytearray, offset: int, length: int) -> None:
    source = len(out) - offset
    if source < 0:
        raise CompressionError(f"copy token reaches {offset} bytes back, before the data start")
    if offset >= length:
        out += out[source : source + length]
    else:
        # Overlapping copy: the run repeats the last `offset` bytes.
        pattern = bytes(out[source:])
        out += (pattern * (length // offset + 1))[:length]
