"""Image mirroring: each image of a post is downloaded once, stored by content hash under assets/images/, and the
post points at that copy, so that readers never need to reach the blocked site.

Where an image came from is remembered in an ImageStore (the archive's state cache), so a re-run downloads nothing
twice; the files themselves are named by their SHA-256, so the same picture under two addresses is stored once.
Losing that memory costs only downloads: the files and posts stay right.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from newsmirror.config import Config, format_size
from newsmirror.files import atomic_write_bytes
from newsmirror.ingest.guard import AddressGuard
from newsmirror.ingest.http import Fetcher, shown_type
from newsmirror.models import FetchError

if TYPE_CHECKING:
    import PIL.Image

IMAGES_DIR = "assets/images"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Raster types only: an SVG served from the mirror's own origin could run script when opened directly.
_EXTENSIONS = {"image/jpeg": "jpg", "image/jpg": "jpg", "image/pjpeg": "jpg", "image/png": "png", "image/gif": "gif",
               "image/webp": "webp", "image/avif": "avif", "image/bmp": "bmp", "image/x-icon": "ico",
               "image/vnd.microsoft.icon": "ico", "image/tiff": "tiff"}  # fmt: skip
# An <img> and its src: groups 1, 2 and 3 are what precedes the address, the address and the closing quote. An
# <img> with no such src matches too, as itself in group 1 with groups 2 and 3 empty (callers see an empty address),
# so that the search does not fail there and rescan the rest of the tag from every "<img" inside it (quadratic).
_IMG_SRC = re.compile(
    r'(<img\b(?:[^>]*?\ssrc="(?=[^"]+")|[^>]*))((?<=\ssrc=")[^"]+(?=")|)("?)', re.IGNORECASE
)


# Re-encoding (issue 15): an image over the size the settings allow is stored as WebP, no wider than the cap.
# The quality is chosen by benchmarks/images.py on 12 real photographs: at 90 the median keeps an SSIM of 0.970
# (every one >= 0.927, the hardest a Hubble star field) in 16% of the original's bytes (median; 76% at most). A
# picture still over the size cap at 90 is tried at 85 and 80 (median SSIM 0.962 and 0.953), no lower: at 75 the
# median falls to 0.941. Images of few colours (charts, screenshots, logos) become lossless WebP: every pixel kept.
WEBP_QUALITY = 90
LOWEST_QUALITY = 80
MAX_PIXELS = 50_000_000  # a larger picture is not decoded (a decompression bomb costs memory): kept as it came
_FEW_COLOURS = 256  # up to this many distinct colours an image is a graphic: lossless


@dataclass(frozen=True, slots=True)
class ShrinkRule:
    """When a downloaded image is re-encoded: wider than `max_width` pixels or larger than `max_bytes` (0: never
    for that reason); at `quality`, down to `lowest_quality` while still over `max_bytes`."""

    max_width: int = 0
    max_bytes: int = 0
    quality: int = WEBP_QUALITY
    lowest_quality: int = LOWEST_QUALITY


def shrink_image(data: bytes, rule: ShrinkRule) -> tuple[bytes, str] | None:
    """The image as WebP (no wider than the rule's width, with its colour profile, turned upright as its EXIF says)
    when it is over the rule and the WebP is smaller or narrower; None to store it as it came: within the rule,
    animated, not decodable, too many pixels, or nothing gained. Pillow is imported here: only runs that mirror
    images pay for it."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            too_wide = bool(rule.max_width) and width > rule.max_width
            too_big = bool(rule.max_bytes) and len(data) > rule.max_bytes
            if not (too_wide or too_big) or width * height > MAX_PIXELS or getattr(image, "is_animated", False):
                return None
            profile = image.info.get("icc_profile")
            picture = ImageOps.exif_transpose(image)
            lossless = picture.mode in ("1", "P") or picture.getcolors(_FEW_COLOURS) is not None
            encoded = _webp(picture, rule, None if lossless else rule.quality, profile)
            quality = rule.quality - 5
            while not lossless and rule.max_bytes and len(encoded) > rule.max_bytes and quality >= rule.lowest_quality:
                encoded = min(encoded, _webp(picture, rule, quality, profile), key=len)
                quality -= 5
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):  # what Pillow raises for bad files
        return None
    if too_wide or len(encoded) < len(data):
        return encoded, "webp"
    return None


