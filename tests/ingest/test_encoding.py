"""One decoder, two precedences: what each kind of document believes first (ingest.encoding.PRECEDENCE)."""

from __future__ import annotations

import codecs

import pytest

from newsmirror.ingest.encoding import PRECEDENCE, codecs_for, decode

TEXT = "大纪元新闻：繁體與简体"


def test_each_kind_has_its_order_of_label_sources():
    assert PRECEDENCE["feed"].labels == ("utf-8", "xml-declaration", "http")
    assert PRECEDENCE["page"].labels == ("http", "meta", "utf-8")


def test_a_feed_believes_utf8_then_its_declaration_then_the_server():
    utf8 = f'<?xml version="1.0" encoding="gbk"?><rss>{TEXT}</rss>'.encode()
    assert decode(utf8, "feed", "big5") == decode(utf8, "feed") and decode(utf8, "feed").codec == "utf-8"
    gbk = f'<?xml version="1.0" encoding="gbk"?><rss>{TEXT}</rss>'.encode("gb18030")
    assert decode(gbk, "feed", "big5").codec == "gb18030" and TEXT in decode(gbk, "feed", "big5").text
    undeclared = f"<rss>{TEXT}</rss>".encode("gb18030")
    assert decode(undeclared, "feed", "gb2312").codec == "gb18030"


def test_a_page_believes_the_server_then_its_meta():
    page = f'<html><head><meta charset="big5"></head><body>{TEXT}</body></html>'.encode("gb18030")
    assert decode(page, "page", "gbk").codec == "gb18030" and TEXT in decode(page, "page", "gbk").text
    meta_only = f'<meta charset="gbk"><p>{TEXT}</p>'.encode("gb18030")
    assert decode(meta_only, "page").codec == "gb18030"
    assert decode("<p>Café</p>".encode(), "page", "iso-8859-1").text == "<p>CafÃ©</p>"  # the server's word, as browsers
    assert decode("<p>Café</p>".encode(), "feed", "iso-8859-1").text == "<p>Café</p>"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
     (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")],
)  # fmt: skip
def test_a_feed_byte_order_mark_decides_and_goes(bom, codec):
    decoded = decode(bom + f"<rss>{TEXT}</rss>".encode(codec), "feed", "gbk")
    assert (decoded.text, decoded.codec) == (f"<rss>{TEXT}</rss>", codec)


def test_a_feed_in_utf16_without_a_mark_is_known_by_its_first_character():
    assert decode("<rss/>".encode("utf-16-le"), "feed").text == "<rss/>"
    assert decode("<rss/>".encode("utf-16-be"), "feed").codec == "utf-16-be"


def test_a_utf16_label_counts_for_a_page_not_for_a_feed():
    data = b"<p>abc</p>"  # an even length: UTF-16 decodes it
    assert decode(data, "feed", "utf-16").codec == "utf-8"
    assert decode(data, "page", "utf-16").codec == "utf-16"


def test_a_page_keeps_only_the_utf8_mark():
    assert decode(codecs.BOM_UTF8 + TEXT.encode(), "page", "gbk").text == TEXT


def test_labels_read_as_their_supersets():
    assert codecs_for("GBK") == ["gb18030"] and codecs_for("big5") == ["cp950", "big5hkscs"]
    assert codecs_for(" 'latin1' ") == ["cp1252"] and codecs_for("no-such-codec") == [] and codecs_for(None) == []
