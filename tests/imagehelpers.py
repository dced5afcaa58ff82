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



def photo(name: str = "astronaut.png") -> bytes:
    """A real photograph as its file: one of those scikit-image ships (astronaut.png: 512×512, 792 KB; coffee.png,
    chelsea.png, retina.jpg (1411×1411), rocket.jpg, hubble_deep_field.jpg)."""
    from pathlib import Path

    import skimage

    return (Path(skimage.__file__).parent / "data" / name).read_bytes()


def wide_photo(width: int, name: str = "coffee.png", quality: int = 95) -> bytes:
    """A real photograph scaled to `width` pixels and saved as a high-quality JPEG, as a news site serves a lead
    picture."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(photo(name))) as image:
        picture = image.convert("RGB").resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def animated_gif(frames: int = 12, size: int = 300) -> bytes:
    """A real animated GIF: noisy frames, so that it is large."""
    import io
    import random

    from PIL import Image

    rng = random.Random(5)
    images = [Image.frombytes("L", (size, size), rng.randbytes(size * size)).convert("P") for _ in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return out.getvalue()


def dimensions(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of an image file."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return str(image.format), image.width, image.height


def likeness(original: bytes, copy: bytes) -> float:
    """SSIM (scikit-image) of `copy` against `original` as a reader sees it: both decoded to RGB, the original
    resized to the copy's width when it is wider (with Lanczos, as media.py resizes)."""
    import io

    import numpy
    from PIL import Image
    from skimage.metrics import structural_similarity

    with Image.open(io.BytesIO(copy)) as shown:
        seen = shown.convert("RGB")
    with Image.open(io.BytesIO(original)) as source:
        reference = source.convert("RGB")
    if reference.size != seen.size:
        reference = reference.resize(seen.size, Image.Resampling.LANCZOS)
    return float(structural_similarity(numpy.asarray(reference), numpy.asarray(seen), channel_axis=2, data_range=255))
