"""The signs of an article deleted at its source (ingest/deletion.py) and what counts as an edit (ingest/edits.py)."""

from __future__ import annotations

import pytest

from newsmirror.ingest.deletion import NOTICES, deleted_by_status, deleted_page, is_front_page_redirect
from newsmirror.ingest.edits import EDIT_MIN_CHARS, compare_text, paragraphs

ARTICLE = "<p>" + "这是一篇很长的新闻报道，讲述了一件重要的事情。" * 60 + "</p>"


@pytest.mark.parametrize("status", [404, 410, 451])
def test_gone_statuses_are_deletions(status):
    found = deleted_by_status(status, "https://news.example/a.html")
    assert found is not None and found.evidence["http_status"] == str(status)


@pytest.mark.parametrize("status", [0, 403, 429, 500, 503])
def test_other_failures_are_no_verdict(status):
    assert deleted_by_status(status, "https://news.example/a.html") is None


@pytest.mark.parametrize(("url", "final", "front"), [
    ("https://news.example/2024/a.html", "https://news.example/", True),
    ("https://news.example/2024/a.html", "https://www.news.example/index.html", True),
    ("https://news.example/2024/a.html", "https://news.example/2024/a.html", False),
    ("https://news.example/2024/a.html", "https://news.example/2024/b.html", False),  # moved, not deleted
    ("https://news.example/", "https://news.example/", False),
    ("https://news.example/2024/a.html", "https://news.example/?id=3", False),
])  # fmt: skip
def test_a_redirect_to_the_front_page(url, final, front):
    assert is_front_page_redirect(url, final) is front


@pytest.mark.parametrize("notice", NOTICES, ids=lambda n: n.text)
def test_every_notice_of_the_table_is_found_on_a_short_page(notice):
    page = f"<html><head><script>var x = '{'很长的脚本' * 500}';</script></head><body><div>{notice.text}</div></body></html>"
    found = deleted_page("https://mp.weixin.qq.com/s/a", "https://mp.weixin.qq.com/s/a", 200, page)
    assert found is not None and found.evidence["notice"] == notice.text


def test_an_article_quoting_a_notice_is_no_deletion():
    page = f"<html><body>{ARTICLE}<p>网友截图显示“此内容因违规无法查看”。</p>{ARTICLE}</body></html>"
    assert deleted_page("https://news.example/a", "https://news.example/a", 200, page) is None


def test_white_space_and_markup_are_no_edit_but_a_sentence_is():
    old = "<p>第一段文字，内容不变。</p><p>第二段文字，讲述会议的经过和结果。</p>"
    reflowed = "<div>\n  <p>第一段文字，\n内容不变。</p>\n\n<p>第二段文字，讲述<b>会议</b>的经过和结果。</p></div>"
    assert compare_text(old, reflowed).changed_chars == 0
    counter = old + "<p>阅读 1234</p>"
    assert not compare_text(counter, counter.replace("1234", "98765")).is_edit
    edited = old.replace("讲述会议的经过和结果", "说明会议已经推迟到下个月举行，原因尚未公布")
    change = compare_text(old, edited)
    assert change.is_edit and change.changed_chars >= EDIT_MIN_CHARS
    assert compare_text(old, old + "<p>补充：记者稍后获悉，相关部门已介入调查。</p>").is_edit  # a paragraph added
    assert paragraphs(reflowed) == ["第一段文字， 内容不变。", "第二段文字，讲述 会议 的经过和结果。"]
