"""Article page → article body (and its title, author, date): trafilatura and readability-lxml, helped on both sides.

Before the libraries run, the page is decoded (ingest.encoding: header charset, the page's <meta>, UTF-8, detection),
a source's `remove_selectors` and well-known boilerplate (share bars, comments, related lists, hidden screen-reader
labels) are removed, never the element that holds the article, and lazy images get a real `src`. trafilatura (in
its precision mode, without fallbacks of its own) gives the article, or readability-lxml where it reads far more of
the page; readability runs only where trafilatura's article is short against the page's running text. After them, what
they drop or leave is mended: figures, sub-headings, paragraphs and frames of the article's container come back,
the repeated title and header lines go. Two safety nets keep the libraries' word: mending never leaves less than
half of their text, and a result far shorter than the page's running text is checked against trafilatura on the
untouched page. A source's `content_selector` replaces the whole guess.

Every rule here was measured on real pages (benchmarks/extract.py --corpus real: the 88 pages of
shared/extraction-dev/ under the article-extraction-benchmark's score) and on the project's Chinese corpora.
"""

from __future__ import annotations

import contextlib
import copy
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from newsmirror.ingest.articles import title_text
from newsmirror.ingest.embeds import frame_address, player_embed, privacy_embed_url
from newsmirror.ingest.encoding import decode
from newsmirror.ingest.http import shown_type
from newsmirror.ingest.sanitize import html_to_text, pick_lazy_src
from newsmirror.models import SourceProblem
from newsmirror.urlsafety import join_url

# trafilatura (≈70 ms with courlan, htmldate, justext) and charset_normalizer are imported inside the functions that
# use them, so that `newsmirror` starts fast when no page has to be extracted (an unchanged hourly re-run).


class ExtractError(SourceProblem):
    """No article could be taken from the page; str() is one line saying why."""


@dataclass(slots=True)
class Extracted:
    title: str
    author: str
    date: datetime | None  # UTC-aware
    content: str  # HTML fragment, not yet sanitized
    site_name: str
    method: str  # "trafilatura" or "selector"

    @property
    def text_length(self) -> int:
        return visible_length(self.content)


_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"\W+")


def visible_length(fragment: str) -> int:
    """Characters of visible text, white space ignored: what "shorter" and "longer" compare."""
    return _length(html_to_text(fragment))


def _folded(text: str) -> str:
    r"""The text with each run of white space one space, none at the ends (as `\s+` → " ", then strip())."""
    return " ".join(text.split())


def _length(text: str) -> int:
    r"""Characters of a text, white space ignored. str.split() breaks the text where `\s` matches (the same
    characters), at a fraction of the cost of removing them with a pattern."""
    return sum(map(len, text.split()))


# ---------------------------------------------------------------------------------------------------------------
# Decoding


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def _page_parser() -> lxml.html.HTMLParser:
    """lxml.html's parser with a class lookup done in C: every element an HtmlElement, none of the form classes
    (FormElement, InputElement …) that no step here uses. lxml.html's own lookup is Python code, called each time
    an element of the tree first becomes a Python object (about 4,500 times per real page, over all the passes
    here and in trafilatura); same trees, same results, 5% of an extraction less."""
    parser = lxml.html.HTMLParser()
    parser.set_element_class_lookup(lxml.etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    return parser


_PAGE_PARSER = _page_parser()


def parse_page(text: str) -> lxml.html.HtmlElement:
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1) or "<html></html>", parser=_PAGE_PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractError(f"the page is not readable HTML: {exc}") from None
    return tree


# ---------------------------------------------------------------------------------------------------------------
# Boilerplate removed before extraction: class or id words that news sites use for what is not the article.

