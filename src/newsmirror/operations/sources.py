"""`newsmirror sources`: check each source without writing anything, and edit the list in newsmirror.toml (add,
remove, import from subs.json or OPML, export)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsmirror.config import (
    Config,
    ConfigError,
    ListConfig,
    SourceConfig,
    source_kind,
    sources_from_opml,
    sources_from_subs_json,
    sources_to_opml,
    sources_to_subs_json,
    write_sources,
)
from newsmirror.models import Entry, SourceProblem

if TYPE_CHECKING:
    from newsmirror.ingest.http import Fetcher

# The feed parser and the HTTP client (httpx: ~0.2 s) are imported where a check uses them: an edit needs neither.

EXPORT_FORMATS = ("opml", "subs.json", "subs", "json")


class SourcesError(Exception):
    """An edit that cannot be made (the name is taken, or missing) or an unknown export format; str() is one line."""


@dataclass(slots=True)
class CheckedEntry:
    """An entry as `fetch` would write it: its title, address and date (None: the run's time)."""

    title: str
    link: str
    date: str | None


@dataclass(slots=True)
class CheckResult:
    name: str
    url: str
    ok: bool
    items: int = 0
    newest: str | None = None
    error: str | None = None
    seconds: float = 0.0
    kind: str = "feed"  # feed | list | rsshub | telegram (config.source_kind)
    served_by: str = ""  # an RSSHub route: the instance that answered
    warnings: list[str] = field(default_factory=list)
    entries: list[CheckedEntry] = field(default_factory=list)  # what `fetch` would write, newest first


@dataclass(slots=True)
class ImportedSources:
    added: list[SourceConfig]
    present: int  # in the file but already in the settings (by name or address): skipped


def _checked_entries(entries: list[Entry], source: SourceConfig) -> list[CheckedEntry]:
    """The entries `fetch` would write (the title filters applied), newest first, titles as the posts carry them."""
    from newsmirror.ingest.articles import normalise_title, passes_filters

    kept = [e for e in entries if passes_filters(normalise_title(e), source)]
    kept.sort(key=lambda e: (e.published is not None, e.published), reverse=True)
    return [CheckedEntry(normalise_title(e), e.link, e.published.strftime("%Y-%m-%d %H:%M") if e.published else None)
            for e in kept]  # fmt: skip


async def _check(fetcher: Fetcher, source: SourceConfig) -> CheckResult:
    from newsmirror.ingest.kinds import fetch_document, parse_document

    started = time.monotonic()
    kind = source_kind(source)
    try:  # what `fetch` asks and reads, so the same answer
        document = await fetch_document(fetcher, source, fetcher.config)
        result = document.result
        feed = parse_document(source, result.content, charset=result.charset, content_type=result.content_type,
                              now=datetime.now(UTC), base_url=result.final_url)  # fmt: skip
        if not feed.entries:
            raise SourceProblem("the feed has no items" if kind in ("feed", "rsshub") else "the page gives no entry")
    except SourceProblem as exc:
        return CheckResult(source.name, source.url, False, error=str(exc), seconds=time.monotonic() - started, kind=kind)
    dates = [e.published for e in feed.entries if e.published]
    newest = max(dates).strftime("%Y-%m-%d %H:%M") if dates else None
    return CheckResult(source.name, source.url, True, len(feed.entries), newest, seconds=time.monotonic() - started,
                       kind=kind, served_by=document.instance, entries=_checked_entries(feed.entries, source),
                       warnings=[*(f"RSSHub instance {f}" for f in document.failures), *feed.warnings])  # fmt: skip


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


def new_source(name: str, url: str, *, category: str = "", tags: list[str] | None = None, fulltext: str | None = None,
               selectors: dict[str, str] | None = None) -> SourceConfig:  # fmt: skip
    """The source `sources add` describes. A list page's selectors need its `item`; a list page reads each article's
    page (fulltext "auto") unless told otherwise: a list gives titles and teasers, not articles. Raises SourcesError."""
    given = {key: value for key, value in (selectors or {}).items() if value}
    if given and not given.get("item"):
        raise SourcesError(f"source {name!r}: --{next(iter(given)).replace('_', '-')} needs --item (the selector of each entry)")
    list_page = ListConfig(**given) if given else None
    chosen = fulltext or ("auto" if list_page is not None else "never")
    return SourceConfig(name=name, url=url, category=category, tags=tags or [], fulltext=chosen,  # type: ignore[arg-type]
                        list_page=list_page)  # fmt: skip


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
    if format == "opml":
        return sources_to_opml(config.sources, config.site.title, config.fetch.rsshub)
    return sources_to_subs_json(config.sources, config.fetch.rsshub)
