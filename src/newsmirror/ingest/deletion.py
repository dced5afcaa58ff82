"""Whether an article has been deleted at its source, and the evidence: the one table of the signs.

A hard deletion is an HTTP status (404, 410, 451) or a redirect from the article to the site's front page. A soft
deletion is a page served with HTTP 200 that holds only a platform's notice (WeChat's 此内容因违规无法查看, …):
the notice must be in the page's visible text and that text must be short (a real article that quotes a notice
is long). Add a platform's notice to NOTICES; add a status to DELETED_STATUSES.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from newsmirror.ingest.sanitize import html_to_text

DELETED_STATUSES = {404: "HTTP 404 Not Found", 410: "HTTP 410 Gone", 451: "HTTP 451 Unavailable For Legal Reasons"}


@dataclass(frozen=True, slots=True)
class Notice:
    platform: str
    text: str  # as the platform shows it; matched in the page's visible text, white space ignored


NOTICES: tuple[Notice, ...] = (
    Notice("WeChat", "此内容因违规无法查看"),
    Notice("WeChat", "该内容已被发布者删除"),
    Notice("WeChat", "此内容被投诉且经审核涉嫌侵权，无法查看"),
    Notice("WeChat", "此帐号已被屏蔽, 内容无法查看"),
    Notice("WeChat", "此帐号已自主注销，内容无法查看"),
    Notice("Weibo", "该微博因被投诉违反"),
    Notice("Weibo", "抱歉，此微博已被作者删除"),
    Notice("Weibo", "该微博已被删除"),
    Notice("Zhihu", "你似乎来到了没有知识存在的荒原"),
    Notice("Zhihu", "该内容暂时无法查看"),
    Notice("Zhihu", "该回答已被删除"),
    Notice("Zhihu", "该文章已被删除"),
    Notice("Douban", "该内容已被作者删除"),
    Notice("Douban", "该日记已被删除"),
    Notice("Douban", "该条广播已被删除"),
    Notice("Toutiao", "该内容已被删除"),
    Notice("Toutiao", "文章已被作者删除"),
    Notice("Toutiao", "抱歉，您访问的内容已删除"),
)
NOTICE_PAGE_MAX_CHARS = 1500  # visible characters: a page this short holding a notice is the notice
_FRONT_PAGE_PATHS = {"", "/", "/index.html", "/index.htm", "/index.php", "/default.aspx", "/home"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Deletion:
    """Why an article counts as deleted: what a reader can check."""

    reason: str  # one line, e.g. "HTTP 404 Not Found" or "WeChat notice: 此内容因违规无法查看"
    evidence: dict[str, str] = field(default_factory=dict)  # http_status, final_url, notice


def deleted_by_status(status: int, url: str) -> Deletion | None:
    reason = DELETED_STATUSES.get(status)
    if reason is None:
        return None
    return Deletion(reason, {"http_status": str(status), "final_url": url})


def is_front_page_redirect(url: str, final_url: str) -> bool:
    """The article's address led to the front page of its site (or of the site it moved to)."""
    if final_url == url:
        return False
    asked, landed = urlsplit(url), urlsplit(final_url)
    return asked.path not in _FRONT_PAGE_PATHS and landed.path.lower() in _FRONT_PAGE_PATHS and not landed.query


def visible_text(page: str) -> str:
    """A page's text without scripts, styles or markup, white space removed (for matching notices); lxml reads
    it in linear time."""
    from newsmirror.ingest.fulltext import ExtractError, parse_page

    try:
        tree = parse_page(page)
    except ExtractError:
        return _SPACE.sub("", html_to_text(page))
    for element in tree.iter("script", "style", "noscript", "template"):
        element.text = ""
    return _SPACE.sub("", tree.text_content())


def matched_notice(page: str) -> Notice | None:
    """The soft-deletion notice a short page holds, if any."""
    text = visible_text(page)
    if len(text) > NOTICE_PAGE_MAX_CHARS:
        return None
    return next((n for n in NOTICES if _SPACE.sub("", n.text) in text), None)


def deleted_page(url: str, final_url: str, status: int, page: str) -> Deletion | None:
    """The deletion an answered page shows (a redirect to the front page, a notice), or None."""
    evidence = {"http_status": str(status), "final_url": final_url}
    if is_front_page_redirect(url, final_url):
        return Deletion("redirected to the front page", evidence)
    notice = matched_notice(page)
    if notice is not None:
        return Deletion(f"{notice.platform} notice: {notice.text}", {**evidence, "notice": notice.text})
    return None
