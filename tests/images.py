"""Tiny images made byte by byte, for tests of photo evidence: no image library needed, and
each builder states the size it writes."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 3, height: int = 2, *, seed: int = 0) -> bytes:
    """A valid RGB PNG; ``seed`` varies the pixels, so photos of one size differ."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = bytes((seed + i) % 256 for i in range(3 * width))
    pixels = b"".join(b"\x00" + row for _ in range(height))  # filter type 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(pixels, level=0))  # stored: its size is predictable
        + chunk(b"IEND", b"")
    )


def jpeg(width: int = 4, height: int = 3, *, exif_first: bool = False) -> bytes:
    """A baseline JPEG's markers: JFIF, the frame header with the size, a scan, the end. As
    cameras write it (``exif_first``): an Exif segment instead, and fill bytes before the
    frame header."""
    app = (
        b"\xff\xe1" + struct.pack(">H", 16) + b"Exif\x00\x00" + b"\x00" * 8
        if exif_first
        else b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    )
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00" + b"\x12\x34"
    fill = b"\xff\xff" if exif_first else b""
    return b"\xff\xd8" + app + fill + frame + scan + b"\xff\xd9"


def _riff(chunk: bytes, body: bytes) -> bytes:
    data = chunk + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)
    return b"RIFF" + struct.pack("<I", 4 + len(data)) + b"WEBP" + data


def webp_lossy(width: int = 5, height: int = 4) -> bytes:
    frame_tag = b"\x10\x02\x00"  # a key frame, shown
    return _riff(
        b"VP8 ", frame_tag + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\0" * 8
    )


def webp_lossless(width: int = 6, height: int = 7) -> bytes:
    bits = (width - 1) | (height - 1) << 14
    return _riff(b"VP8L", b"\x2f" + struct.pack("<I", bits) + b"\0" * 4)


def webp_extended(width: int = 300, height: int = 200) -> bytes:
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _riff(b"VP8X", b"\x10\0\0\0" + canvas)


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full(kind: bytes, body: bytes, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + body)


def heic(width: int = 4032, height: int = 3024) -> bytes:
    """An iPhone-like HEIC container: item 1 (the primary, a grid) is ``width`` x ``height``;
    item 2, its thumbnail, has an ``ispe`` listed first, so only the primary item's
    association finds the right size."""
    ipco = _box(
        b"ipco",
        _full(b"ispe", struct.pack(">II", 320, 240))  # index 1: the thumbnail's
        + _box(b"hvcC", b"\x01" * 8)  # index 2
        + _full(b"ispe", struct.pack(">II", width, height)),  # index 3: the primary's
    )
    thumbnail = struct.pack(">HB", 2, 2) + bytes([0x82, 0x01])  # item 2: hvcC (essential), ispe 1
    primary = struct.pack(">HB", 1, 1) + bytes([0x03])  # item 1: ispe 3
    ipma = _full(b"ipma", struct.pack(">I", 2) + thumbnail + primary)
    meta = _full(
        b"meta",
        _full(b"hdlr", b"\0" * 4 + b"pict" + b"\0" * 13)
        + _full(b"pitm", struct.pack(">H", 1))
        + _box(b"iprp", ipco + ipma),
    )
    ftyp = _box(b"ftyp", b"heic" + b"\0\0\0\0" + b"mif1heic")
    return ftyp + meta + _box(b"mdat", b"\0" * 16)
