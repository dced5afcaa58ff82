"""A source's address → its document → entries, whatever its kind (config.source_kind): a feed, a list page, an
RSSHub route or a Telegram channel. `fetch` and `sources check` both come through here, so they read alike.

An RSSHub route is asked of the instances of `[fetch] rsshub`, the one that answered last time first (for a day:
then the operator's order again, so that an instance of their own that was down is used again once it is back),
then the others in order. An instance that fails (429, 403, 5xx, no answer, an HTML error page where the feed should
be) is passed over at once, without the retries a single address gets: the next one is asked instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from newsmirror.config import (
    FetchConfig,
    SourceConfig,
    source_kind,
    telegram_channel,
    validators_key,
)
from newsmirror.ingest.guard import source_guard
from newsmirror.models import FetchError, Validators

if TYPE_CHECKING:
    from newsmirror.ingest.feeds import ParsedFeed  # (lxml: imported only where a document is read)
    from newsmirror.ingest.http import Fetcher, FetchResult

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
INSTANCE_REMEMBERED_FOR = timedelta(days=1)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)?<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)


@dataclass(slots=True)
class SourceDocument:
    """What a source's address answered: the answer, the key its validators are kept under (the address that gave
    it: an instance's, for a route; with the selectors, for a list page), and for a route the instance and why
    each one asked before it failed."""

    result: FetchResult
    key: str
    instance: str = ""
    failures: list[str] = field(default_factory=list)


def instance_order(instances: list[str], remembered: str = "", remembered_at: datetime | None = None,
                   now: datetime | None = None) -> list[str]:  # fmt: skip
    """The instances to ask, in order: the one that answered last (within INSTANCE_REMEMBERED_FOR), then the rest."""
    fresh = remembered_at is None or now is None or now - remembered_at < INSTANCE_REMEMBERED_FOR
    if remembered in instances and fresh:
        return [remembered, *(i for i in instances if i != remembered)]
    return list(instances)


def _looks_like_html(result: FetchResult) -> bool:
    return result.content_type in ("text/html", "application/xhtml+xml") or bool(_HTML_START.match(result.content[:2048]))


async def fetch_document(
    fetcher: Fetcher,
    source: SourceConfig,
    settings: FetchConfig,
    *,
    validators_of: Callable[[str], Validators | None] = lambda url: None,
    instances: list[str] | None = None,
) -> SourceDocument:
    """GET the source's document. `validators_of(url)`: the last answer's validators for a conditional GET;
    `instances`: the RSSHub instances in the order to ask them (default: [fetch] rsshub). Raises FetchError."""
    from newsmirror.ingest.http import FEED_ACCEPT

    kind = source_kind(source)
    if kind == "telegram":  # from [fetch] telegram, t.me itself or the operator's stand-in for it
        url = validators_key(source, settings)
        guard = source_guard(settings, source, url)
        result = await fetcher.get(url, validators=validators_of(url), accept=PAGE_ACCEPT, guard=guard)
        return SourceDocument(result, url)
    if kind != "rsshub":
        accept = FEED_ACCEPT if kind == "feed" else PAGE_ACCEPT
        key = validators_key(source, settings)
        guard = source_guard(settings, source)
        result = await fetcher.get(source.url, validators=validators_of(key), accept=accept, guard=guard)
        return SourceDocument(result, key)
    failures: list[str] = []
    order = instances if instances is not None else settings.rsshub
    for number, instance in enumerate(order, start=1):
        url = validators_key(source, settings, instance)
        try:
            result = await fetcher.get(
                url, validators=validators_of(url), accept=FEED_ACCEPT, guard=source_guard(settings, source, url),
                retries=None if number == len(order) else 0,
            )
        except FetchError as exc:
            failures.append(f"{instance}: {exc}")
            continue
        if not result.not_modified and _looks_like_html(result):
            failures.append(f"{instance}: an HTML page, not a feed (an error page?)")
            continue
        return SourceDocument(result, url, instance, failures)
    raise FetchError("no RSSHub instance gave the feed (" + "; ".join(failures) + ")" if failures else "no RSSHub instance is set")


async def fetch_earlier_page(fetcher: Fetcher, source: SourceConfig, settings: FetchConfig, url: str) -> FetchResult:
    """A channel's preview page of earlier messages (telegram.earlier_page_url), under the channel's guard; no
    validators (each such page is asked once). Raises FetchError."""
    return await fetcher.get(url, validators=None, accept=PAGE_ACCEPT, guard=source_guard(settings, source, url))


def parse_document(
    source: SourceConfig, data: bytes, *, charset: str | None, content_type: str, now: datetime, base_url: str
) -> ParsedFeed:
    """The document's entries, read as the source's kind says. Raises FeedError, PageChangedError (SourceProblem)."""
    kind = source_kind(source)
    if kind == "list" and source.list_page is not None:
        from newsmirror.ingest.listpage import parse_list_page

        return parse_list_page(data, source.name, source.list_page, base_url=base_url, charset=charset, now=now)
    if kind == "telegram":
        from newsmirror.ingest.telegram import parse_telegram_page

        return parse_telegram_page(data, source.name, channel=telegram_channel(source.url), charset=charset, now=now)
    from newsmirror.ingest.feeds import parse_feed

    return parse_feed(data, source.name, charset=charset, content_type=content_type, now=now, base_url=base_url)


def parse_document_spilling(
    spill_to: str, source: SourceConfig, data: bytes, *, charset: str | None, content_type: str, now: datetime,
    base_url: str
) -> ParsedFeed:
    """parse_document, with the bodies the main process does not need left in a new file at `spill_to`
    (ingest/spill.py). In a worker process."""
    from newsmirror.ingest.spill import spill_contents

    feed = parse_document(source, data, charset=charset, content_type=content_type, now=now, base_url=base_url)
    spill_contents(feed.entries, spill_to)
    return feed
