"""Which passes an extraction makes (issue 11, speed): readability-lxml only where trafilatura's article is short
against the page's running text, trafilatura's metadata without the searches never used, the page's paragraphs
looked up only where the result lacks them. Each cheaper path must give what the full one gave.

The speed itself is measured by benchmarks/extract.py --corpus real, never asserted here.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fulltext_rules import PARAGRAPHS, URL, assert_whole_article, page

from newsmirror.ingest import fulltext
from newsmirror.ingest.fulltext import _library_metadata, extract_article, parse_page
from newsmirror.ingest.sanitize import html_to_text, sanitize_html

FIXTURES = Path(__file__).parents[1] / "fixtures"
# The tuned and held-out pages; the blind ones are kept for measuring (see test_fulltext_blind.py).
PAGES = sorted((FIXTURES / "pages").glob("*.html")) + sorted((FIXTURES / "pages_heldout").glob("*.html"))


@pytest.fixture
def readability_calls(monkeypatch) -> list[int]:
    """Counts the calls of readability-lxml (the real one runs)."""
    calls: list[int] = []
    real = fulltext._readability_html

    def counted(tree):
        calls.append(1)
        return real(tree)

    monkeypatch.setattr(fulltext, "_readability_html", counted)
    return calls


def test_readability_is_not_asked_where_trafilatura_holds_the_running_text(readability_calls):
    extracted = extract_article(page(), URL)
    assert extracted.method == "trafilatura"
    assert_whole_article(html_to_text(extracted.content))
    assert readability_calls == []


_NO_PARAGRAPHS = (  # the text in <div>s, no <p> at all: the running text says nothing, readability is asked
    '<html><body><h1>市政府宣布调整公共交通票价</h1><div class="a">'
    + "".join(f'<div class="para">{t}</div>' for t in PARAGRAPHS)
    + "</div></body></html>"
)
# <p>s that trafilatura's precision mode, without a fallback of its own, reads nothing of: far short of the running text
_TRAFILATURA_SHORT = page(middle='<div class="x9"><a href="/promo">订阅我们的电子报</a><a href="/p2">了解更多</a></div>')


@pytest.mark.parametrize("html", [_NO_PARAGRAPHS, _TRAFILATURA_SHORT], ids=["no-paragraphs", "trafilatura-short"])
def test_readability_reads_what_trafilatura_misses(html, readability_calls):
    assert html_to_text(fulltext._trafilatura_html(parse_page(html), URL)).strip() == ""  # the page's premise
    extracted = extract_article(html, URL)
    assert extracted.method == "readability"
    assert_whole_article(html_to_text(sanitize_html(extracted.content, URL)))
    assert readability_calls == [1]


def test_readability_is_asked_where_trafilatura_drops_a_list_of_the_article(readability_calls):
    # every <p> of the page is in trafilatura's result, its list is not: the list's text counts as readable text
    points = [f"{'票价调整方案的第几个要点，说明了具体安排。' * 2}{n}" for n in range(3)]
    html = page(middle="<ul>" + "".join(f"<li>{t}</li>" for t in points) + "</ul>")
    assert points[0] not in html_to_text(fulltext._trafilatura_html(parse_page(html), URL))  # the page's premise
    extracted = extract_article(html, URL)
    assert readability_calls == [1] and extracted.method == "readability"
    text = html_to_text(extracted.content)
    assert_whole_article(text)
    assert all(t in text for t in points)


def _fields(found) -> tuple:
    return found.title, found.author, found.sitename, found.date, found.url, found.hostname


@pytest.mark.parametrize("extensive", [True, False], ids=["extensive", "quick"])
@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_the_metadata_steps_give_what_trafilatura_extract_metadata_gives(path, extensive):
    import trafilatura

    url = f"https://news.example.org/{path.stem}.html"
    tree = parse_page(path.read_bytes().decode("utf-8", errors="replace"))
    before = parse_page(path.read_bytes().decode("utf-8", errors="replace"))
    want = trafilatura.extract_metadata(before, default_url=url, extensive=extensive)
    assert _fields(_library_metadata(tree, url, extensive=extensive)) == _fields(want)


def test_the_metadata_steps_read_json_ld_and_the_byline_as_trafilatura_does():
    import trafilatura

    html = (
        '<html><head><title>票价调整 - 示例日报</title><script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "市政府宣布调整公共交通票价", "datePublished": "2026-09-30T08:00:00+08:00", '
        '"publisher": {"@type": "Organization", "name": "示例日报"}}</script></head><body>'
        '<h1>市政府宣布调整公共交通票价</h1><div class="byline"><span class="author">Jane Doe</span></div>'
        + "".join(f"<p>{t}</p>" for t in PARAGRAPHS)
        + "</body></html>"
    )
    want = trafilatura.extract_metadata(parse_page(html), default_url=URL, extensive=False)
    got = _library_metadata(parse_page(html), URL, extensive=False)
    assert _fields(got) == _fields(want)
    assert got.author == "Jane Doe" and got.date == "2026-09-30"  # from the byline, from the JSON-LD


def test_the_metadata_steps_leave_the_page_as_it_was():
    tree = parse_page(page())
    before = lxml_html_bytes(tree)
    _library_metadata(tree, URL, extensive=True)
    assert lxml_html_bytes(tree) == before


def lxml_html_bytes(tree) -> bytes:
    import lxml.html

    return lxml.html.tostring(tree)


def test_a_paragraph_the_result_lacks_comes_back_between_its_neighbours(monkeypatch):
    # the library's result without the middle paragraph: it is looked up on the page and put back in its place
    real = fulltext._library_article

    def without_third(tree, url):
        document, method = real(tree, url)
        return document.replace(PARAGRAPHS[2], ""), method

    monkeypatch.setattr(fulltext, "_library_article", without_third)
    content = extract_article(page(), URL).content
    assert content.index(PARAGRAPHS[1]) < content.index(PARAGRAPHS[2]) < content.index(PARAGRAPHS[3])
    assert content.count(PARAGRAPHS[2]) == 1


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_trafilatura_without_its_fingerprint_gives_what_extract_gives(path):
    import trafilatura

    url = f"https://news.example.org/{path.stem}.html"
    tree = parse_page(path.read_bytes().decode("utf-8", errors="replace"))
    want = trafilatura.extract(tree, url=url, **fulltext._TRAFILATURA_OPTIONS) or ""
    assert want and fulltext._trafilatura_html(tree, url) == want


def test_trafilatura_without_its_fingerprint_gives_nothing_where_extract_gives_nothing():
    import trafilatura

    tree = parse_page("<html><body><div><a href='/'>首页</a></div></body></html>")
    assert trafilatura.extract(tree, url=URL, **fulltext._TRAFILATURA_OPTIONS) is None
    assert fulltext._trafilatura_html(tree, URL) == ""


def _with_lxml_html_classes(text: str):
    """The page as lxml.html's own parser makes it (its Python class lookup: FormElement, InputElement …)."""
    import lxml.html

    return lxml.html.document_fromstring(text)


