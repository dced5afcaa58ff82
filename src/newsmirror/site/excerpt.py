"""What a list shows of a post besides its title: a line or two of its text and its first picture.

Taken once per post when the builder reads it (site/scan.py) and cached with its record; lxml parses the body
(the sanitized HTML the post holds), as it does everywhere else in the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsmirror.urlsafety import is_http_url

if TYPE_CHECKING:
    import lxml.html

EXCERPT_CHARS = 90  # about two lines of Chinese in a list's column on a phone and one and a half on a screen
BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure", "tr", "td", "th", "pre")
SKIPPED = ("script", "style", "figcaption", "noscript", "iframe", "video", "audio")


def excerpt_and_picture(html: str) -> tuple[str, str]:
    """The body's opening text (whitespace folded, cut at EXCERPT_CHARS with …) and its first picture's address:
    a mirrored image's site path (/…) or an http(s) address; "" for either when there is none."""
    if not html.strip():
        return "", ""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return "", ""
    for element in list(root.iter(*SKIPPED)):
        element.drop_tree()
    for element in root.iter(*BLOCKS):  # "…故事</h2><p>Beyond" reads as two words, not one
        element.tail = " " + (element.tail or "")
    text = " ".join(root.text_content().split())
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rstrip() + "…"
    return text, _first_picture(root)


def _first_picture(root: lxml.html.HtmlElement) -> str:
    for image in root.iter("img"):
        src = (image.get("src") or "").strip()
        if src.startswith("/") and not src.startswith("//"):
            return src  # mirrored: assets/images/ under the site
        if is_http_url(src):
            return src
    return ""
