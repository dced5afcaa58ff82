"""One run: sources → fetched feeds → entries → articles → posts on disk, returning a RunReport. No printing."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor  # loaded with asyncio already: no cost to a run of 304s
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from newsmirror.archive.identity import article_keys
from newsmirror.archive.layout import Archive
from newsmirror.archive.state import PostsUnreadableError, State, WrittenPost, locked_state
from newsmirror.config import Config, SourceConfig, source_kind, telegram_channel
from newsmirror.ingest.articles import article_title, limit_entry, normalise_title, passes_filters
from newsmirror.ingest.guard import AddressGuard, source_guard
from newsmirror.ingest.http import Fetcher
from newsmirror.ingest.kinds import (
    SourceDocument,
    fetch_document,
    instance_order,
    parse_document,
    parse_document_spilling,
)
from newsmirror.models import Entry, PageChangedError, SourceProblem
from newsmirror.workers import TimeLimitExceeded, WorkerPool

if TYPE_CHECKING:
    from newsmirror.ingest.feeds import ParsedFeed
    from newsmirror.operations.writer import PostWriter, RenderedPost

# feeds (lxml), fulltext (trafilatura) and the post writer (the sanitizer, nh3; media) are imported where they are
# used: an hourly run whose feeds all answer 304 needs none of them, and its whole cost is start-up plus one
# request per feed (tests/operations/test_lazy_imports.py holds it to that).


@dataclass(slots=True)
class SourceReport:
    name: str
    url: str
    status: str = "pending"  # ok | not_modified | error
    new: int = 0
    existing: int = 0
    filtered: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    posts: list[str] = field(default_factory=list)  # archive-relative paths written this run
    timeouts: int = 0  # items whose sanitizing or extraction ran past the time limit
    served_by: str = ""  # an RSSHub route: the instance that answered

    @property
    def failed(self) -> bool:
        return self.status == "error"


@dataclass(slots=True)
class RunReport:
    started: datetime
    finished: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)
    indexes_written: list[str] = field(default_factory=list)

    warnings: list[str] = field(default_factory=list)  # about the run as a whole, not one source
    images: dict | None = None  # ingest/media.ImageTotals.to_dict() when a source mirrored images

    @property
    def new_posts(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def succeeded(self) -> bool:
        """At least one source answered usefully (or there was nothing to fetch)."""
        return not self.sources or any(not s.failed for s in self.sources)

    def to_dict(self) -> dict:
        return {
            "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "new_posts": self.new_posts,
            "sources": [asdict(s) for s in self.sources],
            "indexes_written": self.indexes_written,
            "warnings": self.warnings,
            "images": self.images,
        }


class FetchProgress:
    """What a run tells its watcher; the CLI draws bars from it, tests and the library ignore it."""

    def source_started(self, name: str) -> None: ...

    def source_items(self, name: str, done: int, total: int) -> None: ...

    def source_finished(self, report: SourceReport) -> None: ...


MAX_TIMEOUTS_PER_SOURCE = 3  # items past the time limit before a source's other new items wait for the next run
FEED_PARSE_LIMIT = 60.0  # seconds to parse one feed (a real 10,000-item feed takes about one)


class Run:
    """Everything one run shares: the archive, its state, the HTTP client, what is known already."""

    def __init__(self, config: Config, state: State, fetcher: Fetcher, now: datetime, progress: FetchProgress):
        self.config = config
        self.archive = state.archive
        self.state = state
        self.fetcher = fetcher
        self.now = now
        self.progress = progress
        self._known: set[str] | None = None  # read from the state when a feed first has items to look at
        self._unreadable: PostsUnreadableError | None = None
        self._writer: PostWriter | None = None  # made when the first feed has new items
        self._unrecorded: dict[str, list[WrittenPost]] = {}  # posts written but not yet in the state, per source
        self._workers: WorkerPool | None = None  # started when the first feed has to be parsed
        # Sources between asking for their document and writing their posts: each holds its feed and its parsed
        # items (megabytes for a big feed), so that memory is bounded by this, not by the number of sources. Twice
        # the requests that may be in flight: the network stays as busy, and the workers always have work.
        self._in_flight = asyncio.Semaphore(2 * max(1, config.fetch.concurrency))
        self._spill_dir: str | None = None  # made when the first feed is parsed (_spill_path)
        self._spills = 0
        self._spilled: dict[str, list[str]] = {}  # the files of item bodies of each source being read
        self._post_files: ThreadPoolExecutor | None = None  # the one thread that creates post files (_write)

    @property
    def workers(self) -> WorkerPool:
        """The processes that parse, sanitize and extract third-party input, each call under a time limit."""
        if self._workers is None:
            self._workers = WorkerPool(limit=self.config.fetch.item_time_limit)
        return self._workers

    @property
    def writer(self) -> PostWriter:
        """Article → post on disk, as `add` does it too."""
        if self._writer is None:
            from newsmirror.operations.writer import PostWriter

            self._writer = PostWriter(self.config, self.state, self.fetcher, self.workers)
        return self._writer

    def image_notes(self) -> tuple[dict | None, list[str]]:
        """What image mirroring did in this run, and the image-budget warning (PostWriter.image_notes)."""
        return self._writer.image_notes() if self._writer is not None else (None, [])

    def close(self) -> None:
        if self._post_files is not None:
            self._post_files.shutdown(wait=True)
        if self._workers is not None:
            self._workers.close()
        if self._spill_dir is not None:
            import shutil  # here: a run whose feeds all answer 304 makes no such directory

            shutil.rmtree(self._spill_dir, ignore_errors=True)

    def _spill_path(self, source: SourceConfig) -> str:
        """A new file for a worker to leave a document's item bodies in (ingest/spill.py); deleted when the source
        is done (_forget_spilled), and with the directory at the end of the run."""
        if self._spill_dir is None:
            from newsmirror.files import run_temporary_folder

            self._spill_dir = run_temporary_folder("newsmirror-items-")
        self._spills += 1
        path = os.path.join(self._spill_dir, f"{self._spills}.txt")
        self._spilled.setdefault(source.name, []).append(path)
        return path

    def _forget_spilled(self, source: SourceConfig) -> None:
        for path in self._spilled.pop(source.name, []):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def guard(self, source: SourceConfig) -> AddressGuard:
        """Where this source's item links, redirects and images may lead: public networks, the feed's own host,
        and the allowlists of the settings."""
        return source_guard(self.config.fetch, source)

    @property
    def known(self) -> set[str]:
        """Every key of every article in the archive (canonical URLs, guids, fingerprints)."""
        if self._known is None:
            state = self.state
            if self._unreadable is not None:  # once failed, no source of this run may write
                raise self._unreadable
            try:
                # In the event loop, not a thread (the SQLite connection is this thread's): requests in flight wait
                # for it, ~0.1 s per 1,000 posts read for the first time, well inside their timeouts.
                state.ensure_synced()
            except PostsUnreadableError as exc:
                self._unreadable = exc
                raise
            self._known = state.known_urls() | state.known_keys() | state.fingerprints_on_disk()
        return self._known

    async def article_post(self, entry: Entry, source: SourceConfig, report: SourceReport) -> RenderedPost:
        """The post, ready to be written: the feed's content (or the page's full text), made safe, with images
        mirrored, rendered (in a worker process; see PostWriter.render)."""
        from newsmirror.ingest.fulltext import looks_partial

        content = base = None  # the feed's content, relative links against the item's link
        if entry.link and (source.fulltext == "always" or (
            source.fulltext == "auto" and looks_partial(entry.content, entry.has_full_content)
        )):
            content, base = await self._full_text(entry, source, report)
        rendered = await self.writer.render(entry, source, self.now, self.guard(source), content, base)
        report.warnings.extend(rendered.warnings)
        return rendered

    async def _full_text(self, entry: Entry, source: SourceConfig, report: SourceReport) -> tuple[str, str]:
        """The article page's content and address, or the feed's when the page gives less (said in the report)."""
        from newsmirror.ingest.fulltext import fetch_article, visible_length

        try:
            page, final_url = await fetch_article(
                self.fetcher, entry.link, content_selector=source.content_selector,
                remove_selectors=source.remove_selectors, guard=self.guard(source), workers=self.workers,
            )
        except SourceProblem as exc:
            report.warnings.append(f"full text of {entry.link} not used ({exc}); kept the feed's content")
            return entry.content, entry.link
        had, got = visible_length(entry.content), page.text_length
        if got < had:
            report.warnings.append(
                f"full text of {entry.link} not used (the page gave {got} characters, the feed {had}); kept the feed's content"
            )
            return entry.content, entry.link
        return page.content, final_url

    async def fetch_source(self, source: SourceConfig) -> SourceReport:
        report = SourceReport(name=source.name, url=source.url)
        started = time.monotonic()
        self.progress.source_started(source.name)
        try:
            async with self._in_flight:
                try:
                    await self._fetch_source(source, report)
                finally:
                    self._forget_spilled(source)
        except PostsUnreadableError:
            raise  # not this source's fault, and no source may write now: the run stops (its posts are recorded)
        except SourceProblem as exc:
            report.status = "error"
            report.errors.append(str(exc))
        except OSError as exc:  # disk full, read-only archive: the run goes on with the other sources
            report.status = "error"
            report.errors.append(f"cannot write to the archive: {exc.strerror or exc}")
        except Exception as exc:  # a defect meeting input nobody foresaw: it costs this source, not the run
            report.status = "error"
            report.errors.append(f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())}")
        finally:
            self._record_written(source.name, report)
        report.seconds = time.monotonic() - started
        error = report.errors[0] if report.status == "error" else None
        try:
            self.state.record_outcome(source.name, self.now, error, report.status == "not_modified")
        except Exception as exc:
            report.warnings.append(f"could not record source health: {exc}")
        self.progress.source_finished(report)
        return report

    def _record_written(self, name: str, report: SourceReport) -> None:
        """One transaction per source; a post on disk but not recorded (killed run) is found by sync_with_disk."""
        written = self._unrecorded.pop(name, [])
        if not written:
            return
        try:
            self.state.record_posts(written)
        except Exception as exc:  # the posts are safe on disk; the cache catches up next run
            report.warnings.append(f"could not record {len(written)} posts in the state cache: {exc}")

    async def _document(self, source: SourceConfig, report: SourceReport) -> SourceDocument:
        """The source's document (ingest/kinds.py): for an RSSHub route, from the instance that served it last
        (remembered in the state), else the next that answers; the report says which, and why others failed."""
        instances = None
        if source_kind(source) == "rsshub":
            remembered, when = self.state.rsshub_instance(source.url)
            instances = instance_order(self.config.fetch.rsshub, remembered, when, self.now)
        # The feed's own address is the operator's (and so are the RSSHub instances); where they redirect is not.
        document = await fetch_document(
            self.fetcher, source, self.config.fetch, instances=instances,
            validators_of=lambda url: self.state.validators(url)[0],
        )
        if document.instance:
            report.served_by = document.instance
            report.warnings.extend(f"RSSHub instance {failure}; asked the next" for failure in document.failures)
            self.state.remember_rsshub_instance(source.url, document.instance, self.now)
        return document

    async def _entries(self, source: SourceConfig, document: SourceDocument) -> ParsedFeed:
        """The document's entries, parsed in a worker process: a 10,000-item feed must not starve the event loop,
        or the other sources' requests would time out while their bytes wait unread (it also yields after every
        entry later on)."""
        from newsmirror.ingest.feeds import FeedError

        result = document.result
        options = {"charset": result.charset, "content_type": result.content_type, "now": self.now,
                   "base_url": result.final_url}  # fmt: skip
        try:
            if self._fetches_pages(source):  # the bodies are needed here (looks_partial, images)
                return await self.workers.run(parse_document, source, result.content, limit=FEED_PARSE_LIMIT, **options)
            spill_to = self._spill_path(source)
            return await self.workers.run(parse_document_spilling, spill_to, source, result.content,
                                          limit=FEED_PARSE_LIMIT, **options)  # fmt: skip
        except TimeLimitExceeded as exc:
            raise FeedError(f"the {'feed' if source_kind(source) in ('feed', 'rsshub') else 'page'} could not be read: parsing it {exc}") from None

    async def _with_earlier_messages(
        self, source: SourceConfig, document: SourceDocument, feed: ParsedFeed, report: SourceReport
    ) -> ParsedFeed:
        """A channel's preview page shows its latest ~20 messages; one that posted more since the last run would
        lose the rest. While a page's oldest message is newer than the newest one mirrored (plus one), the page
        before it is read too, up to telegram.PAGES_BACK; not on a channel's first run (a feed, too, gives only
        what it holds now)."""
        if source_kind(source) != "telegram":
            return feed
        from newsmirror.ingest.kinds import fetch_earlier_page
        from newsmirror.ingest.telegram import PAGES_BACK, earlier_page_url, message_number, oldest_message

        channel = telegram_channel(source.url)
        newest = max((n for key in self.known if (n := message_number(key, channel)) is not None), default=None)
        if newest is None:
            return feed
        page, seen = feed, {e.link for e in feed.entries}
        for _ in range(PAGES_BACK):
            oldest = oldest_message(page.entries, channel)
            if oldest is None or oldest <= newest + 1:
                break
            url = earlier_page_url(document.key, oldest)
            try:
                result = await fetch_earlier_page(self.fetcher, source, self.config.fetch, url)
                page = await self._entries(source, SourceDocument(result, url))
            except SourceProblem as exc:  # what the first page gave is still written
                report.warnings.append(f"earlier messages not read ({url}): {exc}")
                break
            page.entries = [e for e in page.entries if e.link not in seen]  # a stand-in ignoring ?before= repeats
            seen.update(e.link for e in page.entries)
            feed.entries += page.entries
        return feed

    def _check_page(self, source: SourceConfig, feed: ParsedFeed | None, broken: str, report: SourceReport) -> None:
        """A list page or channel: remember how many entries it gave; far fewer than usual, or none, is a page
        that changed (said in the report, flagged by `status` and `doctor`), not a quiet day."""
        if source_kind(source) not in ("list", "telegram"):
            return
        from newsmirror.archive.health import broken_page, read_page

        previous = self.state.page_record(source.name)
        if feed is None:
            record = broken_page(previous, source, broken, self.now)
        else:
            record = read_page(previous, source, len(feed.entries), self.now)
        if record.changed and feed is not None:
            report.warnings.append(record.changed)
        self.state.record_page(source.name, record)

    async def _fetch_source(self, source: SourceConfig, report: SourceReport) -> None:
        document = await self._document(source, report)
        result = document.result
        if result.not_modified:
            report.status = "not_modified"
            return
        _validators, previous_hash = self.state.validators(document.key)
        body_hash = hashlib.sha256(result.content).hexdigest()
        if body_hash == previous_hash:  # servers without validators: same bytes, same items
            report.status = "not_modified"
            self.state.save_validators(document.key, result.validators, body_hash)
            return
        from newsmirror.ingest.feeds import FeedError

        try:
            feed = await self._entries(source, document)
        except PageChangedError as exc:
            self._check_page(source, None, str(exc), report)
            raise
        self._check_page(source, feed, "", report)  # on the first page alone: what "usual" means stays the same
        feed = await self._with_earlier_messages(source, document, feed, report)
        report.warnings.extend(feed.warnings)
        if not feed.entries:
            raise FeedError("the feed has no items" if source_kind(source) != "telegram" else "the channel shows no message")
        entries = self._within_limits(feed.entries, source, report)
        # Oldest first, so that when two articles want one file name the later one gets the suffix.
        ordered = sorted(entries, key=lambda e: (e.published is None, e.published or self.now))
        new = self._new_entries(ordered, source, report)
        if self._fetches_pages(source):
            # Article pages and images come over the network: ask for them all at once (the fetcher keeps to
            # its per-host limits), then write the posts in order.
            rendered = await asyncio.gather(*(self._post_or_skip(entry, source, report) for entry, _ in new))
        else:
            rendered = None
        for done, (entry, keys) in enumerate(new, start=1):
            post = rendered[done - 1] if rendered is not None else await self._post_or_skip(entry, source, report)
            if post is not None:
                await self._write(post, keys, source, report)
            self.progress.source_items(source.name, done, len(new))
            await asyncio.sleep(0)
        report.status = "ok"
        self.state.save_validators(document.key, result.validators, body_hash)

    async def _post_or_skip(self, entry: Entry, source: SourceConfig, report: SourceReport) -> RenderedPost | None:
        """The post, or None when making it safe ran past the time limit: one warning, and the item is not
        written (the next run tries again; a source that keeps doing it costs a few time limits per run)."""
        if report.timeouts >= MAX_TIMEOUTS_PER_SOURCE:
            return None
        try:
            return await self.article_post(entry, source, report)
        except TimeLimitExceeded as exc:
            report.timeouts += 1
            what = entry.link or entry.title[:80]
            report.warnings.append(f"item {what} not written: making it safe {exc}; tried again next run")
            if report.timeouts == MAX_TIMEOUTS_PER_SOURCE:
                report.warnings.append(f"{MAX_TIMEOUTS_PER_SOURCE} items over the time limit: the source's other new items wait for the next run")
            return None

    def _within_limits(self, entries: list[Entry], source: SourceConfig, report: SourceReport) -> list[Entry]:
        """The feed's items as far as the volume limits allow, each limit that was hit said once."""
        limit = source.max_items or self.config.fetch.max_items
        if limit and len(entries) > limit:
            report.warnings.append(f"the feed has {len(entries)} items; read the newest {limit} (max_items)")
            # Newest by date (undated ones count as new), feed order among equals: feeds list newest first.
            newest = sorted(entries, key=lambda e: e.published or self.now, reverse=True)[:limit]
            kept = {id(e) for e in newest}
            entries = [e for e in entries if id(e) in kept]
        cut = [limit_entry(entry, self.config.fetch.max_title_chars) for entry in entries]
        for field_name in sorted({name for names in cut for name in names}):
            count = sum(field_name in names for names in cut)
            report.warnings.append(f"{count} item(s) with a {field_name} over its size limit: shortened")
        return entries

    def _fetches_pages(self, source: SourceConfig) -> bool:
        return source.fulltext != "never" or self.config.mirrors_images(source)

    def _new_entries(self, ordered: list[Entry], source: SourceConfig, report: SourceReport) -> list[tuple[Entry, list[str]]]:
        """The entries not in the archive yet and not filtered out, each with the keys it is known by."""
        new = []
        for entry in ordered:
            title = partial(article_title, entry, source)  # made only for an item without a link
            keys = article_keys(entry.link, guid=entry.guid, source=entry.source, title=title)
            if any(key in self.known for key in keys):
                report.existing += 1
                continue
            if not passes_filters(normalise_title(entry), source):
                report.filtered += 1
                continue
            self.known.update(keys)  # also guards against the same item twice in one feed
            new.append((entry, keys))
        return new

    async def _write(self, rendered: RenderedPost, keys: list[str], source: SourceConfig, report: SourceReport) -> None:
        """Create the post file in the one thread that creates them, so that the event loop serves the other
        sources meanwhile: creating a file took ~0.9 ms on this machine's disk (5,810 of them, 5.1 s of the main
        thread in a first run of benchmarks/ingest.py --real --profile). One thread keeps the names handed out in
        the order the posts come, as before."""
        if self._post_files is None:
            self._post_files = ThreadPoolExecutor(max_workers=1, thread_name_prefix="post-files")
        loop = asyncio.get_running_loop()
        post = await loop.run_in_executor(self._post_files, self.writer.write_rendered, rendered, keys, source)
        self._unrecorded.setdefault(source.name, []).append(post)
        report.new += 1
        report.posts.append(self.archive.relative(post.path))


