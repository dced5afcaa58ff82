"""Feed bytes → entries: RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.x, YouTube.

Well-formed RSS and Atom (nearly every real feed) are read with lxml directly; anything else goes through
feedparser. Reason for the lxml path: feedparser costs ~1.3 ms per item, as much as the whole job may spend; the
lxml reader is ~15x faster and is checked against feedparser on the same fixtures (tests/ingest/test_feeds.py), so
both paths give the same entries. feedparser's own sanitizing and URI rewriting are off: content is kept as
the source sent it and made safe by our one sanitizer.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from lxml import etree

from newsmirror.ingest.articles import title_text
from newsmirror.ingest.encoding import decode
from newsmirror.models import Entry, SourceProblem
from newsmirror.urlsafety import http_link


class FeedError(SourceProblem):
    """The document is not a usable feed; str() is one line saying why."""


@dataclass(slots=True)
class ParsedFeed:
    title: str
    link: str
    entries: list[Entry]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Text encoding


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# XML 1.0 forbids these; feeds carry them anyway (NUL from broken CMSes, form feeds from pasted text).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# ---------------------------------------------------------------------------------------------------------------
# Dates

_NOW_SLACK = timedelta(minutes=10)


_RFC822_YEAR = re.compile(r"^(?:\w{3},\s*)?\d{1,2}\s+\w{3}\s+(\d+)\b")


def parse_date(value: str | None, now: datetime) -> datetime | None:
    """A feed date → UTC datetime; None when missing, unparseable, before 1970 or in the future (then the run's
    time is used)."""
    if not value:
        return None
    value = value.strip()
    try:
        moment = _read_date(value)
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError, OSError):  # year 1 or 9999 with an offset, timestamps out of range
        return None
    if moment > now + _NOW_SLACK or moment.year < 1970:
        return None
    return moment


def _read_date(value: str) -> datetime | None:
    year = _RFC822_YEAR.match(value)
    if year and len(year.group(1)) not in (2, 4):
        return None  # "01 Jan 1" would be read as 2001
    if year and len(year.group(1)) == 4 and int(year.group(1)) < 1970:
        return None  # email.utils reads "0001" as 2001
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    from feedparser.datetimes import _parse_date

    parsed = _parse_date(value)
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed is not None else None


# ---------------------------------------------------------------------------------------------------------------
# Shared normalisation: both parsing paths end here, so they cannot drift apart.

# A tag, or a "<" no ">" follows, which stays as text: matching that tail at once (rather than failing there after
# every "<" and rescanning the rest of the input each time) keeps the pattern linear.
_TAG = re.compile(r"<[^>]*(?:>|\Z)")
_LOOKS_HTML = re.compile(r"<[A-Za-z/!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+\d*);")
_WHITESPACE = re.compile(r"\s+")


def text_of_html(value: str) -> str:
    if _LOOKS_HTML.search(value):
        value = html.unescape(_TAG.sub(lambda m: "" if m.group().endswith(">") else m.group(), value))
    return value


def item_title(value: str) -> str:
    """An item's title as the feed gives it: tags go, then entities are decoded (an escaped "&lt;" stays a "<": a
    title is shown escaped everywhere), then articles.title_text, the rule every title follows."""
    return title_text(text_of_html(value))


def clean_title(value: str) -> str:
    """A feed's own title or an author as one line of text, as feed readers show it: tags go, entities are decoded
    and white space is folded (a name, not a title: it can become a source's name, in file names and lists). Not
    fulltext.plain_name, on purpose: a name a page gives also loses every "<" and control character and is bounded
    in length."""
    return _WHITESPACE.sub(" ", text_of_html(value)).strip()


# "email (Name)" as `^\S+@\S+\s*\((.+)\)$` reads it, made linear (that form tries every "@" of the first word and,
# for each, every "(" after it: 40,000 characters of "a@" took 11 s). Trying only the first "@" past the word's
# first character gives the same match (an earlier "@" only adds "(" candidates, tried after those of a later one),
# and the look-ahead (what that form needs: a ")" at the end of the value, which title_text made one line) ends
# the search at the first "(" candidate.
_EMAIL_AND_NAME = re.compile(r"^(?=.*\)$)\S[^\s@]*@\S+\s*\((.+)\)$")


def _author_name(value: str) -> str:
    """An item's author as the feed gives it, under the title's rule (articles.title_text: one line, the spacing
    kept, as existing mirrors write it); RSS <author> is often "email (Name)": keep the name."""
    value = title_text(text_of_html(value))
    match = _EMAIL_AND_NAME.match(value)
    return match.group(1).strip() if match else value


_BLANK_LINE = re.compile(r"\n\s*\n")


def text_to_html(text: str) -> str:
    """Plain text (YouTube descriptions, JSON Feed content_text) → paragraphs of escaped HTML."""
    paragraphs = [p.strip() for p in _BLANK_LINE.split(text.strip()) if p.strip()]
    return "".join("<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paragraphs)


_SURROGATES = re.compile("[\ud800-\udfff]")
_HTTP_GUID = re.compile(r"^https?://")
_URL_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _make_entry(
    source: str,
    *,
    title: str,
    link: str,
    guid: str,
    guid_is_link: bool,
    author: str,
    date_text: str,
    content: str,
    summary: str,
    now: datetime,
    base_url: str = "",
    video_id: str | None = None,
    from_lxml: bool = False,
) -> Entry:
    # Lone surrogates (JSON Feed "\ud800", feedparser's "&#xD800;") cannot be written as UTF-8: they go here, once,
    # for every field. lxml gives none (it refuses such references), so its fields skip the scan of every byte.
    if not from_lxml:
        title, link, guid, author, content, summary = (
            _SURROGATES.sub("", v) for v in (title, link, guid, author, content, summary)
        )
    # Only an http(s) address is a link (a `javascript:` one would become a live link in the post); relative ones
    # are read against the feed's address. Without a link, the guid or the title identifies the article.
    link = http_link(_URL_CONTROL.sub("", link), base_url)
    guid = guid.strip()
    if not link and guid and guid_is_link:
        link = http_link(_URL_CONTROL.sub("", guid)) if _HTTP_GUID.match(guid) else ""
    return Entry(
        source=source,
        title=item_title(title),
        link=link,
        guid=guid,
        author=_author_name(author),
        published=parse_date(date_text, now),
        content=(content if content.strip() else summary).strip(),
        has_full_content=bool(content.strip()),
        video_id=video_id,
    )


# ---------------------------------------------------------------------------------------------------------------
# The lxml path

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "atom03": "http://purl.org/atom/ns#",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rss1": "http://purl.org/rss/1.0/",
    "media": "http://search.yahoo.com/mrss/",
    "yt": "http://www.youtube.com/xml/schemas/2015",
}
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, encoding="utf-8"
)


class _NotSimple(Exception):
    """The document needs feedparser's lenient reader."""


def _text(element) -> str:
    return "" if element is None else "".join(element.itertext())


def _child_text(parent, *names: str) -> str:
    for name in names:
        found = parent.find(name, NS)
        if found is not None:
            text = _text(found)
            if text.strip():
                return text
    return ""


_XMLNS_ATTRIBUTE = re.compile(r'\sxmlns(:\w+)?="[^"]*"')


def _inner_xml(element) -> str:
    parts = [html.escape(element.text, quote=False)] if element.text else []
    for child in element:
        child_html = etree.tostring(child, encoding="unicode", method="html", with_tail=False)
        parts.append(_XMLNS_ATTRIBUTE.sub("", child_html))
        if child.tail:
            parts.append(html.escape(child.tail, quote=False))
    return "".join(parts)


def _atom_text_construct(element) -> str:
    """Atom text/html/xhtml content → HTML."""
    if element is None:
        return ""
    kind = (element.get("type") or "text").lower()
    if kind == "xhtml":
        div = element.find("{http://www.w3.org/1999/xhtml}div")
        return _inner_xml(div if div is not None else element)
    if kind in ("html", "text/html"):
        return _text(element)
    if len(element):
        return _inner_xml(element)
    text = _text(element)
    return html.escape(text, quote=False) if kind in ("text", "text/plain") else text


def _atom_link(entry) -> str:
    fallback = ""
    for link in entry.findall("atom:link", NS):
        rel = link.get("rel", "alternate")
        href = link.get("href", "")
        if rel == "alternate" and href and link.get("type", "text/html") in ("text/html", "application/xhtml+xml", ""):
            return href
        if rel == "alternate" and href and not fallback:
            fallback = href
    return fallback


def _parse_atom(root, source: str, now: datetime, base_url: str = "") -> ParsedFeed:
    entries = []
    for item in root.findall("atom:entry", NS):
        group = item.find("media:group", NS)
        video_id = _child_text(item, "yt:videoId").strip() or None
        content = _atom_text_construct(item.find("atom:content", NS))
        summary = _atom_text_construct(item.find("atom:summary", NS))
        if group is not None and not content.strip():
            description = _child_text(group, "media:description")
            content = text_to_html(description)
            if not content and video_id:
                content = "<p></p>"
        author = item.find("atom:author", NS)
        entries.append(
            _make_entry(
                source,
                title=_atom_text_construct(item.find("atom:title", NS)),
                link=_atom_link(item),
                guid=_child_text(item, "atom:id"),
                guid_is_link=True,
                author=_child_text(author, "atom:name") if author is not None else "",
                date_text=_child_text(item, "atom:published", "atom:updated"),
                content=content,
                summary=summary,
                now=now,
                from_lxml=True,
                base_url=base_url,
                video_id=video_id,
            )
        )
    feed_link = next(
        (link.get("href", "") for link in root.findall("atom:link", NS) if link.get("rel", "alternate") == "alternate"),
        "",
    )
    return ParsedFeed(title=clean_title(_child_text(root, "atom:title")), link=feed_link, entries=entries)


def _parse_rss(channel, items, source: str, now: datetime, base_url: str = "") -> ParsedFeed:
    entries = []
    for item in items:
        guid_element = item.find("guid")
        guid = _text(guid_element) if guid_element is not None else item.get(f"{{{NS['rdf']}}}about", "")
        guid_is_link = guid_element is None or guid_element.get("isPermaLink", "true").strip().lower() != "false"
        link = _child_text(item, "link", "rss1:link")
        if not link:
            atom_link = item.find("atom:link", NS)
            link = atom_link.get("href", "") if atom_link is not None else ""
        entries.append(
            _make_entry(
                source,
                title=_child_text(item, "title", "rss1:title", "dc:title"),
                link=link,
                guid=guid,
                guid_is_link=guid_is_link,
                author=_child_text(item, "author", "dc:creator"),
                date_text=_child_text(item, "pubDate", "dc:date", "atom:published", "atom:updated"),
                content=_child_text(item, "content:encoded"),
                summary=_child_text(item, "description", "rss1:description"),
                now=now,
                from_lxml=True,
                base_url=base_url,
            )
        )
    title = _child_text(channel, "title", "rss1:title") if channel is not None else ""
    link = _child_text(channel, "link", "rss1:link") if channel is not None else ""
    return ParsedFeed(title=clean_title(title), link=link.strip(), entries=entries)


def _parse_xml_fast(body: str, source: str, now: datetime, base_url: str = "") -> ParsedFeed:
    """`body`: the feed's text without its XML declaration and characters XML forbids (see parse_feed)."""
    try:
        root = etree.fromstring(body.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _NotSimple(str(exc)) from None
    except UnicodeEncodeError:  # a lone surrogate: XML forbids it
        raise _NotSimple("a character XML forbids") from None
    if root is None:
        raise _NotSimple("empty document")
    tag = etree.QName(root).localname.lower() if isinstance(root.tag, str) else ""
    namespace = etree.QName(root).namespace if isinstance(root.tag, str) else None
    if tag == "rss":
        channel = root.find("channel")
        items = channel.findall("item") if channel is not None else []
        return _parse_rss(channel, items, source, now, base_url)
    if tag == "rdf":
        return _parse_rss(root.find("rss1:channel", NS), root.findall("rss1:item", NS) or root.findall("item"), source, now, base_url)
    if tag == "feed" and namespace == NS["atom"]:
        return _parse_atom(root, source, now, base_url)
    if tag == "html":
        raise FeedError("the address answered with an HTML page, not a feed")
    raise _NotSimple(f"root element <{tag}>")


# ---------------------------------------------------------------------------------------------------------------
# The feedparser path: old Atom 0.3, malformed XML, anything the fast path does not know


# A numeric reference to no character (a surrogate, or past U+10FFFF): feedparser's chr(…).encode() raises on it,
# failing the whole feed (lxml refuses such a feed, so this path gets it). Dropped, as the characters themselves are.
_NO_CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));?")