_BOILERPLATE_WORDS = (
    r"share|sharing|sharedaddy|social|sns|ad|ads|adsbygoogle|advert|advertisement|advertising|sponsor|sponsored|"
    r"promo|related|relatedposts|jp-relatedposts|also-read|dontmiss|recommend|recommended|most-popular|most-read|"
    r"most-viewed|popular|trending|comment|comments|commentlist|reply|newsletter|subscribe|subscription|"
    r"support|donate|breadcrumb|breadcrumbs|visually-hidden|sr-only|screen-reader-text|print|"
    r"toolbar|tools|feedback|copyright|credit|tags|tag-list|tags-list|post-navigation|nav|navigation|menu|"
    r"footer|colophon|masthead|banner|outbrain|taboola|teaser-text|byline|author-details|kicker|"
    r"app-promo|disclaimer-bar|skip-link|keywords|foot|"
    # Pinyin, as Chinese CMSs name these blocks: comments, related, recommended, hot, share, ads, bottom, nav, ranking.
    r"pinglun|xiangguan|tuijian|remen|redian|fenxiang|guanggao|dibu|daohang|paihang|dianzan|zan"
)
# Not among them, measured on the real pages (benchmarks/extract.py --corpus real): sidebar, widget, hidden,
# paywall and premium name the layout around the article as often as what is beside it ("content-with-sidebar",
# "widget-text", "hidden-xs", "paywall" around the paid text): on the 88 pages they held 11,800 shingles of the
# articles' own text against 29,400 of other text, and dropping them cost F1 0.02.
# Words that also end compound names (fbcomment, topmenu, sitefooter, pinglunlist has its own boundary): matched
# with any prefix, but still a boundary after, so "commentary" (an opinion article's body) is not one of them.
_BOILERPLATE_SUFFIX_WORDS = r"comments?|advert|adverts|sponsor|sponsored|footer|breadcrumbs?|menu|related|recommend|pinglun|xiangguan|tuijian|guanggao|fenxiang|paihang"
_BOILERPLATE = re.compile(
    rf"(?:(?:^|[\s_-])(?:{_BOILERPLATE_WORDS})|(?:{_BOILERPLATE_SUFFIX_WORDS}))(?:$|[\s_-]|\d)", re.I
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# Elements never part of an article body (kept only when they sit inside a chosen content_selector).
_NEVER = ("script", "style", "noscript", "template", "form", "button", "input", "select", "textarea", "nav", "aside")
_KEEP_EVEN_IF_MATCHED = {"body", "html", "main", "article"}


@lru_cache(maxsize=16384)
def _names_boilerplate(names: str) -> bool:
    """Whether an element's class (or id) words name boilerplate. Cached: a page repeats the same few class
    strings on thousands of elements, and the pattern is tried at every character of each. The class and the id
    are asked apart (no word spans both): an id is unique on its page, and with it in the key most lookups missed."""
    # camelCase names (shareBar, commentList) are words too: "shareBar" is also read as "share Bar".
    words = f"{names} {_CAMEL.sub(' ', names)}" if _CAMEL.search(names) else names
    return bool(_BOILERPLATE.search(words))


def _is_boilerplate(element: lxml.html.HtmlElement) -> bool:
    if element.tag in _KEEP_EVEN_IF_MATCHED:
        return False
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if element.get("role") in ("navigation", "complementary", "banner", "contentinfo"):
        return True
    return _names_boilerplate(element.get("class") or "") or _names_boilerplate(element.get("id") or "")


@lru_cache(maxsize=256)
def _selector(css: str):
    from lxml.cssselect import CSSSelector  # needs the cssselect package

    try:
        return CSSSelector(css)
    except Exception as exc:  # cssselect raises several parse error types
        raise ExtractError(f"invalid CSS selector {css!r}: {exc}") from None


def _drop(element: lxml.html.HtmlElement) -> None:
    """Remove an element but keep the text that follows it (lxml stores it on the element as .tail)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def remove_selected(tree: lxml.html.HtmlElement, selectors: list[str] | tuple[str, ...]) -> None:
    for css in selectors:
        for element in _selector(css)(tree):
            _drop(element)


def _prune_boilerplate(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """Removes what is not the article; returns the element holding most of the article's paragraphs, if any.
    Whatever holds the article's container (a <form> around a whole ASP.NET page, a wrapper named "main-ad-free")
    stays: a page's article is never pruned for the name of what holds it."""
    first_core = _core(tree)
    holders = {first_core, *first_core.iterancestors()} if first_core is not None else set()
    for element in list(tree.iter(*_NEVER)):
        if element not in holders:
            _drop(element)
    for element in list(tree.iter(lxml.etree.Element)):
        if element.getparent() is not None and element not in holders and _is_boilerplate(element):
            _drop(element)
    core = _core(tree)
    if core is not None:
        _prune_labelled_blocks(tree, core)
    # No link-density rule for blocks outside the article (menus, tag rows): it cost F1 0.0004 on the real pages and
    # changed nothing on the project's Chinese corpora (benchmarks/extract.py); trafilatura has its own.
    return core


# Headings and labels that start a block which is not the article: comments, related and recommended lists, "hot"
# and "latest" rankings, sponsored units. Many sites name such blocks with hashed or foreign class names, but the
# label a reader sees is one of a few phrases. The whole text of the label must be one of them (plus a count).
_BLOCK_LABEL_WORDS = (
    r"(?:网友|網友|读者|讀者|最新|热门|熱門|精彩|全部|发表|發表)?(?:评论|評論|留言|回應|回应)(?:区|區)?|"
    r"(?:热门|熱門|热点|熱點|推荐|推薦|相关|相關)|"  # alone as a heading, too; the words below need what follows them
    r"(?:相关|相關|延伸|推荐|推薦|更多|其他|热门|熱門|精彩|最新|即时|即時|编辑|編輯|今日|人气|人氣|热点|熱點|猜你|为你|為你)"
    r"(?:新闻|新聞|文章|阅读|閱讀|报道|報導|報道|内容|內容|推荐|推薦|排行榜?|资讯|資訊|话题|話題|专题|專題|视频|影片|"
    r"喜欢|喜歡|推荐阅读|推薦閱讀)|"
    r"你(?:可能|也许|也許)(?:有兴趣|有興趣|感兴趣|感興趣|也喜欢|也喜歡|还想看|還想看|會喜歡|会喜欢)|排行榜?|"
    r"赞助内容|贊助內容|赞助|贊助|广告|廣告|推广|推廣|合作内容|合作內容|"
    r"comments?|discussion|related(?: (?:stories|articles|news|posts|content|coverage|videos))?|more (?:stories|news|articles|videos)|"
    r"you (?:may|might) also like|recommended(?: for you)?|most (?:read|popular|viewed)|trending|popular|latest(?: news)?|"
    r"read (?:more|next|also)|see also|sponsored(?: content)?|advertisement|promoted"
)
# Each optional part takes the white space after it, so that a run of white space has one way to be read: written
# as `\s*[】\]」]?\s*(?:…)?\s*[:：︰>»›]*\s*$`, a label followed by a long run of spaces and one more character tried
# every split of the run between the four `\s*` (232 characters took 0.1 s, 1,000 would take hours).
_BLOCK_LABEL = re.compile(
    rf"^\s*(?:[【\[「]\s*)?(?:{_BLOCK_LABEL_WORDS})\s*(?:[】\]」]\s*)?"
    r"(?:[（(]\s*\d+\s*(?:(?:条|條|则|則|个|個)\s*)?[)）]\s*)?(?:[:：︰>»›]+\s*)?$",
    re.I,
)
_LABEL_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b", "dt", "header", "label", "em")


def _core(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element that holds most of the article's paragraph text (the readability idea: each paragraph counts for
    its parent and half for its grandparent, so that a body of one-paragraph wrappers still wins as a whole)."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for paragraph in tree.iter("p"):
        text = paragraph.text_content()
        length = _length(text)
        if length < 20:
            continue
        linked = sum(_length(a.text_content()) for a in paragraph.iter("a"))
        if linked > length / 2:
            continue
        parent = paragraph.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + length
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0) + length / 2
    if not scores:
        return None
    return max(scores, key=scores.__getitem__)


def _contains(ancestor: lxml.html.HtmlElement, element: lxml.html.HtmlElement) -> bool:
    return any(node is ancestor for node in element.iterancestors()) or ancestor is element


def _link_share(element: lxml.html.HtmlElement) -> float:
    text = _length(element.text_content())
    if not text:
        return 1.0 if element.find(".//a") is not None else 0.0
    return sum(_length(a.text_content()) for a in element.iter("a")) / text


def _prune_labelled_blocks(tree: lxml.html.HtmlElement, core: lxml.html.HtmlElement) -> None:
    """A label such as 网友评论（18条）, 你可能有興趣, 推薦文章, 赞助内容 or "Related" drops the block it heads: the
    largest container around it that does not hold the article. A label inside the article itself drops only
    itself and the links that follow it (an inline "延伸閱讀" list)."""
    for label in list(tree.iter(*_LABEL_TAGS)):
        # Stripped first: the same match (the pattern allows white space at both ends), but a text that begins with
        # white space would have every label word tried after each of its leading spaces in turn.
        if label.getparent() is None or not _BLOCK_LABEL.match(label.text_content().strip()) or _contains(label, core):
            continue
        if next(label.iterancestors("body"), None) is None:  # already dropped with an earlier block
            continue
        block = label
        while block.getparent() is not None and not _contains(block.getparent(), core) and block.getparent().tag not in ("body", "html"):
            block = block.getparent()
        # A label that is not its block's first text is a word inside something else (a tag cloud, a menu); a block
        # with the headline in it is the article's, whatever its first word.
        first_text = next((t for t in block.itertext() if t.strip()), "")
        if (first_text.strip() and first_text.strip() not in label.text_content()) or block.find(".//h1") is not None:
            continue
        if block.getparent() is None:
            continue
        following = block.getnext()
        _drop(block)
        while following is not None and following.tag in ("ul", "ol", "p", "div", "li") and _link_share(following) > 0.7:
            after = following.getnext()
            _drop(following)
            following = after


# AMP pages: <amp-img> is the page's image; these AMP components are never article text.
_AMP_MEDIA = {"amp-img": "img", "amp-anim": "img", "amp-video": "video", "amp-audio": "audio"}
_AMP_NEVER = ("amp-ad", "amp-embed", "amp-analytics", "amp-sidebar", "amp-social-share", "amp-sticky-ad", "amp-auto-ads",
              "amp-consent", "amp-pixel", "amp-user-notification", "amp-install-serviceworker", "amp-geo")  # fmt: skip


def _unamp(tree: lxml.html.HtmlElement) -> None:
    for element in list(tree.iter(*_AMP_NEVER)):
        _drop(element)
    for element in list(tree.iter(*_AMP_MEDIA)):
        element.tag = _AMP_MEDIA[element.tag]
        if element.tag == "img":
            for child in list(element):  # a fallback or placeholder child: an <img> holds nothing
                element.remove(child)
            element.text = None
            for name in ("layout", "width", "height"):
                element.attrib.pop(name, None)


def _real_image_sources(tree: lxml.html.HtmlElement) -> None:
    """Lazy images get the picture they will show (the sanitizer does the same for feed HTML)."""
    for img in tree.iter("img"):
        src = pick_lazy_src(dict(img.attrib))
        if src:
            img.set("src", src)


# ---------------------------------------------------------------------------------------------------------------
# After extraction

