"""`newsmirror sources`: check each source without writing anything, and edit the list in newsmirror.toml (add,
remove, import from subs.json or OPML, export)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from newsmirror.config import (
    Config,
    ConfigError,
    SourceConfig,
    sources_from_opml,
    sources_from_subs_json,
    sources_to_opml,
    sources_to_subs_json,
    write_sources,
)
from newsmirror.models import FetchError

if TYPE_CHECKING:
    from newsmirror.ingest.http import Fetcher

# The feed parser and the HTTP client (httpx: ~0.2 s) are imported where a check uses them: an edit needs neither.

EXPORT_FORMATS = ("opml", "subs.json", "subs", "json")


class SourcesError(Exception):
    """An edit that cannot be made (the name is taken, or missing) or an unknown export format; str() is one line."""


@dataclass(slots=True)
class CheckResult:
    name: str
    url: str
    ok: bool
    items: int = 0
    newest: str | None = None
    error: str | None = None
    seconds: float = 0.0


@dataclass(slots=True)
class ImportedSources:
    added: list[SourceConfig]
    present: int  # in the file but already in the settings (by name or address): skipped


async def _check(fetcher: Fetcher, source: SourceConfig) -> CheckResult:
    from newsmirror.ingest.feeds import FeedError, parse_feed
    from newsmirror.ingest.guard import source_guard
    from newsmirror.ingest.http import FEED_ACCEPT

    started = time.monotonic()
    try:
        result = await fetcher.get(source.url, accept=FEED_ACCEPT, guard=source_guard(fetcher.config, source))  # what `fetch` asks, so the same answer
        feed = parse_feed(
            result.content, source.name, charset=result.charset, content_type=result.content_type, base_url=result.final_url
        )
        if not feed.entries:
            raise FeedError("the feed has no items")
    except (FetchError, FeedError) as exc:
        return CheckResult(source.name, source.url, False, error=str(exc), seconds=time.monotonic() - started)
    dates = [e.published for e in feed.entries if e.published]
    newest = max(dates).strftime("%Y-%m-%d %H:%M") if dates else None
    return CheckResult(source.name, source.url, True, len(feed.entries), newest, seconds=time.monotonic() - started)


async def check_sources(config: Config, sources: list[SourceConfig], proxy: str | None = None) -> list[CheckResult]:
    from newsmirror.ingest.http import Fetcher

    async with Fetcher(config.fetch, proxy=proxy) as fetcher:
        return list(await asyncio.gather(*(_check(fetcher, s) for s in sources)))


def sources_to_check(config: Config, names: list[str] | None) -> list[SourceConfig]:
    """The named sources, an unknown name refused as `fetch --source` refuses it (UnknownSourceError); without
    names every source, disabled ones too: checking one before enabling it is what `check` is for."""
    from newsmirror.operations.fetch import select_sources

    return select_sources(config, names) if names else list(config.sources)


def check_named_sources(config: Config, names: list[str] | None, proxy: str | None = None) -> list[CheckResult]:
    """`sources check [NAME…]`. Raises FetchError for an unusable proxy, before any request."""
    return asyncio.run(check_sources(config, sources_to_check(config, names), proxy=proxy))


def add_source(config: Config, source: SourceConfig) -> None:
    """Append a source to newsmirror.toml. Raises SourcesError when the name is taken, ConfigError when invalid."""
    if config.source(source.name):
        raise SourcesError(f"{config.path}: a source named {source.name!r} exists already")
    write_sources(config.path, [*config.sources, source])


def remove_source(config: Config, name: str) -> None:
    """Take a source out of newsmirror.toml (its posts stay in the archive). Raises SourcesError when missing."""
    if not config.source(name):
        raise SourcesError(f"{config.path}: no source named {name!r}")
    write_sources(config.path, [s for s in config.sources if s.name != name])


def read_sources_file(file: Path) -> list[SourceConfig]:
    """The sources of a subs.json (JSON) or an OPML file. Raises ConfigError naming the problem."""
    data = file.read_bytes()
    try:
        if data.lstrip()[:1] in (b"[", b"{"):
            return sources_from_subs_json(data.decode("utf-8-sig"), str(file))
        return sources_from_opml(data, str(file))
    except UnicodeDecodeError as exc:
        raise ConfigError([str(exc)]) from None


def import_sources(config: Config, file: Path) -> ImportedSources:
    """Add the sources of `file` whose name and address are both new. Raises ConfigError."""
    incoming = read_sources_file(file)
    names = {s.name for s in config.sources}
    urls = {s.url for s in config.sources}
    added = [s for s in incoming if s.name not in names and s.url not in urls]
    write_sources(config.path, [*config.sources, *added])
    return ImportedSources(added, len(incoming) - len(added))


def export_sources(config: Config, format: str) -> str:
    """The sources as OPML or as a legacy subs.json. Raises SourcesError for another format."""
    if format not in EXPORT_FORMATS:
        raise SourcesError(f"unknown format {format!r}: use opml or subs.json")
    return sources_to_opml(config.sources, config.site.title) if format == "opml" else sources_to_subs_json(config.sources)