def _no_character(match: re.Match[str]) -> str:
    value = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return "" if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF else match.group()


def _parse_with_feedparser(body: str, source: str, now: datetime, why: str, base_url: str = "") -> ParsedFeed:
    """`body` as for _parse_xml_fast; items that say nothing are left out here (the error below depends on it)."""
    import feedparser

    parsed = feedparser.parse(
        _NO_CHARACTER_REFERENCE.sub(_no_character, body).encode("utf-8"),
        sanitize_html=False,
        resolve_relative_uris=False,
        response_headers={"content-type": "application/xml; charset=utf-8"},
    )
    entries = []
    for item in parsed.entries:
        content = ""
        if item.get("content"):
            content = item["content"][0].get("value", "")
        summary = item.get("summary", "")
        if item.get("yt_videoid") and not content:  # YouTube: the media:description is the content
            content, summary = text_to_html(summary), ""
        guid = item.get("id", "")
        entries.append(
            _make_entry(
                source,
                title=item.get("title", ""),
                link=item.get("link", ""),
                guid=guid,
                guid_is_link=bool(item.get("guidislink", True)) or guid == item.get("link"),
                author=item.get("author", ""),
                date_text=item.get("published") or item.get("updated") or "",
                content=content,
                summary=summary,
                now=now,
                base_url=base_url,
                video_id=item.get("yt_videoid"),
            )
        )
    entries = [e for e in entries if _says_something(e)]
    warnings = []
    if not entries and parsed.get("bozo"):
        raise FeedError(f"malformed XML, no item could be read: {why}")
    if not entries and not parsed.get("version"):
        raise FeedError(f"not a feed: {why}")
    if parsed.get("bozo") and entries:
        warnings.append(f"malformed XML ({why}); {len(entries)} items recovered")
    feed = parsed.get("feed", {})
    return ParsedFeed(title=clean_title(feed.get("title", "")), link=feed.get("link", ""), entries=entries, warnings=warnings)