_LABELS = re.compile(r"^\s*(?:广告|廣告|advertisement|ad|sponsored|赞助内容|推广|相关内容|相關內容|相关文章|延伸阅读|延伸閱讀|"
                     r"分享|分享到：?|打印|列印|字号|返回顶部|read more|阅读全文|閱讀全文)\s*$", re.I)  # fmt: skip


def _captions(tree: lxml.html.HtmlElement, base_url: str) -> dict[str, str]:
    """Image address → its caption, for every figure-like block of the page."""
    found: dict[str, str] = {}
    for figure in tree.iter("figure"):
        caption_element = next(figure.iter("figcaption"), None)
        images = [img for img in figure.iter("img") if img.get("src")]
        if caption_element is None or not images:
            continue
        caption = _folded(caption_element.text_content())
        if caption and (address := join_url(base_url, images[0].get("src", ""))):
            found.setdefault(address, caption)
    # Caption paragraphs next to an image in a wrapper (WordPress, Plone, many CMSs): <div><img><p class=caption>
    for element in tree.iter(lxml.etree.Element):
        if "caption" not in element.get("class", "") or element.tag in ("figcaption", "figure"):
            continue
        parent = element.getparent()
        if parent is None:
            continue
        images = [img for img in parent.iter("img") if img.get("src")]
        caption = _folded(element.text_content())
        if images and caption and (address := join_url(base_url, images[0].get("src", ""))):
            found.setdefault(address, caption)
    return found


def _new_figure(image: lxml.html.HtmlElement, caption: str) -> lxml.html.HtmlElement:
    """<figure><img><figcaption>caption</figcaption></figure>; no figcaption for an empty caption."""
    figure = lxml.html.Element("figure")
    figure.append(image)
    if caption:
        figcaption = lxml.html.Element("figcaption")
        figcaption.text = caption
        figure.append(figcaption)
    return figure


def _normalise_figures(tree: lxml.html.HtmlElement) -> None:
    """Rewrite each figure as plain <figure><img><figcaption>, out of embed wrappers, which trafilatura keeps."""
    for figure in list(tree.iter("figure")):
        images = [img for img in figure.iter("img") if img.get("src")]
        if not images:
            continue
        caption_element = next(figure.iter("figcaption"), None)
        caption = _folded(caption_element.text_content()) if caption_element is not None else ""
        image = lxml.html.Element("img", src=images[0].get("src", ""), alt=images[0].get("alt", "") or caption)
        clean = _new_figure(image, caption)
        holder = figure
        while holder.getparent() is not None and holder.getparent().tag == "div" and len(holder.getparent()) == 1 and not (
            holder.getparent().text or ""
        ).strip():
            holder = holder.getparent()
        clean.tail = holder.tail
        holder.getparent().replace(holder, clean)


def _captioned_wrappers_to_figures(tree: lxml.html.HtmlElement) -> None:
    """A wrapper holding one image and a caption element (gallery slides, CMS photo boxes) is a figure."""
    for caption in list(tree.iter(lxml.etree.Element)):
        if "caption" not in caption.get("class", "").lower() or caption.tag in ("figcaption", "figure", "img"):
            continue
        wrapper = caption.getparent()
        if wrapper is None or wrapper.tag in ("figure", "body", "html") or any(a.tag == "figure" for a in wrapper.iterancestors()):
            continue
        images = [img for img in wrapper.iter("img") if img.get("src")]
        text = _SPACES.sub("", caption.text_content())
        if len(images) != 1 or not text or _SPACES.sub("", wrapper.text_content()) != text:
            continue
        image = lxml.html.Element("img", src=images[0].get("src", ""), alt=images[0].get("alt", ""))
        figure = _new_figure(image, caption.text_content().strip())
        figure.tail = wrapper.tail
        wrapper.getparent().replace(wrapper, figure)


@dataclass(slots=True)
class _Figure:
    src: str
    alt: str
    caption: str
    after: str  # text of the article paragraph it follows; "" for lead pictures between headline and body


def _article_figures(tree: lxml.html.HtmlElement, core: lxml.html.HtmlElement | None, base_url: str) -> list[_Figure]:
    """Captioned figures of the article: inside the article's container, or between the headline and it (a lead
    picture or gallery). trafilatura drops some (after a wrapper, in a gallery); they are put back afterwards."""
    if core is None:
        return []
    order = {element: index for index, element in enumerate(tree.iter(lxml.etree.Element))}
    headline = next((h for h in tree.iter("h1") if h in order), None)
    start = order[headline] if headline is not None else -1
    core_ancestors = set(core.iterancestors()) - {e for e in tree.iter("body", "html")}
    found: list[_Figure] = []
    last_paragraph = ""
    for element in tree.iter("figure", "p"):
        if element.tag == "p":
            if _contains(core, element) and len(element.text_content().strip()) >= 20:
                last_paragraph = element.text_content()
            continue
        image = next((img for img in element.iter("img") if img.get("src")), None)
        caption = next(element.iter("figcaption"), None)
        if image is None or caption is None or not caption.text_content().strip():
            continue
        inside = _contains(core, element)
        lead = not inside and order.get(element, -1) > start and order.get(element, 0) < order[core] and bool(
            core_ancestors & set(element.iterancestors())
        )
        if (inside or lead) and (address := join_url(base_url, image.get("src", ""))):
            found.append(_Figure(address, image.get("alt", ""),
                                 _folded(caption.text_content()), last_paragraph if inside else ""))  # fmt: skip
    return found


def _restore_figures(body: lxml.html.HtmlElement, figures: list[_Figure]) -> None:
    """Puts back the article's captioned figures that extraction lost: after the paragraph they followed, or, for
    lead pictures, at the start. A figure whose caption is already in the text (as a figure or a paragraph) stays out."""
    present = _NON_WORD.sub("", body.text_content())
    lead_anchor: lxml.html.HtmlElement | None = None
    gallery = sum(1 for figure in figures if not figure.after) >= 2
    for figure in figures:
        if _NON_WORD.sub("", figure.caption) in present:
            continue
        # One picture before the body (a hero image) comes back with its caption as its alt text only: on the real
        # pages such captions are credits and stock lines that readers of the article are not given as its text
        # (F1 +0.0017 on the 88 pages); a gallery before the body keeps its captions.
        caption = figure.caption if figure.after or gallery else ""
        element = _new_figure(lxml.html.Element("img", src=figure.src, alt=figure.alt or figure.caption), caption)
        if not figure.after:
            if lead_anchor is None:
                body.insert(0, element)
            else:
                lead_anchor.addnext(element)
            lead_anchor = element
            continue
        anchor = next((p for p in body.iter("p") if _same_text(p.text_content(), figure.after)), None)
        if anchor is not None:
            anchor.addnext(element)


_TEXT_BLOCKS = ("p", "h2", "h3", "h4", "li", "figcaption", "pre")
_LEFT_CONTAINERS = {"blockquote", "ul", "ol", "li", "figure", "table", "thead", "tbody", "tr", "td", "th", "dl", "dd"}
_LISTED = "data-newsmirror-listed"  # marks players under a "more videos" label before that label is pruned


def _mark_listed_players(tree: lxml.html.HtmlElement) -> None:
    """Players that follow a "more videos" / "相关视频" label are a list of other videos, not the article's."""
    last_text = ""
    for element in tree.iter(*_TEXT_BLOCKS, "h5", "h6", "div", "span", "strong", "iframe"):
        if element.tag == "iframe":
            if last_text and (_BLOCK_LABEL.match(last_text) or _LABELS.match(last_text)):
                element.set(_LISTED, "1")
            continue
        own = _folded(element.text or "")  # the element's own words, not its children's
        if own:
            last_text = own


