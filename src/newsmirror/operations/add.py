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

from newsmirror.archive.identity import canonical_url
from newsmirror.archive.indexes import write_indexes
from newsmirror.archive.layout import Archive, ArchiveError
from newsmirror.archive.state import State, locked_state
from newsmirror.config import Config, SourceConfig
from newsmirror.ingest.articles import build_article
from newsmirror.ingest.fulltext import fetch_article
from newsmirror.ingest.guard import AddressGuard
from newsmirror.ingest.http import Fetcher
from newsmirror.ingest.media import ImageMirror
from newsmirror.ingest.sanitize import sanitize_html
from newsmirror.models import Entry, SourceProblem
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

    @property
    def failed(self) -> bool:
        return any(o.status == "error" for o in self.outcomes)

    def to_dict(self) -> dict:
        return {"outcomes": [asdict(o) for o in self.outcomes], "indexes_written": self.indexes_written}


def _source_for(configured: SourceConfig | None, name: str | None, site_name: str, url: str) -> SourceConfig:
    """The configured source of that name (its selectors, conversion, tags), else an ad-hoc one."""
    if configured is not None:
        return configured
    default = name or site_name or (urlsplit(url).hostname or "").removeprefix("www.") or "newsmirror"
    return SourceConfig(name=default, url=url)


async def _add_one(
    url: str,
    config: Config,
    archive: Archive,
    state: State,
    fetcher: Fetcher,
    known: set[str],
    source_name: str | None,
    guard: AddressGuard,
    workers: WorkerPool,
    now: datetime,
) -> AddOutcome:
    url = url.strip()
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
    except ValueError:  # "http://[oops": the workflow's URL pattern lets such text through
        usable = False
    if not usable:
        return AddOutcome(url, "error", f"not an http(s) address: {url!r}")
    key = canonical_url(url)
    if key in known:
        return AddOutcome(url, "exists", "already archived")
    configured = config.source(source_name) if source_name else None
    try:
        page, final_url = await fetch_article(
            fetcher,
            url,
            content_selector=configured.content_selector if configured else "",
            remove_selectors=configured.remove_selectors if configured else (),
            guard=guard,
            workers=workers,
        )
    except SourceProblem as exc:  # FetchError, ExtractError, TimeLimitExceeded
        return AddOutcome(url, "error", str(exc))
    keys = list(dict.fromkeys([key, canonical_url(final_url)]))
    if any(k in known for k in keys):
        return AddOutcome(url, "exists", f"already archived (as {final_url})")
    source = _source_for(configured, source_name, page.site_name, final_url)
    outcome = AddOutcome(url, "added")
    try:
        content = await workers.run(sanitize_html, page.content, base_url=final_url)
    except SourceProblem as exc:
        return AddOutcome(url, "error", f"the page could not be made safe: {exc}")
    if config.mirrors_images(source):
        mirrored = await ImageMirror.for_site(config, fetcher, state.db).mirror(content, guard)
        content = mirrored.content
        outcome.warnings.extend(mirrored.failures)
    entry = Entry(
        source=source.name,
        title=page.title,
        link=final_url,
        guid="",
        author=page.author,
        published=page.date,
        content=content,
    )
    article = build_article(entry, source, content, now)
    path = archive.write_post(article)
    state.record_post(path, article.link, article.title, article.date, article.source, keys)
    known.update(keys)
    outcome.path = archive.relative(path)
    return outcome


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
        known = state.known_urls() | state.known_keys()

        configured = config.source(source_name) if source_name else None
        guard = AddressGuard(allow_all=True) if allow_private else AddressGuard.from_settings(
            [*config.fetch.allow_private, *(configured.allow_private if configured else [])]
        )

        async def main() -> list[AddOutcome]:
            async with Fetcher(config.fetch, proxy=proxy) as fetcher, WorkerPool(limit=config.fetch.item_time_limit) as workers:
                results = []
                for url in urls:  # one after another: two requests for one article must not race
                    try:
                        results.append(
                            await _add_one(url, config, archive, state, fetcher, known, source_name, guard, workers, now)
                        )
                    except (ArchiveError, OSError) as exc:
                        results.append(AddOutcome(url, "error", f"cannot write to the archive: {exc}"))
                    except Exception as exc:  # an unforeseen defect costs this address, not the others
                        message = " ".join(str(exc).split())
                        results.append(AddOutcome(url, "error", f"unexpected {type(exc).__name__}: {message}"))
                return results

        report.outcomes = asyncio.run(main())
        for outcome in report.outcomes:
            if outcome.status == "exists" and not outcome.path:
                outcome.path = _post_for(state, outcome.url)
        if any(o.status == "added" for o in report.outcomes):
            names = [s.name for s in config.sources]
            written = write_indexes(archive, state.summaries(), names, config.site.list_limit)
            report.indexes_written = [archive.relative(p) for p in written]
    return report


def _post_for(state: State, url: str) -> str:
    key = canonical_url(url)
    row = state.db.execute("SELECT path FROM posts WHERE url = ?", (key,)).fetchone()
    if row is None:
        row = state.db.execute("SELECT path FROM keys WHERE key = ?", (key,)).fetchone()
    return row[0] if row else ""
