"""Whether an address from third-party content may become a link: http(s) only, judged as a browser reads it.

One rule for every place a feed's or page's address turns into something a reader can click (the post's `from:`,
its `[title](link)` line, the built page's 原文 link): browsers drop ASCII tab and newline anywhere in an address,
strip leading and trailing C0 controls and spaces, and kramdown and HTML decode character references first, so
`java\tscript:`, ` JaVaScRiPt&#58;` and `&#x6A;avascript:` are all `javascript:` to them.
"""

from __future__ import annotations

import html
import re
from urllib.parse import SplitResult, urljoin, urlsplit

_TAB_NEWLINE = re.compile("[\t\n\r]")
_EDGE = "".join(chr(c) for c in range(0x21))  # C0 controls and space, stripped at both ends
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def browser_form(value: str) -> str:
    """The address as a browser reads it: character references decoded, tab/newline removed, ends stripped."""
    return _TAB_NEWLINE.sub("", html.unescape(value)).strip(_EDGE)


def is_http_url(value: str) -> bool:
    """True when `value` is an absolute http(s) address with a host, however a browser or kramdown reads it."""
    for form in (browser_form(value), _TAB_NEWLINE.sub("", value).strip(_EDGE)):
        scheme = _SCHEME.match(form)
        if scheme is None or scheme.group(1).lower() not in ("http", "https"):
            return False
        try:
            if not urlsplit(form).hostname:
                return False
        except ValueError:  # "http://[oops"
            return False
    return True


def http_link(value: str, base: str = "") -> str:
    """`value` resolved against `base` when relative, if the result is an http(s) address; else "". The address
    is kept as written (only tab/newline removed and the ends stripped): decoding references would change a
    query such as `?a=1&copy=2`."""
    link = _TAB_NEWLINE.sub("", value).strip(_EDGE)
    if not link:
        return ""
    if base and not _SCHEME.match(browser_form(link)):
        try:
            link = urljoin(base, link)
        except ValueError:
            return ""
    return link if is_http_url(link) else ""


def split_url(url: str) -> SplitResult | None:
    """urlsplit, or None for an address it refuses (e.g. "http://[x/a.png"): such an address is dropped."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def join_url(base: str, url: str) -> str | None:
    """urljoin, or None for an address it refuses ("http://[x/a.png")."""
    try:
        return urljoin(base, url)
    except ValueError:
        return None