# ---------------------------------------------------------------------------------------------------------------
# JSON Feed


def _parse_json_feed(text: str, source: str, now: datetime, base_url: str = "") -> ParsedFeed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FeedError("JSON without an items list: not a JSON Feed")
    entries = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        authors = authors if isinstance(authors, list) else []
        author = ", ".join(a.get("name", "") for a in authors if isinstance(a, dict) and a.get("name"))
        content = item.get("content_html") or ""
        if not content and item.get("content_text"):
            content = text_to_html(str(item["content_text"]))
        url = item.get("url") or item.get("external_url") or ""
        entries.append(
            _make_entry(
                source,
                title=str(item.get("title") or ""),
                link=str(url),
                guid=str(item.get("id") or ""),
                guid_is_link=True,
                author=author,
                date_text=str(item.get("date_published") or item.get("date_modified") or ""),
                content=str(content),
                summary=html.escape(str(item.get("summary") or ""), quote=False),
                now=now,
                base_url=base_url,
            )
        )
    return ParsedFeed(title=clean_title(str(data.get("title") or "")), link=str(data.get("home_page_url") or ""), entries=entries)


# ---------------------------------------------------------------------------------------------------------------

# Comments, then <!doctype html> or <html>. One `<!--.*?-->` (it may span several comments and what lies between)
# says the same as a series of them, without the exponential number of ways to split a run of comments into one:
# 24 "<!---->" took 2 s.
_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)?<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)


