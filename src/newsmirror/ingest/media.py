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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from newsmirror.config import Config
from newsmirror.files import atomic_write_bytes
from newsmirror.ingest.guard import AddressGuard
from newsmirror.ingest.http import Fetcher, shown_type
from newsmirror.models import FetchError

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
    ):
        self.root = root
        self.fetcher = fetcher
        self.store = store
        self.baseurl = baseurl
        self.max_bytes = max_bytes
        self.max_images = max_images  # per post; 0: no limit
        self.max_post_bytes = max_post_bytes  # new downloads per post; 0: no limit
        self._pending: dict[str, asyncio.Task[str]] = {}  # one download per address, however many posts want it

    def _known(self, url: str) -> str | None:
        path = self.store.image_path(url)
        if path and (self.root / path).is_file():
            return path
        return None

    async def _download(self, url: str, guard: AddressGuard | None, budget: _Budget) -> str:
        """The archive-relative path of the stored copy; raises FetchError with the cause."""
        result = await self.fetcher.get(
            url, max_bytes=self.max_bytes, guard=guard, accept="image/avif,image/webp,image/*;q=0.9"
        )
        kind = result.content_type
        extension = _EXTENSIONS.get(kind)
        if extension is None:
            raise FetchError(f"not an image (content type {shown_type(kind)})")
        if not result.content:
            raise FetchError("empty response")
        if not budget.take(len(result.content)):
            raise FetchError(f"over the post's image limit of {self.max_post_bytes} bytes (max_image_bytes_per_post)")
        digest = hashlib.sha256(result.content).hexdigest()
        relative = f"{IMAGES_DIR}/{digest[:2]}/{digest}.{extension}"
        path = self.root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, result.content)
        self.store.remember_image(url, relative)
        return relative

    @classmethod
    def for_site(cls, config: Config, fetcher: Fetcher, store: ImageStore) -> ImageMirror:
        """The archive's mirror, with the site's baseurl, the smaller of the image and response size caps and the
        per-post limits."""
        return cls(
            config.root, fetcher, store, baseurl=config.site.baseurl, max_bytes=min(MAX_IMAGE_BYTES, config.fetch.max_bytes),
            max_images=config.fetch.max_images_per_post, max_post_bytes=config.fetch.max_image_bytes_per_post,
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
                outcome.failures.append(f"image {url} not mirrored: {result}")
                continue
            replacement[url] = site_path(self.baseurl, result)

        def swap(match: re.Match[str]) -> str:
            target = replacement.get(html.unescape(match.group(2)))
            return match.group(1) + (html.escape(target) if target else match.group(2)) + match.group(3)

        outcome.content = _IMG_SRC.sub(swap, content)
        return outcome
