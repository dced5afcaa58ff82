"""Image mirroring: each image of a post is downloaded once, stored by content hash under assets/images/, and the
post points at that copy, so that readers never need to reach the blocked site.

Where an image came from is remembered in the state database (table `images`), so a re-run downloads nothing
twice; the files themselves are named by their SHA-256, so the same picture under two addresses is stored once.
Losing the table costs only downloads: the files and posts stay right.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .archive import atomic_write_bytes
from .config import Config
from .fetch import Fetcher, FetchError

IMAGES_DIR = "assets/images"
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Raster types only: an SVG served from the mirror's own origin could run script when opened directly.
_EXTENSIONS = {"image/jpeg": "jpg", "image/jpg": "jpg", "image/pjpeg": "jpg", "image/png": "png", "image/gif": "gif",
               "image/webp": "webp", "image/avif": "avif", "image/bmp": "bmp", "image/x-icon": "ico",
               "image/vnd.microsoft.icon": "ico", "image/tiff": "tiff"}  # fmt: skip
_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]+)(")', re.IGNORECASE)
_SCHEMA = "CREATE TABLE IF NOT EXISTS images (url TEXT PRIMARY KEY, path TEXT NOT NULL)"


def site_path(baseurl: str, relative: str) -> str:
    """A site-relative URL that works from any page depth: `/assets/…`, or `/mirror/assets/…` under a baseurl."""
    prefix = baseurl.strip().strip("/")
    return f"/{prefix}/{relative}" if prefix else f"/{relative}"


@dataclass(slots=True)
class MirrorOutcome:
    content: str
    failures: list[str] = field(default_factory=list)  # one line each: the image address and the cause


class ImageMirror:
    """Mirrors the images of sanitized post HTML into `root/assets/images/`."""

    def __init__(
        self,
        root: Path,
        fetcher: Fetcher,
        db: sqlite3.Connection,
        *,
        baseurl: str = "",
        max_bytes: int = MAX_IMAGE_BYTES,
        public_only: bool = False,
    ):
        self.root = root
        self.fetcher = fetcher
        self.db = db
        self.baseurl = baseurl
        self.max_bytes = max_bytes
        self.public_only = public_only
        self.db.execute(_SCHEMA)
        self._pending: dict[str, asyncio.Task[str]] = {}  # one download per address, however many posts want it

    def _known(self, url: str) -> str | None:
        row = self.db.execute("SELECT path FROM images WHERE url = ?", (url,)).fetchone()
        if row and (self.root / row[0]).is_file():
            return row[0]
        return None

    async def _download(self, url: str) -> str:
        """The archive-relative path of the stored copy; raises FetchError with the cause."""
        result = await self.fetcher.get(
            url, max_bytes=self.max_bytes, public_only=self.public_only, accept="image/avif,image/webp,image/*;q=0.9"
        )
        kind = result.content_type
        extension = _EXTENSIONS.get(kind)
        if extension is None:
            raise FetchError(f"not an image (content type {kind or 'missing'})")
        if not result.content:
            raise FetchError("empty response")
        digest = hashlib.sha256(result.content).hexdigest()
        relative = f"{IMAGES_DIR}/{digest[:2]}/{digest}.{extension}"
        path = self.root / relative
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, result.content)
        self.db.execute("INSERT OR REPLACE INTO images VALUES (?, ?)", (url, relative))
        return relative

    @classmethod
    def for_site(cls, config: Config, fetcher: Fetcher, db: sqlite3.Connection, public_only: bool = False) -> ImageMirror:
        """The archive's mirror, with the site's baseurl and the smaller of the image and response size caps."""
        return cls(
            config.root, fetcher, db, baseurl=config.site.baseurl, public_only=public_only,
            max_bytes=min(MAX_IMAGE_BYTES, config.fetch.max_bytes),
        )

    async def _stored(self, url: str) -> str:
        known = self._known(url)
        if known:
            return known
        task = self._pending.get(url)
        if task is None:
            task = asyncio.ensure_future(self._download(url))
            self._pending[url] = task
        try:
            return await task
        finally:
            if task.done():
                self._pending.pop(url, None)

    async def mirror(self, content: str) -> MirrorOutcome:
        """Point every http(s) image of `content` (sanitized HTML) at its mirrored copy; failures keep the original."""
        addresses = []
        for match in _IMG_SRC.finditer(content):
            url = html.unescape(match.group(2))
            if url.startswith(("http://", "https://")) and url not in addresses:
                addresses.append(url)
        outcome = MirrorOutcome(content=content)
        if not addresses:
            return outcome
        results = await asyncio.gather(*(self._stored(url) for url in addresses), return_exceptions=True)
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