def parse_feed(
    data: bytes,
    source: str,
    *,
    charset: str | None = None,
    content_type: str = "",
    now: datetime | None = None,
    use_fast_path: bool = True,
    base_url: str = "",
) -> ParsedFeed:
    """Feed bytes → ParsedFeed. Raises FeedError with a one-line cause for anything that is not a feed.
    `base_url`: the feed's own address, against which relative item links are read."""
    now = now or datetime.now(UTC)
    if not data.strip():
        raise FeedError("the response is empty")
    text = decode(data, "feed", charset).text
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{") or content_type in ("application/feed+json", "application/json"):
        return _parse_json_feed(stripped, source, now, base_url)
    if _HTML_START.match(stripped[:2048]):
        raise FeedError("the address answered with an HTML page, not a feed")
    if not stripped.startswith("<"):
        raise FeedError("the response is neither XML nor JSON")
    # Decoded already: the declaration's encoding must not be applied again; and characters XML forbids go — looked
    # for only when lxml refuses the feed (a scan of every character costs an eighth of parsing a clean feed).
    body = _XML_DECL.sub("", stripped, count=1)
    if not use_fast_path:
        return _parse_with_feedparser(_XML_ILLEGAL.sub("", body), source, now, "the fast path was not used", base_url)
    try:
        return _without_empty_items(_parse_xml_fast(body, source, now, base_url))
    except _NotSimple:
        body = _XML_ILLEGAL.sub("", body)
    try:
        return _without_empty_items(_parse_xml_fast(body, source, now, base_url))
    except _NotSimple as why:
        return _parse_with_feedparser(body, source, now, str(why), base_url)


def _says_something(entry: Entry) -> bool:
    """An item with no title, link, guid or content says nothing worth a post."""
    return bool(entry.title or entry.link or entry.guid or entry.content)


def _without_empty_items(feed: ParsedFeed) -> ParsedFeed:
    feed.entries = [e for e in feed.entries if _says_something(e)]
    return feed