async def _run_sources(run: Run, sources: list[SourceConfig]) -> list[SourceReport]:
    return list(await asyncio.gather(*(run.fetch_source(s) for s in sources)))


class UnknownSourceError(ValueError):
    """`--source NAME` names no configured source."""


def select_sources(config: Config, names: list[str] | None) -> list[SourceConfig]:
    if names:
        wanted = set(names)
        unknown = wanted - {s.name for s in config.sources}
        if unknown:
            raise UnknownSourceError("no source named " + ", ".join(sorted(unknown)))
        return [s for s in config.sources if s.name in wanted]
    return [s for s in config.sources if s.enabled]


def run_fetch(
    config: Config,
    *,
    names: list[str] | None = None,
    proxy: str | None = None,
    progress: FetchProgress | None = None,
    wait: float = 0.0,
    now: datetime | None = None,
    run_factory: Callable[..., Run] = Run,
) -> RunReport:
    """Fetch every selected source into the archive. Raises LockedError when another run holds the archive."""
    archive = Archive(config.root)
    now = now or datetime.now(UTC).replace(microsecond=0)
    report = RunReport(started=datetime.now(UTC))
    sources = select_sources(config, names)
    # The posts on disk are read into the state only once a feed has items to compare with them (Run.known): a
    # run in which every feed answers 304 never needs them.
    with locked_state(archive, wait=wait, sync=False) as state:

        async def main() -> list[SourceReport]:
            async with Fetcher(config.fetch, proxy=proxy) as fetcher:
                run = run_factory(config, state, fetcher, now, progress or FetchProgress())
                try:
                    return await _run_sources(run, sources)
                finally:
                    report.images, notes = run.image_notes()
                    report.warnings.extend(notes)
                    await asyncio.to_thread(run.close)

        report.sources = asyncio.run(main())
        if report.new_posts or not (archive.root / "sources.md").exists():
            from newsmirror.operations.writer import write_lists

            try:
                report.indexes_written = write_lists(config, state)
            except PostsUnreadableError as exc:
                report.warnings.append(f"could not rewrite lists/ and sources.md: {exc}")
            except OSError as exc:  # the posts are safe; the lists are rewritten by the next run
                report.warnings.append(f"could not rewrite lists/ and sources.md: {exc.strerror or exc}")
        report.finished = datetime.now(UTC)
        try:
            state.record_run(report.started, report.finished, report.to_dict())
        except sqlite3.Error as exc:  # disk full: the posts are written; only the history misses a line
            report.warnings.append(f"could not record the run in the state cache: {exc}")
    return report
