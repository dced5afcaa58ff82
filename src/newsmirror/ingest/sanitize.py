"""One sanitizer policy for every post: nh3 with an allowlist made for articles.

Before nh3 runs, image tags are prepared (lazy-loading attributes become a real src, tracking pixels go), iframes of
allowed video hosts are rewritten to privacy-friendly embeds and any other frame showing an http(s) address becomes
a link to it; nh3 then drops everything not on the allowlist and makes every link and image URL absolute against the
article's address. Markup nh3 keeps whole comes back as it was written, not as nh3 re-writes it.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

from newsmirror.ingest.embeds import (
    FRAME_SOURCES,
    frame_address,
    frame_label,
    player_embed,
    privacy_embed_url,
)
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
# SVG and MathML element names whose content nh3 (ammonia) removes wherever they stand, against namespace confusion.
# Outside an <svg> or <math> a browser reads them as unknown HTML elements and shows their text (charts exported
# as HTML write `<tspan>` in headings: 12 of 5,685 real posts lost their words), so in a fragment with neither they
# become the <span> a browser treats them as.
FOREIGN_NAMES = {
    "animate", "circle", "defs", "desc", "ellipse", "filter", "g", "line", "marker", "mask", "metadata", "mpath",
    "path", "pattern", "polygon", "polyline", "rect", "set", "stop", "switch", "symbol", "text", "tspan", "use",
    "view", "maction", "annotation", "annotation-xml", "menclose", "merror", "mfenced", "mfrac", "mglyph", "mi",
    "mlabeledtr", "mmultiscripts", "mn", "mo", "mover", "mpadded", "mphantom", "mprescripts", "mroot", "mrow", "ms",
    "mspace", "msqrt", "mstyle", "msub", "msubsup", "msup", "mtable", "mtd", "mtext", "mtr", "munder",
    "munderover", "none", "semantics",
}  # fmt: skip
_FOREIGN_TAG = re.compile(
    r"<(/?)(?:" + "|".join(sorted(map(re.escape, FOREIGN_NAMES), key=len, reverse=True)) + r")(?=[\s/>])",
    re.IGNORECASE,
)
# What _FOREIGN_TAG could match, found ~3x faster than by its 60-way alternation (the sanitizer's dearest regex on
# real posts): the name after "<" or "</" up to white space, "/" or ">". A fragment none of whose names is foreign
# needs no rewriting. A name that is not ASCII counts as foreign: IGNORECASE matches "ſ", "K", "ı" and "İ" to ASCII
# letters. Linear: a name holds no "<" and at most 14 characters (the longest foreign name), so the scan never
# passes a "<" and does bounded work at each.
_TAG_NAME_TOKEN = re.compile(r"</?([^\s/<>]{1,14})(?=[\s/>])")


# "<svg" or "<math" in any case, as `"<svg" in fragment.lower()` finds it (ASCII letters only: IGNORECASE would
# also take "ſ" for "s"), without lowering a copy of the fragment (~12% of preparing real posts).
_SVG_OR_MATH = re.compile(r"<(?:[sS][vV][gG]|[mM][aA][tT][hH])")


def _may_name_foreign_tags(fragment: str) -> bool:
    names = set(_TAG_NAME_TOKEN.findall(fragment))  # a few dozen distinct names among thousands of tags
    return any(not name.isascii() or name.lower() in FOREIGN_NAMES for name in names)


# Removed together with everything inside them (the rest lose only their tags).
REMOVED_WITH_CONTENT = {"script", "style", "noscript", "template", "title", "textarea", "select", "object",
                        "embed", "applet", "frameset", "frame", "svg", "math", "button", "head", "noembed",
                        "noframes", "xmp"}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "referrerpolicy"},
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
# Policies that tell an image host no more than the browser's default does (strict-origin-when-cross-origin): the
# sources' own `referrerpolicy="no-referrer"` keeps working where a host refuses pictures asked for from elsewhere
# (2,390 images in 508 of the 5,685 real posts carry it), and a reader's page address never leaks by a policy.
_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
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
# A frame in nh3's writing, from its start tag to its end tag. Its content is raw text, never markup, and never
# holds "</iframe>" (that would have ended it), so each match runs from a real start tag to its real end even when
# the text looks like frames (`<iframe src=player><iframe></iframe>…`). Linear: nh3 escapes "<" and ">" in values
# (`_nh3_escapes_values`), so a start tag ends before the next "<", and a frame no end tag follows (never in nh3's
# writing) runs to the end: matches never overlap.
_WRITTEN_FRAME = re.compile(r"<iframe\b([^<>]*)>.*?(?:</iframe>|\Z)", re.IGNORECASE | re.DOTALL)
_HAS_SRC = re.compile(r"\ssrc=")
# A frame its page hides (Google Tag Manager's, say) shows the reader nothing: no link for it.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HTML_SPACES = re.compile(r"[\t\n\f\r ]+")
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


def _frame_link(attributes: dict[str, str], base_url: str) -> str:
    """A frame that is no player, as a link to the address it shows, named by its title (else the address): the
    reader learns that something was there. "" for a frame that shows nothing, is hidden or tracks."""
    address = frame_address(attributes, base_url)
    if not address or is_tracker(address, attributes) or "hidden" in attributes:
        return ""
    if _HIDDEN_STYLE.search(attributes.get("style", "")):
        return ""
    title = _HTML_SPACES.sub(" ", attributes.get("title", "")).strip() or frame_label(address)
    return f'<a href="{html.escape(address, quote=True)}">{html.escape(title, quote=True)}</a>'


def _prepare_tag(match: re.Match[str], base_url: str) -> str:
    if not match.group(3):
        return ""  # the input ends inside the tag
    name = match.group(1).lower()
    attributes = _attributes(match.group(2))
    if name == "iframe":
        embed = player_embed(attributes, base_url)
        if embed is None:
            return _frame_link(attributes, base_url) + "<iframe>"  # the empty frame goes after cleaning, with its content
        attributes["src"] = embed
        for key in FRAME_SOURCES[1:]:
            attributes.pop(key, None)
        return _render_tag("iframe", attributes)
    src = pick_lazy_src(attributes)
    # An absolute address is judged as it is (urljoin would only re-parse it, the dearest step on real posts).
    absolute = src if src.startswith(("https://", "http://")) else join_url(base_url, src)
    if src and is_tracker(absolute or "http://[", attributes):
        return ""
    if src:
        attributes["src"] = src
    for key in ("srcset", "data-srcset", "sizes", "loading", *_LAZY_SOURCES):
        attributes.pop(key, None)
    return _render_tag("img", attributes)


@lru_cache(maxsize=1)
def sanitize_html(fragment: str, base_url: str = "") -> str:
    """Article HTML → safe article HTML. Clean markup comes back as it was written."""
    return _sanitize_html(fragment, base_url)


def _sanitize_html(fragment: str, base_url: str) -> str:
    # Undecorated, apart from the cache above: mutmut mutates only undecorated functions.
    if not fragment:
        return ""
    prepared, written = _prepare(fragment, base_url)
    cleaned = _clean(prepared, base_url)
    return written if _same_document(written, cleaned) else cleaned


def _prepare(fragment: str, base_url: str) -> tuple[str, str]:
    """(the fragment with its images and frames made ready for nh3, the fragment as written less the tags that
    preparing drops, such as tracking pixels: what comes back when nh3 keeps all the rest)."""
    if not _SVG_OR_MATH.search(fragment) and _may_name_foreign_tags(fragment):
        fragment_as_read = _FOREIGN_TAG.sub(r"<\1span", fragment)
        if fragment_as_read != fragment:
            return _prepare(fragment_as_read, base_url)[0], fragment  # never the same document: nh3 writes it
    prepared: list[str] = []
    written: list[str] = []
    at = 0
    for match in _START_TAG.finditer(fragment):
        tag = _prepare_tag(match, base_url)
        between = fragment[at : match.start()]
        prepared += (between, tag)
        written += (between, match.group() if tag else "")
        at = match.end()
    if not prepared:
        return fragment, fragment
    return "".join(prepared) + fragment[at:], "".join(written) + fragment[at:]


def _clean(fragment: str, base_url: str) -> str:
    """nh3 with the allowlist, every address checked and made absolute; frames refused go with their content."""

    def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            if attribute in _NUMERIC_ATTRIBUTES and not _NUMBER.match(value):
                return None  # sizes and spans are numbers; anything else is a smuggling attempt or noise
            if attribute == "referrerpolicy" and value.strip().lower() not in _REFERRER_POLICIES:
                return None
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
        cleaned = _WRITTEN_FRAME.sub(_frame_written, cleaned)
    return cleaned


def _frame_written(match: re.Match[str]) -> str:
    """A frame nh3 kept: empty when it has an address (what it held is fallback text a browser never shows, and text
    that looks like markup to a reader of the feed); gone with what it held when its address was refused."""
    return f"<iframe{match.group(1)}></iframe>" if _HAS_SRC.search(match.group(1)) else ""


# ---------------------------------------------------------------------------------------------------------------
# Clean markup as it was written. nh3 writes the document it parsed in its own way; markup that differs from that
# writing only where no reader can tell the two apart comes back as it came. The input and nh3's writing are walked
# together: equal everywhere, except for these differences, each in a place of nh3's writing where it cannot
# change the document (HTML parsers, and kramdown, which reads a post's HTML as raw HTML blocks):
# - the "/>" of an element every reader knows as empty (br, col, hr, img: HTML, kramdown and libxml2 alike) where
#   nh3 ends the tag with ">"; never another element's: kramdown reads "<div/>" as an empty div, HTML as an open
#   one, and libxml2 so reads "<source/>" and "<wbr/>";
# - U+00A0 itself where nh3 writes "&nbsp;", and "&#39;" where nh3 writes "'", in text or an attribute value;
# - "&quot;" or "&#34;" where nh3 writes '"', in text only (in a value nh3 keeps "&quot;": a quote would end it).
# Where a place of nh3's writing stands is told by the nearest "<" and ">" before it and the quotes between: nh3
# writes "<" and ">" only as tags (escaped in text and values; checked in _nh3_escapes_values) and '"' in a tag
# only around values. A frame's content is the exception (raw text, never escaped): markup with one is not walked.
_VOID_TAGS = frozenset({"br", "col", "hr", "img"})
_AS_NH3_WRITES = {"\xa0": "&nbsp;", "&#39;": "'", "&quot;": '"', "&#34;": '"'}
# nh3 writes "&nbsp;" and "'" in text and values only (no name holds them, and its quotes are '"'): where it writes
# ">" or '"' is checked.
_PLACED = frozenset({">", '"'})
_WRITING_DIFFERENCE = re.compile(r"/>|\xa0|&#39;|&quot;|&#34;")  # a "/>" takes the white space before it along
_SPACE = " \t\n\f\r"
_FRAME_WITH_CONTENT = re.compile(r"<iframe\b[^<>]*>(?!</iframe>)")
_TAG_NAME = re.compile(r"[a-z][a-z0-9]*")


@lru_cache(maxsize=1)
def _nh3_escapes_values() -> bool:
    """Whether this nh3 escapes "<" and ">" in attribute values (nh3 0.3 does), which the walk relies on."""
    return nh3.clean('<p title="<a>">x</p>', tags={"p"}, attributes={"p": {"title"}}) == '<p title="&lt;a&gt;">x</p>'


def _same_document(written: str, cleaned: str) -> bool:
    """Whether `written` is a writing of the very document nh3 wrote as `cleaned`."""
    if written == cleaned:
        return True
    if ("<iframe" in cleaned and _FRAME_WITH_CONTENT.search(cleaned)) or not _nh3_escapes_values():
        return False
    places = _Places(cleaned)
    done = at = 0  # how far `written` and `cleaned` are walked
    for difference in _WRITING_DIFFERENCE.finditer(written):
        start, found = difference.start(), difference.group()
        if found == "/>":
            while start > done and written[start - 1] in _SPACE:
                start -= 1  # linear: back over white space not walked yet
        if not cleaned.startswith(written[done:start], at):
            return False
        at += start - done
        found = written[start : difference.end()]
        nh3_form = ">" if found.endswith("/>") else _AS_NH3_WRITES[found]
        if cleaned.startswith(nh3_form, at):
            if nh3_form in _PLACED and not _may_differ(found, *places.at(at)):
                return False
        elif cleaned.startswith(found, at):
            nh3_form = found  # as nh3 writes it (a "&quot;" in a value)
        else:
            return False
        at += len(nh3_form)
        done = difference.end()
    return len(cleaned) - at == len(written) - done and cleaned.startswith(written[done:], at)


def _may_differ(found: str, place: str, tag: str) -> bool:
    """Whether `found`, written where nh3 wrote ">" or '"', is the same document at that place (see above)."""
    if found.endswith("/>"):
        return place == "tag" and tag in _VOID_TAGS  # the end of an empty element's start tag
    return place == "text"


class _Places:
    """Where places of nh3's writing stand, asked in increasing order: linear, each character is read once."""

    def __init__(self, cleaned: str) -> None:
        self.cleaned = cleaned
        self.read = 0  # cleaned[: self.read] is read
        self.opened = self.closed = -1  # where the last "<" and the last ">" read are
        self.quotes = 0  # how many '"' since the last "<"

    def at(self, at: int) -> tuple[str, str]:
        """("text", ""), ("value", "") inside an attribute value, or ("tag", name) inside a tag, name "" if an end tag."""
        cleaned, read = self.cleaned, self.read
        opened = cleaned.rfind("<", read, at)
        if opened >= 0:
            self.opened, self.quotes = opened, cleaned.count('"', opened, at)
        else:
            self.quotes += cleaned.count('"', read, at)
        self.closed = max(self.closed, cleaned.rfind(">", read, at))
        self.read = at
        if self.opened <= self.closed:
            return "text", ""
        if self.quotes % 2:
            return "value", ""
        name = _TAG_NAME.match(cleaned, self.opened + 1)
        return "tag", name.group() if name else ""


# A tag, or (linear: no rescanning the rest after each "<") a "<" with no ">" after it, which stays as text.
_TAG_OR_TAIL = re.compile(r"<[^>]+(?:>|\Z)")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment (for lengths, summaries and search), tags and entities resolved."""
    # Up to the last ">" every match is a whole tag; after it none ends, and a "<" there stays text. So the pattern
    # runs on the part before, with a plain replacement: a third of the time of a Python callback for every tag.
    end = fragment.rfind(">") + 1
    return html.unescape(_TAG_OR_TAIL.sub(" ", fragment[:end]) + fragment[end:])
