"""Fuzzing the whole path a feed item takes: bytes → parser → sanitizer → post writer → post reader.

Generated feeds mix hostile fragments (script, Liquid, YAML, control characters, odd encodings) with random
text; for a bounded number of examples, every item either becomes a post that reads back to the same article
and carries nothing that can run, or the feed is refused with one line.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from hostile import FORBIDDEN
from newsmirror.archive.postformat import (
    MAX_NAME_BYTES,
    join_content_lines,
    parse_post,
    post_filename,
    render_post,
)
from newsmirror.config import SourceConfig
from newsmirror.ingest.articles import build_article, normalise_title
from newsmirror.ingest.feeds import FeedError, parse_feed
from newsmirror.ingest.sanitize import sanitize_html
from newsmirror.models import Article

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SOURCE = SourceConfig(name="模糊测试", url="https://fuzz.example/feed")

_chars = st.characters(exclude_categories=["Cs"], exclude_characters=["\x00"])
_fragment = st.one_of(
    st.text(alphabet=_chars, max_size=40),
    st.sampled_from(hostile.XSS_SNIPPETS),
    st.sampled_from(hostile.HOSTILE_TITLES[:-1]),
    st.sampled_from(["{{", "{%", "%}", "}}", "{% endraw %}", "---", "\n---\n", "<p>", "</p>", "<div>", "</div>", "&amp;", "&#0;", "]]>"]),
)
_html = st.lists(_fragment, max_size=12).map("".join)
_title = st.lists(_fragment, min_size=1, max_size=4).map("".join)
_encoding = st.sampled_from(["utf-8", "utf-16", "gb18030", "big5"])


def _feed(items: list[tuple[str, str, str]], encoding: str) -> bytes:
    body = "".join(
        f"<item><title>{escape(t)}</title><link>https://fuzz.example/{i}?{escape(q)}</link>"
        f"<description>{escape(c)}</description></item>"
        for i, (t, c, q) in enumerate(items)
    )
    text = f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>f</title>{body}</channel></rss>'
    return text.encode(encoding, errors="replace")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    items=st.lists(st.tuples(_title, _html, st.text(alphabet="abc=&#%/?", max_size=8)), min_size=1, max_size=5),
    encoding=_encoding,
)
def test_generated_feeds_become_safe_posts_that_read_back(items, encoding):
    try:
        feed = parse_feed(_feed(items, encoding), SOURCE.name, now=NOW)
    except FeedError as exc:
        assert "\n" not in str(exc)
        return
    for entry in feed.entries:
        content = sanitize_html(entry.content, base_url=entry.link)
        article = build_article(entry, SOURCE, content, NOW)
        text = render_post(article)
        name = post_filename(article)
        assert len(name.encode("utf-8")) <= MAX_NAME_BYTES and "/" not in name
        assert not re.search(r"[\x00-\x1f]", name)
        post = parse_post(text)
        assert post.title == normalise_title(entry) == article.title
        assert post.link == entry.link
        assert post.content == join_content_lines(content)
        for pattern in FORBIDDEN:
            assert not pattern.search(post.content), (pattern.pattern, post.content[:200])
        assert "<script" not in text.split("\n---\n", 1)[1].split("\n")[1]


@settings(max_examples=300, deadline=None)
@given(content=_html)
def test_sanitized_content_survives_the_post_format_unchanged(content):
    safe = sanitize_html(content, base_url="https://fuzz.example/a/b.html")
    article = Article(title="t", date=NOW, author="a", link="https://fuzz.example/x", source="s", content=safe)
    assert parse_post(render_post(article)).content == join_content_lines(safe)
    assert sanitize_html(join_content_lines(safe), base_url="https://fuzz.example/a/b.html") == join_content_lines(safe)