def _webp(picture: PIL.Image.Image, rule: ShrinkRule, quality: int | None, profile: bytes | None) -> bytes:
    """The picture as WebP, resized to the rule's width when wider; lossless when `quality` is None."""
    from PIL import Image

    alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    picture = picture.convert("RGBA" if alpha else "RGB")
    if rule.max_width and picture.width > rule.max_width:
        height = max(1, round(picture.height * rule.max_width / picture.width))
        picture = picture.resize((rule.max_width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    options: dict[str, object] = {"lossless": True, "exact": True} if quality is None else {"quality": quality}
    if profile:
        options["icc_profile"] = profile
    picture.save(out, "WEBP", method=4, **options)
    return out.getvalue()


class ImageStore(Protocol):
    """Where each image address's stored copy is remembered (newsmirror.archive.state.State is one)."""

    def image_path(self, url: str) -> str | None: ...  # the root-relative path last remembered for `url`

    def remember_image(self, url: str, path: str) -> None: ...


def site_path(baseurl: str, relative: str) -> str:
    """A site-relative URL that works from any page depth: `/assets/…`, or `/mirror/assets/…` under a baseurl."""
    prefix = baseurl.strip().strip("/")
    return f"/{prefix}/{relative}" if prefix else f"/{relative}"


@dataclass(slots=True)
class MirrorOutcome:
    content: str
    failures: list[str] = field(default_factory=list)  # one line each: the image address and the cause


@dataclass(slots=True)
class ImageTotals:
    """What a run's image mirroring did, for the run report: new files stored (and how many of them re-encoded,
    from how many bytes to how many), and what the archive-wide `[site] image_budget` held back."""

    stored: int = 0
    stored_bytes: int = 0
    reencoded: int = 0
    bytes_before_reencoding: int = 0
    bytes_after_reencoding: int = 0
    archive_bytes: int = 0  # assets/images/ as this run found it, plus what it stored
    budget: int = 0  # 0: none
    over_budget: int = 0  # images left at their original address because the budget was reached

    @property
    def budget_reached(self) -> bool:
        return bool(self.budget) and self.archive_bytes >= self.budget

    def budget_warning(self) -> str:
        """One line for the run report when `[site] image_budget` held images back, else ""."""
        if not self.over_budget:
            return ""
        return (f"image budget reached: assets/images/ holds {format_size(self.archive_bytes)} of the "
                f"{format_size(self.budget)} [site] image_budget allows; {self.over_budget} new images keep their "
                "original address (raise image_budget, or see `newsmirror size`)")  # fmt: skip

    def to_dict(self) -> dict:
        return {"stored": self.stored, "stored_bytes": self.stored_bytes, "reencoded": self.reencoded,
                "bytes_before_reencoding": self.bytes_before_reencoding,
                "bytes_after_reencoding": self.bytes_after_reencoding, "archive_bytes": self.archive_bytes,
                "budget": self.budget, "budget_reached": self.budget_reached, "over_budget": self.over_budget}  # fmt: skip


class OverBudget(FetchError):
    """The archive's images have reached `[site] image_budget`: the image keeps its original address. Counted in
    ImageTotals and said once in the run report, not once per image."""


def images_bytes(root: Path) -> int:
    """The bytes of every file under root/assets/images/ (one walk; ~50 ms for 50,000 images)."""
    total = 0
    for folder, _dirs, names in os.walk(root / IMAGES_DIR):
        for name in names:
            try:
                total += os.stat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


@dataclass(slots=True)
class _Budget:
    """The bytes one post's new images may still take (0: no limit)."""

    limit: int
    used: int = 0

    def take(self, size: int) -> bool:
        if self.limit and self.used + size > self.limit:
            return False
        self.used += size
        return True


class ImageMirror:
    """Mirrors the images of sanitized post HTML into `root/assets/images/`."""

    def __init__(
        self,
        root: Path,
        fetcher: Fetcher,
        store: ImageStore,
        *,
        baseurl: str = "",
        max_bytes: int = MAX_IMAGE_BYTES,
        max_images: int = 0,
        max_post_bytes: int = 0,
        shrink: ShrinkRule | None = None,
        budget: int = 0,
    ):
        self.root = root
        self.fetcher = fetcher
        self.store = store
        self.baseurl = baseurl
        self.max_bytes = max_bytes
        self.max_images = max_images  # per post; 0: no limit
        self.max_post_bytes = max_post_bytes  # new downloads per post; 0: no limit
        self._pending: dict[str, asyncio.Task[str]] = {}  # one download per address, however many posts want it
        self.shrink = shrink or ShrinkRule()  # no caps: every image stored as it came
        self.totals = ImageTotals(budget=budget)
        self._measured = False  # assets/images/ is measured once, when the budget is first asked

    def _known(self, url: str) -> str | None:
        path = self.store.image_path(url)
        if path and (self.root / path).is_file():
            return path
        return None

    def _check_budget(self) -> None:
        totals = self.totals
        if not self._measured:  # also without a budget: the run report gives the archive's image bytes
            totals.archive_bytes += images_bytes(self.root)
            self._measured = True
        if totals.budget_reached:
            totals.over_budget += 1
            raise OverBudget("the archive's images have reached [site] image_budget")

    async def _download(self, url: str, guard: AddressGuard | None, budget: _Budget) -> str:
        """The archive-relative path of the stored copy; raises FetchError with the cause."""
        self._check_budget()
        result = await self.fetcher.get(
            url, max_bytes=self.max_bytes, guard=guard, accept="image/avif,image/webp,image/*;q=0.9"
        )
        kind = result.content_type
        extension = _EXTENSIONS.get(kind)
        if extension is None:
            raise FetchError(f"not an image (content type {shown_type(kind)})")
        if not result.content:
            raise FetchError("empty response")
        content = result.content
        if self.shrink.max_width or self.shrink.max_bytes:  # animations are left as they are (shrink_image)
            smaller = await asyncio.to_thread(shrink_image, content, self.shrink)  # Pillow lets go of the GIL
            if smaller is not None:
                self.totals.reencoded += 1
                self.totals.bytes_before_reencoding += len(content)
                self.totals.bytes_after_reencoding += len(smaller[0])
                content, extension = smaller
        self._check_budget()  # again: other downloads may have reached it meanwhile
        if not budget.take(len(content)):
            raise FetchError(f"over the post's image limit of {self.max_post_bytes} bytes (max_image_bytes_per_post)")
        digest = hashlib.sha256(content).hexdigest()
        relative = f"{IMAGES_DIR}/{digest[:2]}/{digest}.{extension}"
        path = self.root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, content)
            self.totals.stored += 1
            self.totals.stored_bytes += len(content)
            self.totals.archive_bytes += len(content)
        self.store.remember_image(url, relative)
        return relative

    @classmethod
    def for_site(cls, config: Config, fetcher: Fetcher, store: ImageStore) -> ImageMirror:
        """The archive's mirror, with the site's baseurl, the smaller of the image and response size caps, the
        per-post limits, the re-encoding caps and the archive's image budget."""
        max_size, budget = config.site.image_sizes()
        return cls(
            config.root, fetcher, store, baseurl=config.site.baseurl, max_bytes=min(MAX_IMAGE_BYTES, config.fetch.max_bytes),
            max_images=config.fetch.max_images_per_post, max_post_bytes=config.fetch.max_image_bytes_per_post,
            shrink=ShrinkRule(max_width=config.site.image_max_width, max_bytes=max_size), budget=budget,
        )

    async def _stored(self, url: str, guard: AddressGuard | None, budget: _Budget) -> str:
        known = self._known(url)
        if known:
            return known
        task = self._pending.get(url)
        if task is None:
            task = asyncio.ensure_future(self._download(url, guard, budget))
            self._pending[url] = task
        try:
            return await task
        finally:
            if task.done():
                self._pending.pop(url, None)

    async def mirror(self, content: str, guard: AddressGuard | None = None) -> MirrorOutcome:
        """Point every http(s) image of `content` (sanitized HTML) at its mirrored copy; failures keep the original.
        `guard` says which addresses the post's images may lead to (every redirect is checked too)."""
        addresses = []
        for match in _IMG_SRC.finditer(content):
            url = html.unescape(match.group(2))
            if url.startswith(("http://", "https://")) and url not in addresses:
                addresses.append(url)
        outcome = MirrorOutcome(content=content)
        if not addresses:
            return outcome
        if self.max_images and len(addresses) > self.max_images:
            outcome.failures.append(
                f"{len(addresses) - self.max_images} images beyond the first {self.max_images} not mirrored "
                "(max_images_per_post); they keep their original address"
            )
            addresses = addresses[: self.max_images]
        budget = _Budget(self.max_post_bytes)
        results = await asyncio.gather(*(self._stored(url, guard, budget) for url in addresses), return_exceptions=True)
        replacement: dict[str, str] = {}
        for url, result in zip(addresses, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, FetchError | OSError):
                    raise result
                if not isinstance(result, OverBudget):  # said once for the run (ImageTotals)
                    outcome.failures.append(f"image {url} not mirrored: {result}")
                continue
            replacement[url] = site_path(self.baseurl, result)

        def swap(match: re.Match[str]) -> str:
            target = replacement.get(html.unescape(match.group(2)))
            return match.group(1) + (html.escape(target) if target else match.group(2)) + match.group(3)

        outcome.content = _IMG_SRC.sub(swap, content)
        return outcome
