"""What kind of image a photo is, and its size in pixels, read from the bytes themselves.

The file name and the type the client declares are claims; the bytes are the evidence. Only
the headers are parsed (PNG's IHDR, JPEG's frame header, WebP's VP8/VP8L/VP8X chunk, HEIC's
``ispe`` property of the primary item), so no image library is needed and nothing is decoded.
The dimensions are the stored pixels, before any orientation tag is applied.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from revalue.domain.errors import InvalidInput

JPEG, PNG, WEBP, HEIC = "image/jpeg", "image/png", "image/webp", "image/heic"
TYPES = (JPEG, PNG, WEBP, HEIC)
FIELD = "photo"

# What clients send instead of the canonical type; "no idea" is not a disagreement.
_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "image/heif": HEIC}
_UNDECLARED = frozenset({"", "application/octet-stream"})


class NotAnImage(InvalidInput):
    code = "not_an_image"


class EmptyPhoto(InvalidInput):
    code = "photo_empty"


class PhotoTooLarge(InvalidInput):
    code = "photo_too_large"


class PhotoTypeMismatch(InvalidInput):
    code = "photo_type_mismatch"


@dataclass(frozen=True, slots=True)
class Image:
    content_type: str
    width: int
    height: int


def identify(data: bytes, *, declared: str | None, max_bytes: int) -> Image:
    """The photo's type and size, or a refusal naming the field ``photo``."""
    if not data:
        raise EmptyPhoto("the photo is empty", field=FIELD)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    image = _sniff(data)
    claimed = (declared or "").split(";")[0].strip().lower()
    claimed = _ALIASES.get(claimed, claimed)
    if claimed not in _UNDECLARED and claimed != image.content_type:
        raise PhotoTypeMismatch(
            f"the photo was sent as {claimed} but its bytes are {image.content_type}",
            field=FIELD,
            declared=claimed,
            found=image.content_type,
        )
    return image


def too_large(max_bytes: int) -> PhotoTooLarge:
    return PhotoTooLarge(
        f"the photo is larger than the limit of {max_bytes} bytes",
        field=FIELD,
        max_bytes=max_bytes,
    )


class _Damaged(Exception):
    """The file starts like an image of a known type, but its header is cut short or wrong."""


def _sniff(data: bytes) -> Image:
    parsers = (
        (data.startswith(b"\x89PNG\r\n\x1a\n"), PNG, _png),
        (data.startswith(b"\xff\xd8\xff"), JPEG, _jpeg),
        (data[:4] == b"RIFF" and data[8:12] == b"WEBP", WEBP, _webp),
        (data[4:8] == b"ftyp" and _is_heic(data), HEIC, _heic),
    )
    for matches, content_type, parse in parsers:
        if matches:
            try:
                width, height = parse(data)
            except (_Damaged, struct.error):
                raise NotAnImage(
                    f"the photo looks like {content_type} but its header is truncated or damaged",
                    field=FIELD,
                ) from None
            if not width or not height:
                raise NotAnImage(
                    f"the photo's header gives no size ({width}x{height})", field=FIELD
                )
            return Image(content_type, width, height)
    raise NotAnImage(
        "the photo is not a JPEG, PNG, WebP or HEIC image", field=FIELD, accepted=list(TYPES)
    )


def _png(data: bytes) -> tuple[int, int]:
    # The first chunk is IHDR (13 bytes: width, height, ...), with its CRC after it.
    if data[8:16] != b"\x00\x00\x00\x0dIHDR" or len(data) < 33:
        raise _Damaged
    if zlib.crc32(data[12:29]) != struct.unpack_from(">I", data, 29)[0]:
        raise _Damaged
    width, height = struct.unpack_from(">II", data, 16)
    return width, height


# Start-of-frame markers carry the size; C4 (Huffman tables), C8 and CC (arithmetic coding
# conditioning) share the range but are not frames.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # no length field follows these


def _jpeg(data: bytes) -> tuple[int, int]:
    pos = 2
    while True:
        if pos >= len(data) or data[pos] != 0xFF:
            raise _Damaged
        while pos < len(data) and data[pos] == 0xFF:  # markers may be padded with 0xFF
            pos += 1
        if pos >= len(data):
            raise _Damaged
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # end of image, or start of scan, before any frame header
            raise _Damaged
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise _Damaged
        if marker in _SOF:
            # precision (1 byte), height, width
            height, width = struct.unpack_from(">HH", data, pos + 3)
            return width, height
        pos += length


def _webp(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 ":  # lossy: a key frame's start code, then 14-bit width and height
        if data[23:26] != b"\x9d\x01\x2a":
            raise _Damaged
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":  # lossless: a signature byte, then width-1 and height-1 in 14 bits
        if data[20:21] != b"\x2f":
            raise _Damaged
        (bits,) = struct.unpack_from("<I", data, 21)
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":  # extended: the canvas, width-1 and height-1 in 24 bits each
        if len(data) < 30:
            raise _Damaged
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise _Damaged


# HEIF files holding HEVC-coded images; AVIF shares the container but is another codec.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis"})


def _is_heic(data: bytes) -> bool:
    size = int.from_bytes(data[:4], "big")
    brands = data[8:12], *(data[i : i + 4] for i in range(16, min(size, len(data)), 4))
    return any(brand in _HEIC_BRANDS for brand in brands)


def _heic(data: bytes) -> tuple[int, int]:
    """The ``ispe`` (image spatial extents) property of the primary item: for a photo stored
    as a grid of tiles it is the whole picture's size, not a tile's."""
    meta = _child(data, 0, len(data), b"meta")
    children = meta[0] + 4, meta[1]  # meta is a full box: version and flags first
    pitm = _child(data, *children, b"pitm")
    version = data[pitm[0]]
    primary = int.from_bytes(data[pitm[0] + 4 : pitm[0] + (6 if version == 0 else 8)], "big")
    iprp = _child(data, *children, b"iprp")
    properties = list(_boxes(data, *_child(data, *iprp, b"ipco")))
    for index in _associations(data, _child(data, *iprp, b"ipma"), primary):
        if 0 < index <= len(properties) and properties[index - 1][0] == b"ispe":
            start = properties[index - 1][1]
            width, height = struct.unpack_from(">II", data, start + 4)
            return width, height
    raise _Damaged


def _associations(data: bytes, ipma: tuple[int, int], item: int) -> Iterator[int]:
    """The property indexes (1-based) associated with ``item``, from the ``ipma`` box."""
    pos, end = ipma
    version, flags = data[pos], int.from_bytes(data[pos + 1 : pos + 4], "big")
    (count,) = struct.unpack_from(">I", data, pos + 4)
    pos += 8
    id_size, wide = (2 if version < 1 else 4), bool(flags & 1)
    for _ in range(count):
        item_id = int.from_bytes(data[pos : pos + id_size], "big")
        n = data[pos + id_size]
        pos += id_size + 1
        for _ in range(n):
            if wide:
                (entry,) = struct.unpack_from(">H", data, pos)
                index, pos = entry & 0x7FFF, pos + 2
            else:
                index, pos = data[pos] & 0x7F, pos + 1
            if item_id == item:
                yield index
        if pos > end:
            raise _Damaged


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int]:
    for found, body, stop in _boxes(data, start, end):
        if found == kind:
            return body, stop
    raise _Damaged


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """ISO base media boxes between ``start`` and ``end``: (type, body start, body end)."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        head = 8
        if size == 1:  # a 64-bit size follows the type
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            head = 16
        elif size == 0:  # the box runs to the end
            size = end - pos
        if size < head or pos + size > end:
            raise _Damaged
        yield kind, pos + head, pos + size
        pos += size
