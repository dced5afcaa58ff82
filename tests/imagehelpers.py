"""Real images made in memory, for the image-mirroring tests."""

from __future__ import annotations

import struct
import zlib


def png(seed: int, padding: int = 0) -> bytes:
    """A real PNG (1×1, colour from seed), optionally padded with a large ancillary chunk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(b"\x00" + bytes([seed % 256, 10, 20]))
    extra = chunk(b"tEXt", b"pad\x00" + b"x" * padding) if padding else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")