@dataclass(slots=True)
class _Frame:
    key: str  # a player's privacy-friendly address, or the address a frame that is no player shows
    attributes: dict[str, str]  # of the frame put back: the sanitizer makes a frame that is no player a link
    before: list[str]  # texts of the blocks before it on the page, nearest first


_KEPT_FRAME_ATTRIBUTES = ("title", "style", "hidden", "width", "height")  # what the sanitizer's frame rule reads


def _frame_of(element: lxml.html.HtmlElement, base_url: str, before: list[str]) -> _Frame | None:
    embed = player_embed(element.attrib, base_url)
    if embed is not None:
        return _Frame(embed, {"src": embed, "width": "560", "height": "315", "allowfullscreen": "allowfullscreen"}, before)
    address = frame_address(element.attrib, base_url)
    if not address:
        return None
    kept = {name: element.get(name) or "" for name in _KEPT_FRAME_ATTRIBUTES if element.get(name) is not None}
    return _Frame(address, {"src": address, **kept}, before)


def _article_frames(core: lxml.html.HtmlElement | None, base_url: str) -> list[_Frame]:
    """The frames inside the article's container, in page order: trafilatura drops every frame. Players of allowed
    video hosts come back as players, any other frame as the sanitizer writes it (a link to what it shows), as the
    frames of a feed's content do."""
    if core is None:
        return []
    found: list[_Frame] = []
    texts: list[str] = []
    for element in core.iter(*_TEXT_BLOCKS, "iframe"):
        if element.tag != "iframe":
            text = _folded(element.text_content())
            if text:
                texts.append(text)
            continue
        if element.get(_LISTED):
            continue
        frame = _frame_of(element, base_url, texts[::-1][:8])
        if frame is not None:
            found.append(frame)
    return found


def _frame_key(frame: lxml.html.HtmlElement) -> str:
    src = frame.get("src") or ""
    return privacy_embed_url(src) or src


def _restore_frames(body: lxml.html.HtmlElement, frames: list[_Frame]) -> None:
    """Each frame goes back after the nearest block before it that extraction kept (the whole top-level block: never
    inside a quote or a list), after the frames already put there, in page order. A frame with only short lines
    before it (a byline, a date) leads the text; one whose article text before it is all gone stays out."""
    present = {_frame_key(frame) for frame in body.iter("iframe")}
    blocks = list(body.iter(*_TEXT_BLOCKS))
    last_placed: dict[lxml.html.HtmlElement | None, lxml.html.HtmlElement] = {}
    for found in frames:
        if found.key in present:
            continue
        anchor = next((b for text in found.before for b in blocks if _same_text(b.text_content(), text)), None)
        if anchor is None and any(len(text) >= 20 for text in found.before):
            continue
        while anchor is not None and anchor.getparent() is not body and anchor.getparent().tag in _LEFT_CONTAINERS:
            anchor = anchor.getparent()
        present.add(found.key)
        frame = lxml.html.Element("iframe", **found.attributes)
        previous = last_placed.get(anchor)
        if previous is not None:
            previous.addnext(frame)
        elif anchor is None:
            body.insert(0, frame)
        else:
            anchor.addnext(frame)
        last_placed[anchor] = frame


def _article_headings(core: lxml.html.HtmlElement | None) -> list[tuple[str, str, str]]:
    """(tag, text, text of the paragraph or captioned figure before it) for the sub-headings inside the article's
    container."""
    if core is None:
        return []
    found = []
    last_paragraph = ""
    for element in core.iter("p", "h2", "h3", "h4", "figure"):
        text = _folded(element.text_content())
        if element.tag == "figure":  # put back before the heading (_restore_figures runs first): the heading follows it
            last_paragraph = text or last_paragraph
        elif element.tag == "p":
            if len(text) >= 20:
                last_paragraph = text
        elif last_paragraph and 0 < len(text) <= 80 and not _LABELS.match(text) and not _BLOCK_LABEL.match(text) and (
            not _links_elsewhere(element)
        ):
            found.append((element.tag, text, last_paragraph))
    return found


_RESTORED_PARAGRAPH_CHARS = 30  # shorter lines are bylines, credits and labels as often as text
_INNER_BLOCKS = ("p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "section")


@dataclass(slots=True)
class _Paragraph:
    element: lxml.html.HtmlElement  # on the page
    before: str  # text of the block before it on the page
    after: str  # text of the block after it


def _block_text(element: lxml.html.HtmlElement | None) -> str:
    return "" if element is None else _folded(element.text_content())


def _sibling(element: lxml.html.HtmlElement, step: int) -> lxml.html.HtmlElement | None:
    """The nearest element before (step -1) or after (step 1) that shows text and is not a list of links (other
    stories between two paragraphs); comments are skipped."""
    sibling = element.getprevious() if step < 0 else element.getnext()
    while sibling is not None and (
        not isinstance(sibling.tag, str) or not sibling.text_content().strip() or _link_share(sibling) > 0.5
    ):
        sibling = sibling.getprevious() if step < 0 else sibling.getnext()
    return sibling


def _missing_paragraphs(tree: lxml.html.HtmlElement, present: str) -> Iterator[_Paragraph]:
    """Paragraphs of running text on the page (a <p>, or a <div> holding no other block), between two blocks, whose
    words (`present`: the result's, without white space and punctuation) are not in the result: candidates for
    _restore_paragraphs. The cheap tests come first: most paragraphs of a page are in the result, or are no
    paragraph, and never need their neighbours looked up."""
    for element in tree.iter("p", "div"):
        if element.tag == "div" and next(element.iterdescendants(*_INNER_BLOCKS), None) is not None:
            continue
        text = _block_text(element)
        if len(text) < _RESTORED_PARAGRAPH_CHARS or _NON_WORD.sub("", text) in present or _link_share(element) > 0.3:
            continue
        holder = element  # a paragraph alone in its wrapper (one <div> per paragraph): the wrapper's neighbours
        while (parent := holder.getparent()) is not None and parent.tag == "div" and len(parent) == 1:
            holder = parent
        before, after = _block_text(_sibling(holder, -1)), _block_text(_sibling(holder, 1))
        if before and after:
            yield _Paragraph(element, before, after)


def _restore_paragraphs(body: lxml.html.HtmlElement, tree: lxml.html.HtmlElement) -> None:
    """trafilatura's precision mode leaves out a paragraph here and there (one that starts with a link, one next to
    a table): a paragraph of the page (`tree`) that is nowhere in the result, while the blocks on both sides of it
    are, goes back between them. On the real pages: recall +0.003, precision -0.002, F1 +0.0003."""
    present = _NON_WORD.sub("", body.text_content())
    blocks = list(body.iter("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div", "table", "figure"))
    for found in list(_missing_paragraphs(tree, present)):
        anchor = next((b for b in blocks if _same_text(b.text_content(), found.before)), None)
        if anchor is None or anchor.getparent() is None or not any(_same_text(b.text_content(), found.after) for b in blocks):
            continue
        paragraph = copy.deepcopy(found.element)
        paragraph.tag, paragraph.tail = "p", None
        paragraph.attrib.clear()
        anchor.addnext(paragraph)


def _links_elsewhere(heading: lxml.html.HtmlElement) -> bool:
    """A heading that is a link (or sits in one) titles another story: a "read also" card inside the article's
    container, not a sub-heading of the article (real pages: aljazeera.com's cards between paragraphs)."""
    return next(heading.iterancestors("a"), None) is not None or _link_share(heading) > 0.5


def _restore_headings(body: lxml.html.HtmlElement, headings: list[tuple[str, str, str]]) -> None:
    """trafilatura sometimes drops a short sub-heading between wrapped paragraphs (one <div> per paragraph): it goes
    back after the paragraph it followed on the page, when that paragraph was kept and the heading is nowhere."""
    present = _NON_WORD.sub("", body.text_content())
    for tag, text, after in headings:
        if _NON_WORD.sub("", text) in present:
            continue
        anchor = next((b for b in body.iter("p", "figure") if _same_text(b.text_content(), after)), None)
        if anchor is not None:
            heading = lxml.html.Element(tag)
            heading.text = text
            anchor.addnext(heading)


def _inner_html(element: lxml.html.HtmlElement) -> str:
    parts = [html.escape(element.text, quote=False) if element.text else ""]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in element)
    return "".join(parts)