@pytest.mark.parametrize("path", PAGES, ids=[p.stem for p in PAGES])
def test_the_parser_with_the_lookup_in_c_gives_what_lxml_html_s_own_gives(path, monkeypatch):
    text = path.read_bytes().decode("utf-8", errors="replace")
    url = f"https://news.example.org/{path.stem}.html"
    ours = extract_article(text, url)
    assert all(type(e) is lxml.html.HtmlElement for e in parse_page(text).iter("form", "input", "select", "label"))
    monkeypatch.setattr(fulltext, "parse_page", _with_lxml_html_classes)
    assert extract_article(text, url) == ours


_NAME_WORDS = ["share", "Bar", "comment", "s", "-", "_", " ", "main", "ad", "x", "1", "content", "Related", "menu"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NAME_WORDS), max_size=6), st.lists(st.sampled_from(_NAME_WORDS), max_size=6))
def test_the_class_and_the_id_asked_apart_give_what_they_gave_asked_together(class_words, id_words):
    element = lxml.html.fragment_fromstring("<div></div>")
    klass, ident = "".join(class_words), "".join(id_words)
    element.set("class", klass)
    element.set("id", ident)
    names = f"{klass} {ident}".strip()
    words = f"{names} {fulltext._CAMEL.sub(' ', names)}" if fulltext._CAMEL.search(names) else names
    assert fulltext._is_boilerplate(element) == bool(names and fulltext._BOILERPLATE.search(words))


_LABEL_PIECES = ["related", "评论", " ", "\n", "\u3000", "【", "】", "（", "3", "条", "）", ":", "x", "相关新闻", "\t"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LABEL_PIECES), max_size=8))
def test_a_label_stripped_matches_as_it_did_unstripped(pieces):
    text = "".join(pieces)
    assert bool(fulltext._BLOCK_LABEL.match(text.strip())) == bool(fulltext._BLOCK_LABEL.match(text))
