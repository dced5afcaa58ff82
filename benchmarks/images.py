"""Choose the WebP quality of re-encoded images (ingest/media.py) by measurement: size against likeness.

    python benchmarks/images.py                   # the real photographs scikit-image ships, and any JPEG given
    python benchmarks/images.py --width 1000 extra/*.jpg

Each image is the file as a site would serve it (the PNGs and JPEGs of skimage/data: astronaut, coffee, the
Hubble deep field, a retina, a rocket launch…, plus the photographs passed on the command line). It goes through
newsmirror's own re-encoding (media.shrink_image, rule: wider than --width or over 1 byte, so every image is
re-encoded) at each quality; the result is compared with the original as the reader would see it (decoded, and
resized to the same width with the same filter when it was wider) by SSIM (scikit-image, on the three colour
channels) and PSNR. Prints, per quality: the median and largest size as a share of the original, and the smallest
and median SSIM; then the lowest quality at which the median photograph keeps an SSIM of --ssim-median and every
one at least --ssim-min (a star field of the Hubble telescope, all fine noise, is the hardest). Images of few colours
(graphics) go lossless and are left out of the quality table; their sizes are printed apart.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from newsmirror.ingest.media import ShrinkRule, shrink_image  # noqa: E402

QUALITIES = (50, 60, 70, 75, 80, 85, 90, 95)
# Photographs (many colours) of skimage/data; the rest there are graphics, grey test charts or microscopy.
PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.jpg", "motorcycle_left.png",
          "motorcycle_right.png", "retina.jpg", "rocket.jpg", "ihc.png", "color.png")  # fmt: skip
GRAPHICS = ("logo.png", "horse.png", "page.png", "text.png", "phantom.png", "chessboard_RGB.png")


def corpus(extra: list[Path]) -> tuple[list[Path], list[Path]]:
    import skimage

    data = Path(skimage.__file__).parent / "data"
    return [data / name for name in PHOTOS] + extra, [data / name for name in GRAPHICS]


def as_seen(data: bytes, width: int):
    """The image as a reader sees it: decoded to RGB, resized to `width` when wider (as media.py resizes)."""
    import numpy
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        picture = ImageOps.exif_transpose(image).convert("RGB")
    if picture.width > width:
        picture = picture.resize((width, max(1, round(picture.height * width / picture.width))), Image.Resampling.LANCZOS)
    return numpy.asarray(picture)


def likeness(original, encoded) -> tuple[float, float]:
    import numpy
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    ssim = structural_similarity(original, encoded, channel_axis=2, data_range=255)
    with numpy.errstate(divide="ignore"):  # identical pixels: an infinite PSNR
        psnr = peak_signal_noise_ratio(original, encoded, data_range=255)
    return float(ssim), float(psnr)


def measure(path: Path, width: int, quality: int) -> tuple[float, float, float]:
    """(size of the WebP / size of the file, SSIM, PSNR)."""
    data = path.read_bytes()
    rule = ShrinkRule(max_width=width, max_bytes=1, quality=quality, lowest_quality=quality)  # this quality only
    shrunk = shrink_image(data, rule)
    encoded = shrunk[0] if shrunk else data
    ssim, psnr = likeness(as_seen(data, width), as_seen(encoded, width))
    return len(encoded) / len(data), ssim, psnr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="*", type=Path, help="more photographs (JPEG or PNG)")
    parser.add_argument("--width", type=int, default=1600, help="the width cap (default 1600)")
    parser.add_argument("--ssim-median", type=float, default=0.95, help="the likeness the median photograph keeps")
    parser.add_argument("--ssim-min", type=float, default=0.92, help="the likeness every photograph keeps")
    options = parser.parse_args()
    photos, graphics = corpus(options.images)
    print(f"{len(photos)} photographs, {sum(p.stat().st_size for p in photos) / 1e6:.1f} MB; width cap {options.width}")
    print(f"{'quality':>7}  {'size median':>11}  {'size max':>8}  {'SSIM min':>8}  {'SSIM median':>11}  {'PSNR min':>8}")
    chosen = None
    for quality in QUALITIES:
        rows = [measure(path, options.width, quality) for path in photos]
        sizes, ssims, psnrs = zip(*rows, strict=True)
        print(f"{quality:>7}  {statistics.median(sizes):>10.1%}  {max(sizes):>8.1%}  {min(ssims):>8.4f}  "
              f"{statistics.median(ssims):>11.4f}  {min(psnrs):>7.1f}dB")  # fmt: skip
        if chosen is None and min(ssims) >= options.ssim_min and statistics.median(ssims) >= options.ssim_median:
            chosen = quality
    print(f"lowest quality with median SSIM >= {options.ssim_median} and every SSIM >= {options.ssim_min}: {chosen}")
    lossless = [(path.name, *measure(path, options.width, 80)[:2]) for path in graphics]
    print("other images (lossless WebP when of few colours): " + ", ".join(f"{name} {size:.0%} (SSIM {ssim:.4f})" for name, size, ssim in lossless))


if __name__ == "__main__":
    main()
