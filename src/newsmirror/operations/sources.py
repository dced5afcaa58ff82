"""`newsmirror sources check`: fetch and parse each source without writing anything."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from newsmirror.config import Config, SourceConfig
from newsmirror.ingest.feeds import FeedError, parse_feed
from newsmirror.ingest.guard import source_guard
from newsmirror.ingest.http import FEED_ACCEPT, Fetcher
from newsmirror.models import FetchError


@dataclass(slots=True)
class CheckResult:
    name: str
    url: str
    ok: bool
    items: int = 0
    newest: str | None = None
    error: str | None = None
    seconds: float = 0.0


async def _check(fetcher: Fetcher, source: SourceConfig) -> CheckResult:
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
    async with Fetcher(config.fetch, proxy=proxy) as fetcher:
        return list(await asyncio.gather(*(_check(fetcher, s) for s in sources)))
