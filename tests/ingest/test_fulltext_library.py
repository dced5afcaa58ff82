"""The libraries' article and the rules around it (issue 11): never less than trafilatura finds, pruning and mending
that cannot lose the article, related-story cards and hero captions that are not its text, bylines without their
separators.

Pages written here, small and hand-made, check each rule on its own; the figure of merit is benchmarks/extract.py
--corpus real, on real pages.
"""

from __future__ import annotations

import lxml.html
import pytest
from test_fulltext_rules import PARAGRAPHS, URL, assert_whole_article, page

from newsmirror.ingest.fulltext import _prune_boilerplate, extract_article, parse_page, trafilatura_only
from newsmirror.ingest.sanitize import html_to_text, sanitize_html


def _wrapped(wrapper_class: str) -> str:
    """The test page with each paragraph in a <div> of its own, of the given class."""
    plain = "".join(f"<p>{t}</p>" for t in PARAGRAPHS)
    return page().replace(plain, "".join(f'<div class="{wrapper_class}"><p>{t}</p></div>' for t in PARAGRAPHS))


def test_an_article_that_pruning_would_lose_comes_from_trafilatura_on_the_untouched_page():
    html = _wrapped("share-block")  # each paragraph's wrapper is named like a share bar
    pruned = parse_page(html)
    _prune_boilerplate(pruned)
    assert not any(t in pruned.text_content() for t in PARAGRAPHS)  # pruning alone takes the article away
    assert_whole_article(html_to_text(trafilatura_only(html, URL)))  # trafilatura alone finds it
    extracted = extract_article(html, URL)
    assert extracted.method == "trafilatura-unpruned"
    assert_whole_article(html_to_text(sanitize_html(extracted.content, URL)))
    assert "<html" not in extracted.content and "<body" not in extracted.content  # a fragment, as every body is


@pytest.mark.parametrize("wrapper", ["content-with-sidebar", "widget-text", "hidden-xs", "paywall", "premium-story"])
def test_layout_wrappers_named_like_boilerplate_on_real_pages_keep_the_article(wrapper):
    # the words measured on the real pages (benchmarks/extract.py --corpus real) to name the article's own wrapper
    extracted = extract_article(_wrapped(wrapper), URL)
    assert extracted.method == "trafilatura"
    assert_whole_article(html_to_text(sanitize_html(extracted.content, URL)))


def test_the_container_of_the_article_is_never_pruned_for_its_name():
    html = page(body_class="ad-free-article")  # the paragraphs' own container matches "ad"
    tree = parse_page(html)
    core = _prune_boilerplate(tree)
    assert core is not None and core.get("class") == "ad-free-article"
    assert_whole_article(html_to_text(extract_article(html, URL).content))


def test_a_page_trafilatura_reads_always_gets_a_post():
    # nothing but a few paragraphs in bare <div>s under a <form> (an ASP.NET page): _NEVER holds "form"
    html = "<html><body><form>" + "".join(f"<div><p>{t}</p></div>" for t in PARAGRAPHS) + "</form></body></html>"
    assert html_to_text(trafilatura_only(html, URL)).strip()
    assert_whole_article(html_to_text(extract_article(html, URL).content))


def test_a_related_story_card_inside_the_article_is_not_made_a_sub_heading():
    card = '<div class="more-on"><a href="/other"><h4>另一则新闻的标题，不是本文的小标题</h4></a></div>'
    text = html_to_text(sanitize_html(extract_article(page(middle=card), URL).content, URL))
    assert_whole_article(text)
    assert "另一则新闻" not in text


def test_a_sub_heading_after_a_figure_comes_back_after_the_figure():
    figure = '<figure><img src="https://img.example/a.jpg"><figcaption>市长在记者会上回答提问时的情景</figcaption></figure>'
    content = extract_article(page(middle=f"{figure}<h2>各方反应</h2>"), URL).content
    assert content.index(PARAGRAPHS[2]) < content.index("<figure") < content.index("各方反应") < content.index(PARAGRAPHS[3])


def test_a_hero_picture_before_the_body_comes_back_with_its_caption_as_alt_text_only():
    hero = '<figure><img src="/img/hero.jpg"><figcaption>资料图片：某地街景（路透社）</figcaption></figure>'
    html = page().replace('<div class="x2">', f'{hero}<div class="x2">')
    content = extract_article(html, URL).content
    body = lxml.html.fragment_fromstring(content, create_parent="div")
    image = body.find(".//img")
    assert image is not None and image.get("src") == "https://news.example.net/img/hero.jpg"
    assert image.get("alt") == "资料图片：某地街景（路透社）"
    assert "资料图片" not in html_to_text(sanitize_html(content, URL))
    assert_whole_article(html_to_text(content))


@pytest.mark.parametrize(
    ("byline", "name"),
    [("津轻海峡 ·", "津轻海峡"), ("By Jane Doe |", "Jane Doe"), ("· 王明 —", "王明"), ("Jean-Luc Picard", "Jean-Luc Picard")],
)
def test_an_author_keeps_no_separator_of_the_byline(byline, name):
    html = page().replace("<head>", f'<head><meta name="author" content="{byline}">')
    assert extract_article(html, URL).author == name


@pytest.mark.parametrize(
    ("meta", "name"),
    [
        ('<meta property="article:author" content="https://www.facebook.com/bbcnews">', ""),  # BBC's real pages
        ('<meta property="article:author" content="//example.org/people/jane">', ""),
        ('<meta name="author" content="www.example.org">', ""),
        ('<meta name="author" content="王明">', "王明"),
    ],
)
def test_an_author_that_is_a_web_address_is_no_name(meta, name):
    html = page().replace("<head>", f"<head>{meta}")
    assert extract_article(html, URL).author == name