# What `[\W…]+$` removes; the look-behind starts a match only where a run of such characters begins, so that a long
# run in the middle of the text is scanned once, not once from each of its characters.
_TRAILING_PUNCTUATION = re.compile(r"(?<![\W…])[\W…]+$")


def _mend(body: lxml.html.HtmlElement, captions: dict[str, str], title: str) -> None:
    """What trafilatura's output (`body`) still holds of the page around the article goes, and what it lost of
    the figures comes back; in this order, each step reading what the one before left."""
    _drop_repeated_headline(body, title)
    _drop_meta_lines(body)
    _drop_teaser(body)
    for img in list(body.iter("img")):
        caption = captions.get(img.get("src", ""))
        parent = img.getparent()
        if caption and parent is not None and parent.tag != "figure":
            _make_figure(img, caption)
    # A credit or label left before the image inside a paragraph (<p>Getty Images<img></p>) is not article text.
    for paragraph in body.iter("p"):
        if len(paragraph) and paragraph[0].tag in ("img", "picture") and paragraph.text and len(paragraph.text.strip()) < 40:
            paragraph.text = None


def _drop_repeated_headline(body: lxml.html.HtmlElement, title: str) -> None:
    """trafilatura may start with the page's header: a section label and the headline, which the post has already."""
    leading = list(body)[:3]
    for index, element in enumerate(leading):
        if element.tag in ("h1", "h2", "h3", "p") and _same_text(element.text_content(), title):
            for earlier in leading[: index + 1]:
                _drop(earlier)
            return
    # The headline can also sit deeper, in the first cell of a table layout.
    for element in _blocks(body)[:3]:
        if element.tag in ("h1", "h2", "h3") and _same_text(element.text_content(), title):
            _drop(element)
            return


def _drop_teaser(body: lxml.html.HtmlElement) -> None:
    """A standfirst that only repeats the start of a following paragraph (a truncated teaser) is said twice."""
    blocks = [e for e in body if e.tag in ("p", "div")]
    for candidate in blocks[:2]:
        teaser = _TRAILING_PUNCTUATION.sub("", candidate.text_content().strip())
        if len(teaser) >= 10 and any(
            other is not candidate and len(other.text_content()) > len(teaser) and other.text_content().strip().startswith(teaser)
            for other in blocks[:4]
        ):
            _drop(candidate)


def _make_figure(img: lxml.html.HtmlElement, caption: str) -> None:
    """trafilatura keeps a picture's caption in alt at best, or as a paragraph right after: the picture becomes a
    real figure with its caption, in place of what held it (a paragraph of its own, a <picture>), said once."""
    holder = img
    while holder.getparent() is not None and holder.getparent().tag in ("p", "picture", "source") and not (
        (holder.getparent().text or "").strip() and holder.getparent().tag == "p"
    ):
        holder = holder.getparent()
        if holder.tag == "p" and len(holder) == 1:
            break
    following = holder.getnext()
    if following is not None and _same_text(following.text_content(), caption):
        _drop(following)
    image = copy.deepcopy(img)
    image.tail = None
    figure = _new_figure(image, caption)
    holder.addprevious(figure)
    tail, holder.tail = holder.tail, None
    if tail and _same_text(tail, caption):  # the caption left as loose text after the image
        tail = None
    figure.tail = tail
    holder.getparent().remove(holder)


# Lines of the page's header or footer that trafilatura takes in with the body. Each is matched as a whole short block.
_DATE = r"\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*日?|\d{1,2}\s*[/月]\s*\d{1,2}\s*日?"
_DATELINE_NOISE = re.compile(
    rf"(?:{_DATE}|\d{{1,2}}:\d{{2}}(?::\d{{2}})?|(?:星期|週|周|礼拜|禮拜)[一二三四五六日天]|"
    r"(?:发布|發布|發佈|更新|最后更新|最後更新|时间|時間|日期|来源|來源|出处|出處|published|updated|source)\s*[:：]?|"
    r"[|｜/／\s:：()（）\[\]【】·•-]|(?:AM|PM|am|pm|上午|下午|晚上|早上)|HKT|GMT\+?\d*|UTC\+?\d*)"
)
_BYLINE = re.compile(r"^\s*(?:撰文|作者|记者|記者|文|撰稿|采访|採訪|攝影|摄影|编辑|編輯|by)\s*[:：︰]\s*\S.{0,20}$", re.I)
# Portal web-editor credits in brackets, (责编：…) or 【责编：…】; a newsroom's own signature (责任编辑：…, （編輯：…）)
# is part of the article as the outlet publishes it and stays.
_WEB_EDITOR = re.compile(r"^\s*[(（\[【]\s*(?:责编|責編|网编|網編|网络编辑|網絡編輯)\s*[:：︰]")
_PROMO = re.compile(
    r"^\W{0,3}(?:(?:下载|下載|download|install|get)\s*\S{0,12}\s*(?:app|客户端|客戶端|应用程式|應用程式)|"
    r"(?:加入|追蹤|追踪|关注|關注|订阅|訂閱|follow|subscribe)\s*\S{0,12}\s*"
    r"(?:line|好友|公众号|公眾號|频道|頻道|電子報|电子报|newsletter|youtube|telegram|facebook|instagram|粉絲專頁|粉丝页)|"
    r"(?:分享|share)\S{0,10}$|(?:点赞|點讚|点个赞|點個讚)$)",
    re.I,
)


