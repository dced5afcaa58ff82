"""The diff of two versions of an article (site/diff.py): every word of both is shown, marked where it differs."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from newsmirror.ingest.edits import paragraphs
from newsmirror.site.diff import diff_html

_TAG = re.compile(r"<[^<>]*>")


def side(diff: str, dropped: str) -> list[str]:
    """The text of one side of the diff: the other side's marks removed with their text, paragraph by paragraph."""
    kept = re.sub(rf"<{dropped}>.*?</{dropped}>", "", diff, flags=re.S)
    blocks = [html.unescape(_TAG.sub("", p)) for p in re.findall(r"<p[^>]*>(.*?)</p>", kept, flags=re.S)]
    return [b for text in blocks for b in text.split("\n") if b]


words = st.lists(st.sampled_from(["北京", "上海", "下雨", "了", "。", "hello", "world", " ", "<&>", "1,234"]), max_size=12)
articles = st.lists(words.map("".join), max_size=6)


def fragment(blocks: list[str]) -> str:
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks)


@settings(max_examples=200, deadline=None)
@given(articles, articles)
def test_each_side_of_the_diff_is_that_version(old, new):
    diff = diff_html(fragment(old), fragment(new))
    assert side(diff, "ins") == paragraphs(fragment(old))
    assert side(diff, "del") == paragraphs(fragment(new))
    assert "<script" not in diff


def test_a_changed_word_is_marked_inside_its_paragraph():
    diff = diff_html("<p>今天北京下雨了。</p><p>同一段</p>", "<p>今天上海下雨了。</p><p>同一段</p>")
    assert diff == '<p class="changed">今天<del>北京</del><ins>上海</ins>下雨了。</p>\n<p>同一段</p>'
