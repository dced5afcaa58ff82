"""Article → post on disk, the tail that `fetch` and `add` share: the HTML made safe (in a worker process), its
images mirrored when the source says so, the Article built, the post written, and the lists rewritten.

The caller decides what is new (newsmirror.archive.identity.article_keys) and when the written posts are recorded
in the state (`State.record_posts`): fetch records a source's posts in one transaction, add each post at once.

`render` does the CPU-bound part of a post (sanitizing, script conversion, the post's text) in one call to a
worker process when the source mirrors no image, so that it runs on every core; the caller, the one writer, only
names the file and writes the bytes (names and deduplication stay decided in one place).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from newsmirror.archive.indexes import write_indexes
from newsmirror.archive.postformat import render_post
from newsmirror.archive.state import State, WrittenPost
from newsmirror.config import Config, SourceConfig
from newsmirror.ingest.articles import build_article
from newsmirror.ingest.guard import AddressGuard
from newsmirror.ingest.http import Fetcher
from newsmirror.ingest.making import text_making
from newsmirror.ingest.sanitize import sanitize_html
from newsmirror.ingest.spill import entry_content
from newsmirror.models import Article, Entry
from newsmirror.workers import WorkerPool

if TYPE_CHECKING:
    from newsmirror.ingest.media import ImageMirror, ImageTotals


@dataclass(slots=True)
class SafeContent:
    """A post's HTML as it will be written, and what went wrong on the way (images kept at their address)."""

    html: str
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RenderedPost:
    """A post ready to be written: its article (content left out: `data` holds it) and the file's bytes."""

    article: Article
    data: bytes
    warnings: list[str] = field(default_factory=list)


def render_entry(entry: Entry, source: SourceConfig, now: datetime, html: str | None = None, base_url: str | None = None) -> RenderedPost:
    """In a worker process: the entry's HTML (`html`, else its own content) made safe, converted when the source
    says so, and the post's text. `base_url` (else the entry's link) resolves relative links."""
    html = entry_content(entry) if html is None else html
    content = sanitize_html(html, base_url=entry.link if base_url is None else base_url) if html else ""
    return _rendered(build_article(entry, source, content, now))


def _rendered(article: Article, warnings: list[str] | None = None) -> RenderedPost:
    data = render_post(article).encode("utf-8")
    article.content = ""  # in `data`; not sent back twice
    return RenderedPost(article, data, warnings or [])


class PostWriter:
    """Writes articles as posts into one archive. One per run: an image that several posts show is fetched once."""

    def __init__(self, config: Config, state: State, fetcher: Fetcher, workers: WorkerPool):
        self.config = config
        self.state = state
        self.fetcher = fetcher
        self.workers = workers  # where third-party HTML is sanitized, under the time limit
        self._images: ImageMirror | None = None  # made on first use: only for sources that mirror images

    async def safe_content(self, html: str, base_url: str, source: SourceConfig, guard: AddressGuard) -> SafeContent:
        """`html` made safe (relative links resolved against `base_url`) and, when the source mirrors images, its
        images stored in the archive; `guard` says where those images may be fetched from. Raises
        TimeLimitExceeded (a SourceProblem) when sanitizing runs past the time limit."""
        content = await self.workers.run(sanitize_html, html, base_url=base_url) if html else ""
        if not content or not self.config.mirrors_images(source):
            return SafeContent(content)
        outcome = await self._image_mirror().mirror(content, guard)
        return SafeContent(outcome.content, outcome.failures)

    async def render(
        self, entry: Entry, source: SourceConfig, now: datetime, guard: AddressGuard, html: str | None = None, base_url: str | None = None
    ) -> RenderedPost:
        """The post of `entry` (its HTML `html`, else its own content, links resolved against `base_url`, else its
        link), ready to be written: in one worker call, unless the source mirrors images (fetched here, between
        sanitizing and rendering). Raises TimeLimitExceeded as safe_content does."""
        if not self.config.mirrors_images(source):
            return await self.workers.run(render_entry, entry, source, now, html, base_url)
        html = entry_content(entry) if html is None else html
        safe = await self.safe_content(html, entry.link if base_url is None else base_url, source, guard)
        return _rendered(build_article(entry, source, safe.html, now), safe.warnings)

    def image_notes(self) -> tuple[dict | None, list[str]]:
        """For a run report: what mirroring images did (ImageTotals.to_dict(), None when nothing mirrored any), and
        the one warning when `[site] image_budget` held images back."""
        if self._images is None:
            return None, []
        totals: ImageTotals = self._images.totals
        warning = totals.budget_warning()
        return totals.to_dict(), [warning] if warning else []

    def _image_mirror(self) -> ImageMirror:
        if self._images is None:
            from newsmirror.ingest.media import ImageMirror

            self._images = ImageMirror.for_site(self.config, self.fetcher, self.state)
        return self._images

    def write(
        self, entry: Entry, source: SourceConfig, content: str, keys: Sequence[str], now: datetime, from_page: bool = False
    ) -> WrittenPost:
        """The entry as a new post file (never replacing another), with `content` as its safe HTML (`from_page`:
        extracted from the article's page); the record the state takes once the caller records it. `now` dates an
        entry that has no date."""
        article = build_article(entry, source, content, now)
        path = self.state.archive.write_post(article, self.config.site.post_folders)
        making = text_making(source, from_page)
        return WrittenPost(path, article.link, article.title, article.date, article.source, tuple(keys), making)

    def write_rendered(self, rendered: RenderedPost, keys: Sequence[str], source: SourceConfig) -> WrittenPost:
        """A rendered post of `source` as a new post file (never replacing another); the record the state takes."""
        article = rendered.article
        path = self.state.archive.write_post(article, self.config.site.post_folders, rendered.data)
        return WrittenPost(path, article.link, article.title, article.date, article.source, tuple(keys), text_making(source))


def write_lists(config: Config, state: State) -> list[str]:
    """Rewrite lists/ and sources.md from every post on disk; the archive-relative paths written. Raises
    PostsUnreadableError when the posts cannot be read, OSError when the files cannot be written."""
    state.ensure_synced()
    archive = state.archive
    written = write_indexes(archive, state.summaries(), [s.name for s in config.sources], config.site.list_limit)
    return [archive.relative(path) for path in written]