def _blocks(body: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Leaf text blocks of the extracted body, in order (a block holds no other block)."""
    tags = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "section", "td")
    found = []
    for element in body.iter(*tags):
        if element is body or any(True for _ in element.iter(*tags) if _ is not element):
            continue
        if element.text_content().strip():
            found.append(element)
    return found


_A_DATE = re.compile(_DATE)
_DATELINE_MARK = re.compile(
    r"\d:\d\d|星期|週[一二三四五六日]|发布|發布|發佈|更新|时间|時間|日期|来源|來源|published|updated", re.I
)


def _is_dateline(text: str) -> bool:
    compact = _SPACES.sub("", text)
    if not compact or len(compact) > 50 or not _A_DATE.search(text):
        return False
    # A date alone can be content (a table row, "《人民日报》（2026年11月18日 02 版）"); a dateline also has a time, a
    # weekday or a field name.
    if not _DATELINE_MARK.search(text):
        return False
    return len(_DATELINE_NOISE.sub("", text)) <= 12


def _drop_meta_lines(body: lxml.html.HtmlElement) -> None:
    blocks = _blocks(body)
    edges = set(map(id, blocks[:3])) | set(map(id, blocks[-3:]))
    for element in blocks:
        if element.tag in ("td", "th", "li") or element.find(".//img") is not None:
            continue
        text = _folded(element.text_content())
        if len(text) > 60:
            continue
        at_edge = id(element) in edges
        # A promotion is a short imperative line; a sentence that starts the same way ("关注此事的网友在Facebook上…") is not.
        promo = len(text) <= 30 and _PROMO.match(text)
        if _WEB_EDITOR.match(text) or promo or (at_edge and (_is_dateline(text) or _BYLINE.match(text))):
            _drop(element)


def _same_text(a: str, b: str) -> bool:
    return _words_only(a) == _words_only(b) and bool(a.strip())


@lru_cache(maxsize=4096)
def _words_only(text: str) -> str:
    """The text without white space and punctuation. Cached: the mending steps compare each text they put back
    with every block of the result, so the same few hundred texts are compared again and again."""
    return _NON_WORD.sub("", text)


# ---------------------------------------------------------------------------------------------------------------
# Metadata

_ADDRESS_STARTS = ("http://", "https://", "//", "www.")  # an author that is a web address
_AUTHOR_PREFIX = re.compile(r"^\s*(?:作者|文|记者|記者|撰文|by)\s*[:：]?\s*", re.I)
# Where an editor's credit starts in an author line: `\s*(?:责编|…)\s*[:：]` started only where a run of white space
# starts (the same splits), not from every character of a long run, each rescanning the rest of it.
_EDITOR_CREDIT = re.compile(r"(?<!\s)\s*(?:责编|責編|网编|網編|编辑|編輯)\s*[:：]")


# Separators a byline puts between the name and what follows it (a date, a section): "津轻海峡 · 2026-11-20",
# "By Jane Doe | Reuters" read by trafilatura up to the separator. Each run is matched from its start only (the
# look-behind), so that a long run is scanned once.
_BYLINE_SEPARATORS = "\\s·•・|｜/／\\-–—:：,，、"
_LEADING_SEPARATORS = re.compile(rf"^[{_BYLINE_SEPARATORS}]+")
_TRAILING_SEPARATORS = re.compile(rf"(?<![{_BYLINE_SEPARATORS}])[{_BYLINE_SEPARATORS}]+$")


def _byline_name(author: str) -> str:
    """The name of a byline without the separators left around it."""
    return _TRAILING_SEPARATORS.sub("", _LEADING_SEPARATORS.sub("", author.strip()))


def _meta(tree: lxml.html.HtmlElement, *names: str) -> str:
    for name in names:
        for element in tree.iter("meta"):
            if name in (element.get("property"), element.get("name"), element.get("itemprop")):
                value = (element.get("content") or "").strip()
                if value:
                    return value
    return ""


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 with an offset
        return None


def _library_metadata(tree: lxml.html.HtmlElement, url: str, *, extensive: bool) -> Any:
    """trafilatura.extract_metadata, step for step, less what is never used here: its categories, tags and licence
    searches (a third of its cost on the real pages: XPath over every link of the page). The steps are its own
    functions, in its order; tests/ingest/test_fulltext_passes.py checks that both give the same on the project's
    pages. The tree is not copied: none of the steps changes it (the author and date searches copy it themselves)."""
    from htmldate import find_date
    from trafilatura import metadata
    from trafilatura.settings import set_date_params

    found = metadata.examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None
    with contextlib.suppress(Exception):  # as trafilatura does: its JSON-LD reader's own bugs
        found = metadata.extract_meta_json(tree, found)
    found.title = found.title or metadata.extract_title(tree)
    found.author = found.author or metadata.extract_author(tree)
    found.url = found.url or metadata.extract_url(tree, url)
    if found.url:
        found.hostname = metadata.extract_domain(found.url, fast=True)
    found.date = find_date(tree, **{**set_date_params(extensive), "url": found.url})
    found.sitename = found.sitename or metadata.extract_sitename(tree)
    if found.sitename:
        found.sitename = found.sitename.lstrip("@")
        if found.sitename and "." not in found.sitename and not found.sitename[0].isupper():
            found.sitename = found.sitename.title()
    elif found.url and (match := metadata.META_URL.match(found.url)):
        found.sitename = match[1]
    found.clean_and_trim()
    return found


def _drop_address_authors(tree: lxml.html.HtmlElement) -> None:
    """Removes the <meta> authors that are web addresses. Open Graph's article:author is a profile page (BBC's
    real pages: its Facebook page), which names no one, and trafilatura makes words of it ("Example Org; People")."""
    for element in list(tree.iter("meta")):
        keys = " ".join(element.get(a) or "" for a in ("property", "name", "itemprop")).lower()
        if ("author" in keys or "creator" in keys) and (element.get("content") or "").strip().lower().startswith(_ADDRESS_STARTS):
            _drop(element)


def _metadata(tree: lxml.html.HtmlElement, url: str) -> tuple[str, str, datetime | None, str]:
    # The page's own publication timestamp (article:published_time, <time datetime>) is precise to the minute and
    # says what it means; trafilatura's date is a day, found by heuristics that can pick an unrelated date. Only
    # without it is trafilatura's extensive date search worth its cost (a quarter of an extraction).
    precise = _parse_date(_meta(tree, "article:published_time", "datePublished", "pubdate", "publishdate", "date"))
    if precise is None:
        stamp = next((t.get("datetime") for t in tree.iter("time") if t.get("datetime")), "")
        precise = _parse_date(stamp or "")
    _drop_address_authors(tree)
    meta = _library_metadata(tree, url, extensive=precise is None)
    title = (meta.title if meta else "") or _meta(tree, "og:title", "twitter:title")
    if not title:
        heading = next(tree.iter("h1"), None)
        title = heading.text_content().strip() if heading is not None else ""
    author = (meta.author if meta else "") or _meta(tree, "author", "article:author", "dc.creator")
    author = _AUTHOR_PREFIX.sub("", author or "").strip()
    author = _byline_name(_EDITOR_CREDIT.split(author)[0])
    if author.lower().startswith(_ADDRESS_STARTS):
        author = ""  # one from JSON-LD or the page's text: see _drop_address_authors
    site = (meta.sitename if meta else "") or _meta(tree, "og:site_name", "application-name")
    day = _parse_date(meta.date) if precise is None and meta and meta.date else None
    date = precise or day
    return _page_title(tree, title), plain_name(author, MAX_NAME_CHARS), date, plain_name(site, MAX_NAME_CHARS)


MAX_NAME_CHARS = 100  # an author or site name taken from a page
MAX_TITLE_CHARS = 1000
_NAME_MARKUP = re.compile(r"<[^<>]*>?")
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_NAME_SPACE = re.compile(r"\s+")


def plain_name(value: str | None, limit: int) -> str:
    """A name a page gives (author, site), as plain text of bounded length: the page is the attacker's, and a site
    name becomes the source's name (file names, lists, search filters). Entities are decoded once, then anything
    from a "<" on to its ">" goes (no "<" is left), and so do controls and direction overrides; white space is
    folded. Stricter than feeds.clean_title on purpose: see there. A title is not a name: see _page_title."""
    text = _NAME_MARKUP.sub(" ", html.unescape(value or ""))
    text = _NAME_SPACE.sub(" ", _NAME_CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_HTML_SPACE = re.compile(r"[ \t\n\f\r]+")  # what HTML folds in text as it shows it; U+3000, U+00A0 are not
_TITLE_SOURCE_CHARS = 10 * MAX_TITLE_CHARS  # a longer text is not where a page states its title


def _title_sources(tree: lxml.html.HtmlElement) -> list[str]:
    """Where a page states its title, as the page shows each: <meta> titles, <title>, then <h1> and <h2> text."""
    found = [
        element.get("content") or ""
        for element in tree.iter("meta")
        if any((element.get(a) or "").lower().endswith(("title", "headline")) for a in ("property", "name", "itemprop"))
    ]
    found += [_HTML_SPACE.sub(" ", e.text_content()) for e in tree.iter("title", "h1", "h2")]
    return [text for text in found[:40] if len(text) <= _TITLE_SOURCE_CHARS]


def _spaced_as_in(title: str, source: str) -> str | None:
    """The stretch of `source` that reads `title` once the white space of both is folded, with the source's own
    spacing; None when the source does not hold it."""
    kept: list[str] = []
    where: list[int] = []
    for index, char in enumerate(source):
        if not char.isspace() or (kept and kept[-1] != " "):
            kept.append(" " if char.isspace() else char)
            where.append(index)
    wanted = " ".join(title.split())
    at = "".join(kept).find(wanted) if wanted else -1
    return None if at < 0 else source[where[at] : where[at + len(wanted) - 1] + 1]


def _page_title(tree: lxml.html.HtmlElement, title: str) -> str:
    """The title as the page gives it, under the rule for every title (articles.title_text), bounded in length.
    trafilatura folds all white space of the title it finds (U+3000, U+00A0, double spaces): its words are looked
    up where the page states its title and taken with the page's spacing. Markup stays text ("1 < 2" is a title)."""
    for source in _title_sources(tree):
        spaced = _spaced_as_in(title, source)
        if spaced is not None:
            title = spaced
            break
    title = title_text(title)
    return title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------------------------
