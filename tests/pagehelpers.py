"""Shared by the extraction, media and add tests: the fixture pages and a feed pointing at them."""

from __future__ import annotations

import re
import sys
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

PAGES = Path(__file__).parent / "fixtures" / "pages"
sys.path.insert(0, str(PAGES))

from articles import ARTICLES  # noqa: E402
from make_pages import COMMENTS, RELATED, REMOVE_SELECTORS, SELECTORS  # noqa: E402

# Text of the boilerplate every page carries somewhere: none of it may reach a post.
BOILERPLATE = [t for t, _ in RELATED] + [s for _, s in RELATED] + [c for _, c in COMMENTS] + [
    "Facebook", "订阅", "热门", "版权所有", "All rights reserved", "关于我们", "广告", "Advertisement", "分享",
    "读者评论", "回复", "美中贸易谈判陷入僵局", "气候变化：全球平均气温再创新高", "Instagram", "法广新闻APP",
    "节目主持人", "往期节目", "订阅法广中文网新闻信", "请支持我们", "图像来源", "图像加注文字", "Getty Images",
]  # fmt: skip


def page_bytes(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


def page_charset(name: str) -> str:
    return ARTICLES[name].get("charset", "utf-8")


def expected_lines(name: str) -> list[str]:
    return (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8").splitlines()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_in_order(lines: list[str], text: str) -> None:
    """Every expected block appears in `text`, in order (white space ignored; table rows cell by cell)."""
    flat = squeeze(text)
    position = 0
    for line in lines:
        for piece in line.split(" | "):
            found = flat.find(squeeze(piece), position)
            assert found != -1, f"missing or out of order: {piece!r}"
            position = found + len(squeeze(piece))


def assert_no_boilerplate(text: str) -> None:
    for phrase in BOILERPLATE:
        assert phrase not in text, f"boilerplate kept: {phrase!r}"


def rss(items: list[dict]) -> str:
    """A small RSS 2.0 feed; each item: title, link, description, date (datetime)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title><link>http://x/</link><description>d</description>']
    for item in items:
        date: datetime = item["date"]
        parts.append(
            f"<item><title>{escape(item['title'])}</title><link>{escape(item['link'])}</link><guid>{escape(item['link'])}</guid>"
            f"<pubDate>{format_datetime(date)}</pubDate><description>{escape(item['description'])}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts)


__all__ = ["ARTICLES", "BOILERPLATE", "PAGES", "REMOVE_SELECTORS", "SELECTORS"]
