"""`newsmirror add URL…`: archive given article pages, the way mirrors take requests from readers.

Each page is fetched with the polite client (refusing non-public addresses on every hop unless allowed),
extracted, sanitized, its images mirrored when configured, and written as a normal post. An address already in
the archive (by its canonical form, before or after redirects) is reported, not written again.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from newsmirror.archive.identity import article_keys, canonical_url
from newsmirror.archive.layout import Archive, ArchiveError
from newsmirror.archive.state import State, locked_state
from newsmirror.config import Config, SourceConfig
from newsmirror.ingest.fulltext import fetch_article
from newsmirror.ingest.guard import AddressGuard
from newsmirror.ingest.http import Fetcher
from newsmirror.models import Entry, SourceProblem
from newsmirror.operations.writer import PostWriter, write_lists
from newsmirror.workers import WorkerPool


@dataclass(slots=True)
class AddOutcome:
    url: str
    status: str  # added | exists | error
    message: str = ""  # the cause of an error, or the post that already holds the article
    path: str = ""  # archive-relative path of the post written (or found)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AddReport:
    outcomes: list[AddOutcome] = field(default_factory=list)
    indexes_written: list[str] = field(default_factory=list)
    images: dict | None = None  # ingest/media.ImageTotals.to_dict() when the pages' images were mirrored
    warnings: list[str] = field(default_factory=list)  # the run's, not one address's (the image budget)

    @property
    def failed(self) -> bool:
        return any(o.status == "error" for o in self.outcomes)

    def to_dict(self) -> dict:
        return {"outcomes": [asdict(o) for o in self.outcomes], "indexes_written": self.indexes_written,
                "images": self.images, "warnings": self.warnings}


def _source_for(configured: SourceConfig | None, name: str | None, site_name: str, url: str) -> SourceConfig:
    """The configured source of that name (its selectors, conversion, tags), else an ad-hoc one."""
    if configured is not None:
        return configured
    default = name or site_name or (urlsplit(url).hostname or "").removeprefix("www.") or "newsmirror"
    return SourceConfig(name=default, url=url)


def _is_http_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # "http://[oops": the workflow's URL pattern lets such text through
        return False


class _Adder:
    """What the addresses of one `add` share: the state, the post writer, the guard, the source, what is known."""

    def __init__(
        self,
        state: State,
        writer: PostWriter,
        guard: AddressGuard,
        source_name: str | None,
        configured: SourceConfig | None,  # the source of that name in the settings, if any
        now: datetime,
    ):
        self.state = state
        self.writer = writer
        self.guard = guard
        self.source_name = source_name
        self.configured = configured
        self.now = now
        # Every key of every article in the archive, as fetch reads them (an added page always has an address,
        # so no fingerprint of a link-less post can match it).
        self.known = state.known_urls() | state.known_keys() | state.fingerprints_on_disk()

    async def add(self, url: str) -> AddOutcome:
        """The outcome for one address; an error costs this address, not the others."""
        try:
            return await self._add_one(url)
        except (ArchiveError, OSError) as exc:
            return AddOutcome(url, "error", f"cannot write to the archive: {exc}")
        except Exception as exc:  # an unforeseen defect
            message = " ".join(str(exc).split())
            return AddOutcome(url, "error", f"unexpected {type(exc).__name__}: {message}")

    async def _add_one(self, url: str) -> AddOutcome:
        url = url.strip()
        if not _is_http_address(url):
            return AddOutcome(url, "error", f"not an http(s) address: {url!r}")
        if self._is_known(article_keys(url)):
            return AddOutcome(url, "exists", "already archived")
        configured = self.configured
        try:
            page, final_url = await fetch_article(
                self.writer.fetcher, url, content_selector=configured.content_selector if configured else "",
                remove_selectors=configured.remove_selectors if configured else (), guard=self.guard,
                workers=self.writer.workers,
            )
        except SourceProblem as exc:  # FetchError, ExtractError, TimeLimitExceeded
            return AddOutcome(url, "error", str(exc))
        keys = article_keys(final_url, redirected_from=url)
        if self._is_known(keys):
            return AddOutcome(url, "exists", f"already archived (as {final_url})")
        source = _source_for(configured, self.source_name, page.site_name, final_url)
        try:
            safe = await self.writer.safe_content(page.content, final_url, source, self.guard)
        except SourceProblem as exc:
            return AddOutcome(url, "error", f"the page could not be made safe: {exc}")
        entry = Entry(
            source=source.name, title=page.title, link=final_url, guid="", author=page.author, published=page.date,
            content=safe.html,
        )
        post = self.writer.write(entry, source, safe.html, keys, self.now, from_page=True)
        self.state.record_posts([post])
        self.known.update(keys)
        return AddOutcome(url, "added", path=self.state.archive.relative(post.path), warnings=safe.warnings)

    def _is_known(self, keys: list[str]) -> bool:
        return any(key in self.known for key in keys)


def add_urls(
    config: Config,
    urls: list[str],
    *,
    source_name: str | None = None,
    allow_private: bool = False,
    proxy: str | None = None,
    wait: float = 0.0,
    now: datetime | None = None,
) -> AddReport:
    """Archive each article address as a post. Raises LockedError when another run holds the archive."""
    archive = Archive(config.root)
    now = now or datetime.now(UTC).replace(microsecond=0)
    report = AddReport()
    with locked_state(archive, wait=wait) as state:
        configured = config.source(source_name) if source_name else None
        guard = AddressGuard(allow_all=True) if allow_private else AddressGuard.from_settings(
            [*config.fetch.allow_private, *(configured.allow_private if configured else [])]
        )

        async def main() -> list[AddOutcome]:
            async with Fetcher(config.fetch, proxy=proxy) as fetcher, WorkerPool(limit=config.fetch.item_time_limit) as workers:
                writer = PostWriter(config, state, fetcher, workers)
                adder = _Adder(state, writer, guard, source_name, configured, now)
                # One after another: two requests for one article must not race.
                outcomes = [await adder.add(url) for url in urls]
                report.images, report.warnings = writer.image_notes()
                return outcomes

        report.outcomes = asyncio.run(main())
        for outcome in report.outcomes:
            if outcome.status == "exists" and not outcome.path:
                outcome.path = state.path_for_key(canonical_url(outcome.url)) or ""
        if any(o.status == "added" for o in report.outcomes):
            report.indexes_written = write_lists(config, state)
    return report