# The libraries' guesses, and the choice between them (each figure: benchmarks/extract.py --corpus real, the 88
# real pages of shared/extraction-dev/ under the benchmark's own score)

# trafilatura's options, chosen by measurement: favor_precision scores F1 0.968 where its defaults score 0.957 and
# favor_recall 0.958 (precision 0.962 against 0.941, recall the same 0.975); tables stay (without them recall falls to
# 0.961), comments never are the article. deduplicate costs recall (0.963). fast (none of its own fallbacks, which
# run its copy of readability and jusText on every page and compare) cost F1 0.021 when trafilatura was alone
# (0.947); beside readability-lxml below, which reads what those fallbacks read, F1 is the same (0.9713, precision
# 0.9609 against 0.9611, recall 0.9818) and trafilatura takes half the time.
_TRAFILATURA_OPTIONS = {
    "output_format": "html", "include_images": True, "include_links": True, "include_tables": True,
    "include_formatting": True, "include_comments": False, "favor_precision": True, "fast": True,
}  # fmt: skip
# readability-lxml finds the whole text where trafilatura's precision stops early (a body split by a promotion, a
# page of many short blocks): taken when it reads at least this many times trafilatura's words. F1 is the same for
# any factor from 1.3 to 2.0 (0.971 against 0.968 for trafilatura alone); a smaller one takes readability's extra
# lines where trafilatura was right.
_READABILITY_LONGER = 1.5
# readability costs as much as trafilatura, and it is only taken where trafilatura stopped early, which the first pass
# already tells: readability is asked only when trafilatura's article holds less than this share of the text
# readability could read (_readable_text, after pruning), or the page has no <p> of running text at all. On the 88
# real pages and the Chinese corpora every page where readability was taken held at most 0.63 of it; 0.8 leaves a
# margin and runs readability on about one page in five. F1 is the same for any share from 0.7 up to always asking
# readability (0.6 loses a page: F1 0.9689).
_READABILITY_WHEN_BELOW = 0.8
_TEXT_BLOCKS_READ = ("p", "li", "pre", "td", "dd", "div")  # where readability-lxml looks for paragraphs


def _readable_text(tree: lxml.html.HtmlElement) -> tuple[int, int]:
    """Characters of the page's text that are not links: in its <p>s, and in every block that holds no other
    block (a <p>, a list item, a cell, a <div> of text: trafilatura's precision mode drops some of these, lists
    among them, and readability keeps them)."""
    paragraphs = leaves = 0
    for element in tree.iter(*_TEXT_BLOCKS_READ):
        if element.tag != "p" and next(element.iterdescendants(*_TEXT_BLOCKS_READ), None) is not None:
            continue
        length = _length(element.text_content())
        if length and _link_share(element) <= 0.5:
            leaves += length
            paragraphs += length if element.tag == "p" else 0
    return paragraphs, leaves


_WORD = re.compile(r"\w+")


def _trafilatura_html(tree: lxml.html.HtmlElement, url: str, **options: Any) -> str:
    """What trafilatura.extract() returns with the options above, as HTML, less the work extract() does for the
    metadata it adds to its document, which is not asked for here: a fingerprint of the text (a hash per word, a
    sixth of its time on the real pages). These are extract()'s own last two steps for HTML output;
    tests/ingest/test_fulltext_passes.py checks that both give the same. trafilatura copies the tree it is
    given before it changes it: no copy of ours."""
    import trafilatura
    from trafilatura.htmlprocessing import build_html_output
    from trafilatura.settings import Document
    from trafilatura.utils import normalize_unicode

    document = trafilatura.bare_extraction(tree, url=url, **{**_TRAFILATURA_OPTIONS, **options})
    return normalize_unicode(build_html_output(document)) if isinstance(document, Document) else ""


def _readability_html(tree: lxml.html.HtmlElement) -> str:
    from readability import Document  # readability-lxml
    from readability.readability import Unparseable

    try:
        return Document(copy.deepcopy(tree)).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError, lxml.etree.LxmlError):  # pragma: no cover - its own refusals
        return ""


def _library_article(tree: lxml.html.HtmlElement, url: str) -> tuple[str, str]:
    """The article as the libraries find it on the page, and which one found it: trafilatura with the options
    above, or readability-lxml where it reads much more of the page (asked only where trafilatura read little)."""
    found = _trafilatura_html(tree, url)
    length = visible_length(found)
    paragraphs, leaves = _readable_text(tree)
    if paragraphs and length >= _READABILITY_WHEN_BELOW * leaves:
        return found, "trafilatura"  # the first pass already tells: see _READABILITY_WHEN_BELOW
    other = _readability_html(tree)
    if visible_length(other) >= _READABILITY_LONGER * max(1, length):
        return other, "readability"
    return found, "trafilatura"


def _body_of(document: str) -> lxml.html.HtmlElement:
    root = lxml.html.document_fromstring(document)
    body = root.find("body")
    return body if body is not None else root


def trafilatura_only(page: str, url: str) -> str:
    """What trafilatura alone returns with its defaults (the benchmark's anchor), as HTML."""
    import trafilatura

    return trafilatura.extract(page, url=url, output_format="html", include_images=True, include_links=True) or ""


_SPACE_BETWEEN_TAGS = re.compile(r">\s+<")
# What `\s*\n\s*` replaces (a run of white space holding a line break), started only where a run begins: otherwise
# every character of a long run without a line break would rescan the rest of the run.
_LINE_BREAK_SPACE = re.compile(r"(?<!\s)\s*\n\s*")
# The safety nets (lengths in visible characters: Chinese has no spaces between words). Mending removes lines (a
# dateline, a label), never most of an article: the mended article keeps at least this share of the libraries'
# text, or their result is taken as it is.
_MENDED_FLOOR = 0.5
# Pruning runs before the libraries, so their result can miss an article that pruning took away. When the result
# holds less than this share of the page's running text (its paragraphs that are not links), trafilatura
# is asked again about the untouched page; otherwise the first pass has already told, and no second one runs.
_RUNNING_TEXT_SHARE = 0.5
# The untouched page's article is taken when the pruned one is shorter than this share of it and mostly elsewhere.
_PRUNED_FLOOR = 0.6
_SENTENCE_END = re.compile(r"[。！？!?\n]|(?<=\.)\s")


def _running_text(tree: lxml.html.HtmlElement) -> int:
    return sum(_length(p.text_content()) for p in tree.iter("p") if _link_share(p) <= 0.5)


