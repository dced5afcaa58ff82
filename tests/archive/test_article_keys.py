"""The one identity rule (`article_keys`): every key an article may already be known under, as fetch and add ask it.

Expected keys are written out by hand from the rule: the canonical address, the address asked for before redirects,
the guid per source (and as an address when it is one), and the title's fingerprint only for an article without
an address.
"""

from __future__ import annotations

import pytest

from newsmirror.archive.identity import article_keys, fingerprint_key, guid_key


def _never() -> str:
    raise AssertionError("the title was made although the article has an address")


def test_an_address_is_the_key_and_the_title_is_never_made():
    assert article_keys("http://News.example/a?utm_source=rss#top", title=_never) == ["https://news.example/a"]


def test_a_guid_is_known_per_source_and_as_an_address_when_it_is_one():
    assert article_keys("https://news.example/a", guid="tag:x,2023:1", source="大纪元", title=_never) == [
        "https://news.example/a",
        guid_key("大纪元", "tag:x,2023:1"),
    ]
    assert article_keys("https://news.example/a", guid="http://news.example/?p=7", source="美国之音") == [
        "https://news.example/a",
        guid_key("美国之音", "http://news.example/?p=7"),
        "https://news.example/?p=7",
    ]


def test_each_key_is_given_once():
    assert article_keys("https://news.example/a", guid="http://news.example/a", source="s") == [
        "https://news.example/a",
        guid_key("s", "http://news.example/a"),
    ]
    assert article_keys("https://news.example/a", redirected_from="http://news.example/a#x") == ["https://news.example/a"]


def test_the_address_asked_for_before_redirects_is_a_key_too():
    assert article_keys("https://news.example/2023/a.html", redirected_from="https://news.example/a?id=1") == [
        "https://news.example/2023/a.html",
        "https://news.example/a?id=1",
    ]


def test_an_article_without_an_address_is_known_by_its_title_as_written():
    made = []

    def title() -> str:
        made.append(1)
        return "没有链接的标题"

    keys = article_keys("", guid="42", source="法广", title=title)
    assert keys == [guid_key("法广", "42"), "fp:11eb8c2cf90d9b27a9a97f55a14d12f272043a4a"]
    assert keys[-1] == fingerprint_key("没有链接的标题") and made == [1]


def test_an_article_without_an_address_needs_its_title():
    with pytest.raises(ValueError, match="title"):
        article_keys("", guid="42", source="法广")
