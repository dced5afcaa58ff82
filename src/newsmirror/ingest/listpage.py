"""An HTML page without a feed → entries, read with the source's `[sources.list]` CSS selectors.

Each element `item` selects is one entry: its link (`link`, else the item itself when it is a link, else its first
link), its title (`title`, else the link's text), its date (`date`: a `datetime` attribute, else the text, read by
ingest/listdates.py) and its summary (`summary`, kept as HTML and made safe later like any feed's content). The
entries are the same records ingest/feeds.py makes, so everything after them is shared.
"""

from __future__ import annotations

import contextlib
import copy
import html
from datetime import UTC, datetime, tzinfo
from functools import lru_cache

import lxml.etree
import lxml.html

from newsmirror.config import ListConfig
from newsmirror.ingest.articles import title_text
from newsmirror.ingest.encoding import decode
from newsmirror.ingest.feeds import ParsedFeed, clean_title
from newsmirror.ingest.listdates import parse_page_date
from newsmirror.models import PAGE_CHANGED, Entry, PageChangedError, SourceProblem
from newsmirror.urlsafety import http_link

MAX_LIST_ITEMS = 2000  # elements read from one page; the [fetch] max_items limit applies after


@lru_cache(maxsize=256)
def _selector(css: str):
    from lxml.cssselect import CSSSelector

    return CSSSelector(css, translator="html")  # config.py has checked that it compiles


def select(css: str, element: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """What `css` selects inside `element`; comments and processing instructions are no elements."""
    return [found for found in _selector(css)(element) if isinstance(found.tag, str)]


def read_html(data: bytes, charset: str | None) -> lxml.html.HtmlElement:
    """A page's bytes → its tree, as fulltext reads article pages (charset by the page rules of encoding.py)."""
    text = decode(data, "page", charset).text
    if text.lstrip().startswith("<?xml"):
        text = text.split("?>", 1)[-1]
    try:
        return lxml.html.document_fromstring(text if text.strip() else "<html></html>")
    except (lxml.etree.ParserError, ValueError) as exc:
        raise SourceProblem(f"the page is not readable HTML: {exc}") from None


def inner_html(element: lxml.html.HtmlElement, base_url: str) -> str:
    """An element's content as HTML, its links and images made absolute against the page's address."""
    element = copy.deepcopy(element)
    element.tail = None
    with contextlib.suppress(ValueError):  # a base address urljoin refuses: the links stay as written
        element.make_links_absolute(base_url, resolve_base_href=False, handle_failures="discard")
    parts = [html.escape(element.text, quote=False)] if element.text else []
    parts += [lxml.html.tostring(child, encoding="unicode") for child in element]
    return "".join(parts).strip()


def element_text(element: lxml.html.HtmlElement | None) -> str:
    return " ".join(element.text_content().split()) if element is not None else ""


def _first(css: str, item: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    if not css:
        return None
    found = select(css, item)
    return found[0] if found else None


def _link_element(item: lxml.html.HtmlElement, selectors: ListConfig) -> lxml.html.HtmlElement | None:
    """The element whose href is the entry's address: `link` (or a link inside what it selects), else the item."""
    if selectors.link:
        chosen = _first(selectors.link, item)
        if chosen is None or chosen.get("href") is not None:
            return chosen
        return next(iter(chosen.iterfind(".//a[@href]")), None)
    if item.tag == "a" and item.get("href") is not None:
        return item
    return next(iter(item.iterfind(".//a[@href]")), None)


def _date_text(element: lxml.html.HtmlElement | None) -> str:
    if element is None:
        return ""
    return element.get("datetime") or element.get("data-time") or element_text(element) or element.get("title") or ""


def _entry(item, selectors: ListConfig, source: str, base_url: str, now: datetime, zone: tzinfo) -> Entry | None:
    anchor = _link_element(item, selectors)
    link = http_link(anchor.get("href") or "", base_url) if anchor is not None else ""
    if not link:
        return None  # no address, or a javascript:/mailto: one: nothing a post could point at
    title_element = _first(selectors.title, item) if selectors.title else anchor
    title = element_text(title_element) or (anchor.get("title") or "" if anchor is not None else "")
    summary_element = _first(selectors.summary, item)
    return Entry(
        source=source,
        title=title_text(title),
        link=link,
        guid=link,
        author="",
        published=parse_page_date(_date_text(_first(selectors.date, item)), now, date_format=selectors.date_format, zone=zone),
        content=inner_html(summary_element, base_url) if summary_element is not None else "",
        has_full_content=False,  # a list shows teasers: fulltext = "auto" reads each article's page
    )


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name) if name else UTC


def parse_list_page(
    data: bytes,
    source: str,
    selectors: ListConfig,
    *,
    base_url: str,
    charset: str | None = None,
    now: datetime | None = None,
) -> ParsedFeed:
    """Page bytes → ParsedFeed. Raises PageChangedError when the selectors find no entry on the page."""
    now = now or datetime.now(UTC)
    tree = read_html(data, charset)
    items = select(selectors.item, tree)
    if not items:
        raise PageChangedError(f"{PAGE_CHANGED} (item {selectors.item!r} matches nothing on the page)")
    warnings = []
    if len(items) > MAX_LIST_ITEMS:
        warnings.append(f"the page has {len(items)} items; read the first {MAX_LIST_ITEMS}")
    zone = _zone(selectors.timezone)
    entries: list[Entry] = []
    seen: set[str] = set()
    for item in items[:MAX_LIST_ITEMS]:
        entry = _entry(item, selectors, source, base_url, now, zone)
        if entry is None or entry.link.split("#")[0] in seen:  # the same article twice (a headline and a list)
            continue
        seen.add(entry.link.split("#")[0])
        entries.append(entry)
    if not entries:
        what = f"link {selectors.link!r}" if selectors.link else "a link"
        raise PageChangedError(f"{PAGE_CHANGED} ({len(items)} items, none with {what} to an http(s) address)")
    title = clean_title(element_text(next(iter(tree.iterfind(".//title")), None)))
    return ParsedFeed(title=title, link=base_url, entries=entries, warnings=warnings)
