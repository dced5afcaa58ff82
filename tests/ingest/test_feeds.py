"""Feed parsing: every format, every encoding, and the fast path agreeing with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, GOLDEN_FEED
from newsmirror.ingest.encoding import decode_document
from newsmirror.ingest.feeds import FeedError, parse_date, parse_feed

FEEDS = FIXTURES / "feeds"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
XML_FEEDS = [*sorted(p for p in FEEDS.iterdir() if p.suffix == ".xml"), GOLDEN_FEED]


def parse(name: str, **kwargs):
    path = FEEDS / name if not isinstance(name, Path) else name
    return parse_feed(path.read_bytes(), "来源", now=NOW, **kwargs)


@pytest.mark.parametrize("path", XML_FEEDS, ids=lambda p: p.name)
def test_fast_path_gives_the_same_entries_as_feedparser(path):
    fast = parse(path)
    slow = parse(path, use_fast_path=False)
    assert fast.entries, "fixture has items"
    assert fast.entries == slow.entries


def test_rss2_content_link_author_and_date():
    first, second = parse("rss2.xml").entries
    assert first.content.startswith("<p>美国国会周二以压倒性多数通过一项法案")  # content:encoded wins over description
    assert first.author == "李文"  # dc:creator
    assert first.published == datetime(2023, 11, 1, 12, 15, tzinfo=UTC)
    assert second.title == 'Taiwan & the "status quo": 专家解读'
    assert second.author == "王明"  # "email (Name)"
    assert not second.has_full_content and "阅读全文" in second.content  # description when no content


def test_rss1_rdf():
    entries = parse("rss1.xml").entries
    assert [e.title for e in entries] == ["德国总理访问北京", "欧盟讨论电动车关税"]
    assert entries[0].published == datetime(2023, 11, 3, 9, 20, 30, tzinfo=UTC)
    assert entries[0].guid == entries[0].link == "https://www.dw.com/zh/a-67300001"


def test_atom_html_and_xhtml_content():
    first, second = parse("atom.xml").entries
    assert first.title == "【网络民议】“躺平”之后"  # type="html" title: tags dropped
    assert first.content == "<p>网友热议“躺平”一词。</p><blockquote><p>引用内容</p></blockquote>"
    assert first.published == datetime(2023, 11, 5, 0, 30, tzinfo=UTC)  # published, not updated
    assert second.content == "<p>第一段<em>强调</em>。</p><p>第二段。</p>"
    assert second.link == "https://chinadigitaltimes.net/chinese/701235.html"


def test_json_feed():
    first, second = parse("jsonfeed.json").entries
    assert first.author == "端传媒记者" and first.guid == "initium-20231106-1"
    assert second.content == "<p>第一段文字 &lt;不是标签&gt;</p><p>第二段文字</p>"


def test_youtube_description_is_the_content():
    (entry,) = parse("youtube.xml").entries
    assert entry.video_id == "dQw4w9WgXcQ"
    assert entry.link == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert entry.content == "<p>今日要闻：<br>第一条 &lt;重要&gt;</p><p>第二条新闻</p>"


def test_gbk_without_any_declaration_is_read_correctly():
    titles = [e.title for e in parse("gbk-undeclared.xml").entries]
    assert titles == ["中国经济放缓引发担忧", "香港民主派人士获释"]


def test_big5_declared_is_read_correctly():
    titles = [e.title for e in parse("big5-declared.xml").entries]
    assert titles == ["中國經濟放緩引發擔憂", "香港民主派人士獲釋"]


@pytest.mark.parametrize("codec", ["gb18030", "gbk", "big5", "utf-8", "utf-16"])
def test_declared_encodings(codec):
    text = '<?xml version="1.0" encoding="{}"?><rss version="2.0"><channel><title>t</title><item><title>繁體與简体</title><link>https://a.example/1</link></item></channel></rss>'
    title = "繁體與简体" if codec != "big5" else "繁體與簡體"
    data = text.replace("繁體與简体", title).format(codec).encode(codec)
    (entry,) = parse_feed(data, "s", now=NOW).entries
    assert entry.title == title


def test_http_charset_is_used_when_the_document_declares_nothing():
    data = '<rss version="2.0"><channel><item><title>大纪元新闻</title><link>https://a.example/1</link></item></channel></rss>'.encode("gb18030")
    assert parse_feed(data, "s", charset="gbk", now=NOW).entries[0].title == "大纪元新闻"
    assert decode_document("中文".encode(), "iso-8859-1")[0] == "中文"  # a wrong header loses to UTF-8 that decodes


def test_missing_future_and_unparseable_dates_are_none():
    dates = {e.title: e.published for e in parse("dates.xml").entries}
    assert dates["没有日期的文章"] is None
    assert dates["未来日期的文章"] is None
    assert dates["无法解析的日期"] is None
    assert dates["正常日期"] == datetime(2023, 11, 6, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sat, 28 Oct 2023 18:43:48 +0000", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ("2023-10-28T18:43:48.000Z", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ("2023-10-29T02:43:48+08:00", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ("28 Oct 2023 18:43:48 GMT", datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC)),
        ("", None),
        ("NaN", None),
    ],
)
def test_dates(value, expected):
    assert parse_date(value, NOW) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><body>Not a feed</body></html>", "HTML page"),
        (b"<html><head><title>x</title></head></html>", "HTML page"),
        (b"just some text", "neither XML nor JSON"),
        (b'{"not": "a feed"}', "not a JSON Feed"),
        (b"<rss><channel><item><title>unclosed", "malformed XML"),
        (b"<?xml version='1.0'?><whatever/>", "not a feed"),
    ],
)
def test_what_is_not_a_feed_gets_a_one_line_reason(body, message):
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body, "s", now=NOW)
    assert "\n" not in str(caught.value)


def test_malformed_but_salvageable_xml_is_recovered_with_a_warning():
    body = b'<rss version="2.0"><channel><item><title>A &amp B</title><link>https://a.example/1</link></item><item><title>C</title><link>https://a.example/2</link></item></channel></rss>'
    feed = parse_feed(body, "s", now=NOW)
    assert [e.link for e in feed.entries] == ["https://a.example/1", "https://a.example/2"]
    assert feed.warnings and "malformed" in feed.warnings[0]


def test_control_characters_and_nul_do_not_break_parsing():
    body = '<rss version="2.0"><channel><item><title>标题\x00\x07带控制字符</title><link>https://a.example/1</link><description>正文\x0c</description></item></channel></rss>'.encode()
    (entry,) = parse_feed(body, "s", now=NOW).entries
    assert entry.title == "标题带控制字符"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_entries_or_a_feed_error(data):
    try:
        parse_feed(data, "s", now=NOW)
    except FeedError as exc:
        assert "\n" not in str(exc)


# feedparser "repairs" titles that look like UTF-8 read as Latin-1 (Â¡ → ¡); the fast path keeps the text as sent,
# so the generated text leaves out the Latin-1 range where only that repair differs.
_ITEM_TEXT = st.characters(exclude_categories=["Cs", "Cc"], exclude_characters=[chr(c) for c in range(0x80, 0x100)])


@settings(max_examples=100, deadline=None)
@given(title=st.text(alphabet=_ITEM_TEXT, min_size=1, max_size=60), body=st.text(alphabet=_ITEM_TEXT, max_size=200))
def test_both_paths_agree_on_generated_items(title, body):
    from xml.sax.saxutils import escape

    xml = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>c</title><item>'
        f"<title>{escape(title)}</title><link>https://a.example/x</link><description>{escape(body)}</description>"
        "</item></channel></rss>"
    ).encode("utf-8", errors="ignore")
    fast = parse_feed(xml, "s", now=NOW)
    slow = parse_feed(xml, "s", now=NOW, use_fast_path=False)
    assert [(e.title, e.link) for e in fast.entries] == [(e.title, e.link) for e in slow.entries]


@pytest.mark.parametrize(("codec", "title"), [("gb18030", "中国经济放缓引发担忧"), ("gbk", "香港民主派人士获释"), ("cp950", "中國經濟放緩引發擔憂"), ("big5hkscs", "香港民主派人士獲釋")])
def test_undeclared_chinese_encodings_are_detected(codec, title):
    data = f'<rss version="2.0"><channel><title>{title}</title><item><title>{title}</title><link>https://a.example/1</link><description>{title}</description></item></channel></rss>'.encode(codec)
    assert parse_feed(data, "s", now=NOW).entries[0].title == title


@pytest.mark.parametrize("use_fast_path", [True, False])
def test_an_author_keeps_the_feeds_spacing_on_one_line(use_fast_path):
    # a real post of an existing mirror: `author: Neysun  A. Mahboubi, Mary Gallagher &#38; more`
    items = "".join(
        f"<item><title>t{i}</title><link>https://e.example/{i}</link><dc:creator>{author}</dc:creator></item>"
        for i, author in enumerate(["Neysun  A. Mahboubi, Mary Gallagher &amp;#38; more", " 王\u3000明\n  李\t四 ",
                                    "w@e.example  (Wang  Ming)"])
    )
    feed = ('<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>x</title>{items}</channel></rss>").encode()
    authors = [e.author for e in parse_feed(feed, "来源", now=NOW, use_fast_path=use_fast_path).entries]
    assert authors == ["Neysun  A. Mahboubi, Mary Gallagher & more", "王\u3000明 李 四", "Wang  Ming"]


@pytest.mark.parametrize("reference", ["&#xD800;", "&#55296;", "&#xDFFF;", "&#x110000;", "&#99999999;"])
def test_a_surrogate_reference_never_reaches_a_post(reference):
    # lxml refuses the reference (the feedparser path reads the feed), JSON Feed escapes give them too: none is left
    rss = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a{reference}b</title>'
           f"<link>https://e.example/1</link><description>x{reference}y</description></item></channel></rss>").encode()
    json_feed = b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "1", "url": ' \
                b'"https://e.example/1", "title": "a\\ud800b", "content_html": "x\\udfffy"}]}'
    for data in (rss, json_feed):
        (entry,) = parse_feed(data, "s").entries
        assert entry.title == "ab" and "xy" in entry.content
        (entry.title + entry.content).encode("utf-8")


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ufffe", "\uffff"])
def test_characters_xml_forbids_are_dropped_and_the_feed_read(character):
    # looked for only once lxml refuses the feed: every one of them must make it refuse
    rss = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a{character}b</title>'
           f"<link>https://e.example/1</link><description>x{character}y</description></item></channel></rss>").encode()
    (entry,) = parse_feed(rss, "s").entries
    assert (entry.title, entry.content) == ("ab", "xy")
