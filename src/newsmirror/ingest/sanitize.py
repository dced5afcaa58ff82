"""One sanitizer policy for every post: nh3 with an allowlist made for articles.

Before nh3 runs, image tags are prepared (lazy-loading attributes become a real src, tracking pixels go) and
iframes of allowed video hosts are rewritten to privacy-friendly embeds; nh3 then drops everything not on the
allowlist and makes every link and image URL absolute against the article's address.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

from newsmirror.ingest.embeds import FRAME_SOURCES, player_embed, privacy_embed_url
from newsmirror.urlsafety import join_url, split_url

ALLOWED_TAGS = {
    "a", "abbr", "acronym", "address", "article", "aside", "audio", "b", "bdi", "bdo", "blockquote", "br",
    "caption", "center", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "i", "iframe", "img", "ins", "kbd", "li", "main", "mark", "nav", "ol", "p", "picture", "pre", "q",
    "rp", "rt", "ruby", "s", "samp", "section", "small", "source", "span", "strike", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var",
    "video", "wbr",
}  # fmt: skip
# Removed together with everything inside them (the rest lose only their tags).
REMOVED_WITH_CONTENT = {"script", "style", "noscript", "template", "title", "textarea", "select", "object",
                        "embed", "applet", "frameset", "frame", "svg", "math", "button", "head", "noembed",
                        "noframes", "xmp"}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "iframe": {"src", "width", "height", "allowfullscreen", "frameborder"},
    "video": {"src", "poster", "controls", "width", "height", "preload"},
    "audio": {"src", "controls", "preload"},
    "source": {"src", "type", "media"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "font": {"color"},
    "details": {"open"},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}  # data: is narrowed to images in _filter_attribute
URL_ATTRIBUTES = {"href", "src", "poster", "cite"}
_LINK_SCHEMES = {"http", "https", "mailto"}
_NUMERIC_ATTRIBUTES = {"width", "height", "colspan", "rowspan", "span", "start", "value"}
_NUMBER = re.compile(r"^\s*-?\d{1,6}(?:\.\d+)?\s*(?:%|px)?\s*$")
# A scheme as browsers read it: control characters and white space inside it are ignored ("java\tscript:").
_SCHEME = re.compile(r"^[\x00-\x20]*([a-z][a-z0-9+.\-\x00-\x20]*?)[\x00-\x20]*:", re.I)
_SAFE_DATA_IMAGE = re.compile(r"^data:image/(?:png|jpe?g|gif|webp|avif|bmp);base64,[A-Za-z0-9+/=\s]+$", re.I)

TRACKER_HOSTS = {
    "pixel.wp.com", "stats.wordpress.com", "www.google-analytics.com", "google-analytics.com",
    "pixel.quantserve.com", "b.scorecardresearch.com", "sb.scorecardresearch.com", "pi.feedsportal.com",
    "feeds.feedburner.com", "feedproxy.google.com", "ad.doubleclick.net", "stats.g.doubleclick.net",
    "www.facebook.com", "analytics.twitter.com", "t.co", "pixel.facebook.com", "counter.theconversation.com",
    "www.googletagmanager.com", "bat.bing.com", "sp.analytics.yahoo.com", "mf.feeds.reuters.com",
}  # fmt: skip
_TRACKER_PATHS = ("/~r/", "/~ff/", "/tr?", "/pixel", "/beacon", "/__utm.gif", "/collect?")

# Linear: every part of a tag can always proceed (a quoted value may run to the end of the input, and so may the
# tag), so a match never fails after "<img" and the scan never restarts inside the rest of the input. A tag the
# input ends in (group 3 empty) is dropped, as an HTML parser drops a tag that EOF cuts short.
_START_TAG = re.compile(
    r"<(img|iframe)\b((?:[^>\"']|\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z))*)(>|\Z)", re.IGNORECASE
)
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_LAZY_SOURCES = ("data-src", "data-original", "data-lazy-src", "data-actualsrc", "data-url", "data-echo")
# A frame whose address was refused goes with whatever it held (nh3 keeps a frame's content as inert text): a frame
# with no src before its ">", up to its "</iframe>" (group "empty"). Linear: a frame with a src is passed over up to
# that src; a frame no "</iframe>" follows takes the rest of the input along (kept), where no frame can be removed.
_EMPTY_IFRAME = re.compile(
    r"<iframe(?:[^>]*?\ssrc=|[^>]*>.*?(?P<empty></iframe>)|.*)", re.IGNORECASE | re.DOTALL
)
_PLACEHOLDER_SRC = re.compile(r"^(?:data:image/(?:gif|png|svg)|about:blank|$)|(?:blank|placeholder|spacer|lazy|loading)\.(?:gif|png|svg)", re.I)


def _attributes(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        value = next((g for g in match.group(2, 3, 4) if g is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def _render_tag(name: str, attributes: dict[str, str]) -> str:
    parts = [name] + [f'{k}="{html.escape(v, quote=True)}"' for k, v in attributes.items()]
    return "<" + " ".join(parts) + ">"


def _largest_srcset_candidate(srcset: str) -> str:
    best, best_size = "", -1.0
    for candidate in srcset.split(","):
        bits = candidate.strip().split()
        if not bits:
            continue
        size = 1.0
        if len(bits) > 1:
            try:
                size = float(bits[1][:-1])
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = bits[0], size
    return best


def is_tracker(url: str, attributes: dict[str, str] | None = None) -> bool:
    if attributes is not None and attributes.get("width", "").strip() in ("0", "1", "1px") and attributes.get(
        "height", ""
    ).strip() in ("0", "1", "1px"):
        return True
    parts = split_url(url)
    if parts is None:
        return True  # an address no browser could load either: drop the image
    host = (parts.hostname or "").lower()
    if host in TRACKER_HOSTS:
        return True
    path = parts.path + ("?" + parts.query if parts.query else "")
    return any(marker in path for marker in _TRACKER_PATHS) and host.endswith(("feedburner.com", "wp.com", "facebook.com"))


def pick_lazy_src(attributes: dict[str, str]) -> str:
    """The picture an <img> will show: its src, unless that is a placeholder and a lazy-loading attribute or
    srcset names the real one (the largest srcset candidate)."""
    src = attributes.get("src", "").strip()
    lazy = next((attributes[k].strip() for k in _LAZY_SOURCES if attributes.get(k, "").strip()), "")
    if lazy and (not src or _PLACEHOLDER_SRC.search(src)):
        src = lazy
    if not src or _PLACEHOLDER_SRC.search(src):
        srcset = attributes.get("srcset") or attributes.get("data-srcset") or ""
        src = _largest_srcset_candidate(srcset) or src
    return src


def _prepare_tag(match: re.Match[str], base_url: str) -> str:
    if not match.group(3):
        return ""  # the input ends inside the tag
    name = match.group(1).lower()
    attributes = _attributes(match.group(2))
    if name == "iframe":
        embed = player_embed(attributes, base_url)
        if embed is None:
            return "<iframe>"  # the empty frame is removed after cleaning
        attributes["src"] = embed
        for key in FRAME_SOURCES[1:]:
            attributes.pop(key, None)
        return _render_tag("iframe", attributes)
    src = pick_lazy_src(attributes)
    if src and is_tracker(join_url(base_url, src) or "http://[", attributes):
        return ""
    if src:
        attributes["src"] = src
    for key in ("srcset", "data-srcset", "sizes", "loading", *_LAZY_SOURCES):
        attributes.pop(key, None)
    return _render_tag("img", attributes)


@lru_cache(maxsize=1)
def sanitize_html(fragment: str, base_url: str = "") -> str:
    """Article HTML → safe article HTML. Clean markup comes back unchanged."""
    return _sanitize_html(fragment, base_url)


def _sanitize_html(fragment: str, base_url: str) -> str:
    # Undecorated, apart from the cache above: mutmut mutates only undecorated functions.
    if not fragment:
        return ""
    lowered = fragment.lower()
    if "<img" in lowered or "<iframe" in lowered:
        fragment = _START_TAG.sub(lambda m: _prepare_tag(m, base_url), fragment)

    def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            if attribute in _NUMERIC_ATTRIBUTES and not _NUMBER.match(value):
                return None  # sizes and spans are numbers; anything else is a smuggling attempt or noise
            return value
        value = value.strip()
        if value.lower().startswith("data:"):
            return value if tag == "img" and attribute == "src" and _SAFE_DATA_IMAGE.match(value) else None
        if tag == "iframe":
            return value if privacy_embed_url(value) == value else None
        if not base_url or not value or value.startswith(("#", "https://", "http://")):
            absolute = value  # already absolute (most links): urljoin would return it unchanged, at a cost
        else:
            joined = join_url(base_url, value)
            if joined is None:
                return None
            absolute = joined
        # nh3 checks schemes only on the attributes it knows as URLs (not blockquote/q/del/ins cite): check all.
        scheme = _SCHEME.match(absolute)
        if scheme and scheme.group(1).lower() not in _LINK_SCHEMES:
            return None
        return absolute

    cleaned = nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    if "<iframe" in cleaned:
        cleaned = _EMPTY_IFRAME.sub(lambda m: "" if m.group("empty") else m.group(), cleaned)
    return cleaned


# A tag, or (linear: no rescanning the rest after each "<") a "<" with no ">" after it, which stays as text.
_TAG_OR_TAIL = re.compile(r"<[^>]+(?:>|\Z)")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment (for lengths, summaries and search), tags and entities resolved."""
    return html.unescape(_TAG_OR_TAIL.sub(lambda m: " " if m.group().endswith(">") else m.group(), fragment))
