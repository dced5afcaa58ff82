"""Extraction: every article paragraph in order, none of the boilerplate, metadata, charsets, selectors."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from newsmirror.ingest.encoding import decode_page
from newsmirror.ingest.fulltext import ExtractError, extract_article, looks_partial, visible_length
from newsmirror.ingest.sanitize import html_to_text, sanitize_html
from pagehelpers import (
    ARTICLES,
    BOILERPLATE,
    REMOVE_SELECTORS,
    SELECTORS,
    assert_in_order,
    assert_no_boilerplate,
    expected_lines,
    page_bytes,
)

NAMES = sorted(ARTICLES)


def test_the_corpus_is_large_and_varied():
    assert len(NAMES) >= 15
    assert len({a["outlet"] for a in ARTICLES.values()}) >= 8
    assert sum(1 for a in ARTICLES.values() if a.get("charset", "utf-8") != "utf-8") >= 3
    for name in NAMES:  # the boilerplate phrases really are absent from the article bodies they are checked against
        body = "\n".join(expected_lines(name))
        assert not [p for p in BOILERPLATE if p in body], name


@pytest.mark.parametrize("name", NAMES)
def test_every_paragraph_in_order_and_no_boilerplate(name):
    url = f"https://news.example.org/{name}.html"
    settings = {"content_selector": SELECTORS.get(name, ""), "remove_selectors": REMOVE_SELECTORS.get(name, [])}
    article = extract_article(page_bytes(name), url, **settings)
    text = html_to_text(sanitize_html(article.content, url))
    assert_in_order(expected_lines(name), text)
    assert_no_boilerplate(text)
    assert ARTICLES[name]["title"] not in text  # the headline is the post's title, not repeated in its body
    assert article.title == ARTICLES[name]["title"]


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    article = extract_article(page_bytes(name), f"https://news.example.org/{name}.html", content_selector=SELECTORS.get(name, ""))
    want = datetime.fromisoformat(ARTICLES[name]["date"]).astimezone(UTC)
    assert article.date == want
    def letters(text: str) -> str:
        return re.sub(r"[\W_]+", "", text.lower())

    assert article.author and letters(article.author) in letters(ARTICLES[name]["author"])
    assert article.site_name


def test_figures_keep_their_captions_and_lazy_images_their_real_address():
    article = extract_article(page_bytes("epochtimes_typhoon"), "https://www.epochtimes.com/gb/26/9/14/n1.htm")
    assert (
        '<figure><img src="https://www.epochtimes.com/gb/i/2026/09/14/typhoon-radar.jpg"' in article.content
        and "<figcaption>9月14日，气象卫星拍摄到的台风“海葵”云图。（网络图片）</figcaption></figure>" in article.content
    )
    assert "data:image/gif" not in article.content
    dw = extract_article(page_bytes("dw_refugees"), "https://www.dw.com/zh/a-1")
    assert 'src="https://static.dw.com/image/lampedusa_940.jpg"' in dw.content  # the largest srcset candidate


def test_structure_survives_extraction_and_sanitizing():
    url = "https://www.voachinese.com/a/1.html"
    html = sanitize_html(extract_article(page_bytes("voa_trade"), url).content, url)
    assert "<table>" in html and "<th>措施</th>" in html and "<td>即日起</td>" in html
    assert "<blockquote>" in html and "<h3>北京誓言反制</h3>" in html
    gbk = sanitize_html(extract_article(page_bytes("epochtimes_gbk_trial"), url).content, url)
    assert "<ul><li>要求立即释放因和平表达而被羁押的人士；</li>" in gbk
    assert '<a href="https://www.voachinese.com/gb/tag/news.html">' in gbk  # relative link made absolute


def test_gbk_page_decodes_by_meta_and_by_header():
    raw = page_bytes("nyt_gbk_museum")
    assert "故宫文物数字化" in decode_page(raw)
    assert "故宫文物数字化" in decode_page(raw, "gb2312")
    no_meta = raw.replace(b'<meta charset="gbk">', b"")
    assert "故宫文物数字化" in decode_page(no_meta)  # detected


def test_content_selector_and_remove_selectors():
    name = "voa_selector_interview"
    plain = extract_article(page_bytes(name), "https://www.voachinese.com/a/2.html")
    chosen = extract_article(page_bytes(name), "https://www.voachinese.com/a/2.html", content_selector=".interview-body")
    assert "焦点对话" not in html_to_text(chosen.content) and chosen.method == "selector"
    assert_in_order(expected_lines(name), html_to_text(chosen.content))
    # The guess now finds the interview as well, without the "焦点对话" box beside it (it needed the selector before).
    assert "焦点对话" not in html_to_text(plain.content)
    assert_in_order(expected_lines(name), html_to_text(plain.content))
    trimmed = extract_article(
        page_bytes(name), "https://www.voachinese.com/a/2.html", content_selector=".interview-body",
        remove_selectors=[".qa-line:first-child"],
    )
    assert "流亡作家老木" not in html_to_text(trimmed.content)
    with pytest.raises(ExtractError, match="matches nothing"):
        extract_article(page_bytes(name), "https://x/", content_selector=".nothing-here")
    with pytest.raises(ExtractError, match="invalid CSS selector"):
        extract_article(page_bytes(name), "https://x/", content_selector="div[[")


def test_pages_without_an_article():
    with pytest.raises(ExtractError):
        extract_article(b"<html><body><nav><a href='/'>home</a></nav></body></html>", "https://x/")
    with pytest.raises(ExtractError):
        extract_article(b"", "https://x/")


def test_looks_partial():
    long = "<p>" + "正文内容" * 150 + "</p>"
    assert not looks_partial(long)
    assert looks_partial("<p>一句摘要。</p>")
    assert looks_partial("<p>" + "正文内容" * 150 + "</p>", has_full_content=False)
    assert not looks_partial("<p>" + "正文内容" * 250 + "</p>", has_full_content=False)
    assert looks_partial(long + '<p><a href="https://x/">阅读全文</a></p>')
    assert looks_partial(long[:-4] + "……</p>")
    assert looks_partial(long + "<p>Continue reading »</p>")
    assert visible_length("<p> 一 二 </p>") == 2