def _share_within(fragment: str, other: str) -> float:
    """How much of `fragment`'s text (by length, in sentences) appears word for word in `other`'s; none for a
    fragment without a sentence (a menu word left where the article was)."""
    haystack = _SPACES.sub(" ", html_to_text(other))
    sentences = [p.strip() for p in _SENTENCE_END.split(_SPACES.sub(" ", html_to_text(fragment)))]
    sentences = [p for p in sentences if len(p) >= 8]
    total = sum(len(p) for p in sentences)
    return 0.0 if total == 0 else sum(len(p) for p in sentences if p in haystack) / total


def extract_article(
    page: bytes | str,
    url: str,
    *,
    charset: str | None = None,
    content_selector: str = "",
    remove_selectors: list[str] | tuple[str, ...] = (),
) -> Extracted:
    """The article in a page. Raises ExtractError when there is none (or the page is not HTML)."""
    text = decode(page, "page", charset).text if isinstance(page, bytes) else page
    tree = parse_page(text)
    title, author, date, site = _metadata(tree, url)
    _prepare(tree, remove_selectors)
    if content_selector:
        content, method = _selected_content(tree, content_selector), "selector"
    else:
        running = _running_text(tree)  # before pruning changes the page
        content, method = _guessed_content(tree, url, title)
        if visible_length(content) < _RUNNING_TEXT_SHARE * running:
            content, method = _checked_against_untouched(content, method, text, url, remove_selectors)
    # One line per block, no layout white space: the post format joins lines, and words must not run together.
    content = _LINE_BREAK_SPACE.sub(" ", _SPACE_BETWEEN_TAGS.sub("><", content)).strip()
    if visible_length(content) == 0:
        raise ExtractError("no article text found on the page")
    if not site or site.lower() in (urlsplit(url).netloc.lower(), _host(url)):  # a bare address is no name
        site = _host(url)
    return Extracted(title=title, author=author, date=date, content=content, site_name=site, method=method)


def _prepare(tree: lxml.html.HtmlElement, remove_selectors: list[str] | tuple[str, ...]) -> lxml.html.HtmlElement:
    """The page as a reader sees it: a source's remove_selectors gone, AMP elements made plain, lazy images real."""
    if remove_selectors:
        remove_selected(tree, remove_selectors)
    _unamp(tree)
    _real_image_sources(tree)
    return tree


def _checked_against_untouched(
    content: str, method: str, text: str, url: str, remove_selectors: list[str] | tuple[str, ...]
) -> tuple[str, str]:
    """The safety net for pruning: trafilatura on the untouched page. Its article is taken when ours is far shorter
    and mostly elsewhere (a shorter one within it is its article less the comments or lists pruned from it)."""
    plain = _trafilatura_html(_prepare(parse_page(text), remove_selectors), url)
    if visible_length(content) < _PRUNED_FLOOR * visible_length(plain) and _share_within(content, plain) < 0.8:
        return _inner_html(_body_of(plain)).strip(), "trafilatura-unpruned"
    return content, method


def _selected_content(tree: lxml.html.HtmlElement, content_selector: str) -> str:
    chosen = _selector(content_selector)(tree)
    if not chosen:
        raise ExtractError(f"content_selector {content_selector!r} matches nothing on the page")
    for element in chosen:
        for junk in list(element.iter("script", "style", "noscript", "template")):
            _drop(junk)
    return "\n".join(_inner_html(element) if element.tag in ("body", "html") else
                     lxml.html.tostring(element, encoding="unicode", with_tail=False) for element in chosen)  # fmt: skip


def _drop_head(tree: lxml.html.HtmlElement) -> None:
    """Empties the <head>, which no step after the metadata reads: its <meta>s and <link>s are a fifth of a page's
    elements on the real pages, and every later pass walks or copies them (trafilatura drops the head itself, but
    only after passes of its own over the whole tree). HTML comments stay: removing them joins the texts around
    them, which changes what the libraries find."""
    head = tree.find("head")
    if head is not None:
        for child in list(head):
            head.remove(child)


def _guessed_content(tree: lxml.html.HtmlElement, url: str, title: str) -> tuple[str, str]:
    """The article as the libraries find it, mended: what they keep of the page around it goes, what they drop of
    the article (figures, sub-headings, players and frames) comes back from the article's container."""
    _drop_head(tree)  # the metadata has been read
    _mark_listed_players(tree)
    core = _prune_boilerplate(tree)
    frames = _article_frames(core, url)  # before figures are rebuilt: a player's <figure> becomes a picture
    captions = _captions(tree, url)
    _captioned_wrappers_to_figures(tree)
    _normalise_figures(tree)
    figures = _article_figures(tree, core, url)
    headings = _article_headings(core)
    document, method = _library_article(tree, url)
    if not _WORD.search(html_to_text(document)):
        return "", method  # the safety net asks the untouched page
    body = _body_of(document)
    _mend(body, captions, title)
    _restore_figures(body, figures)
    _restore_headings(body, headings)
    _restore_paragraphs(body, tree)  # between blocks already kept, headings too; `tree` is still the pruned page
    _restore_headings(body, headings)  # the headings that followed a paragraph put back just now
    _restore_frames(body, frames)
    content = _inner_html(body).strip()
    if visible_length(content) < _MENDED_FLOOR * visible_length(document):  # the safety net: see _MENDED_FLOOR
        return _inner_html(_body_of(document)).strip(), method
    return content, method


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


# ---------------------------------------------------------------------------------------------------------------
# Fetching a page and deciding whether a feed's content needs it

_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml", ""}
_CUT_OFF = re.compile(
    r"(?:…|\.\.\.|\[…\]|\[\.\.\.\]|&hellip;|&#8230;)\s*(?:</\w+>\s*)*$|"
    r"(?:read more|continue reading|阅读全文|閱讀全文|阅读更多|閱讀更多|继续阅读|繼續閱讀|全文|更多|詳全文|详全文)\s*(?:»|›|>>|&gt;&gt;)?\s*(?:</\w+>\s*)*$",
    re.IGNORECASE,
)
SHORT_CONTENT = 400  # visible characters: below this, a feed's "content" is a summary


def looks_partial(content: str, has_full_content: bool = True) -> bool:
    """True when a feed item's HTML is a summary: short, or cut off with "…"/"read more". Many feeds put whole
    articles in RSS <description>, so a feed that gave only a summary element needs a longer text to count as whole."""
    if visible_length(content) < (SHORT_CONTENT if has_full_content else 2 * SHORT_CONTENT):
        return True
    return bool(_CUT_OFF.search(content.strip()[-200:]))


async def fetch_article(
    fetcher,
    url: str,
    *,
    content_selector: str = "",
    remove_selectors: list[str] | tuple[str, ...] = (),
    guard=None,
    workers=None,
) -> tuple[Extracted, str]:
    """GET an article page with the polite client and extract it; returns (article, final URL after redirects).
    `guard` (fetch.AddressGuard) checks every hop; `workers` (workers.WorkerPool) runs the extraction under its
    time limit, in another process.

    Raises fetch.FetchError, ExtractError or workers.TimeLimitExceeded, each with a one-line cause."""
    result = await fetcher.get(url, guard=guard, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
    kind = result.content_type
    if kind not in _HTML_TYPES:
        raise ExtractError(f"not an HTML page (content type {shown_type(kind)})")
    if not result.content.strip():
        raise ExtractError("the page is empty")
    options = {"charset": result.charset, "content_selector": content_selector, "remove_selectors": remove_selectors}
    if workers is None:
        extracted = extract_article(result.content, result.final_url, **options)
    else:
        extracted = await workers.run(extract_article, result.content, result.final_url, **options)
    return extracted, result.final_url
