"""Article identity: the canonical address, the guid and fingerprint keys, and the allocation of post file names.

Every expected value is written out by hand: what the README promises (tracking parameters and fragments dropped,
the same canonical address or the same guid is the same article), not what the code happens to return.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

import pytest

from conftest import post_files, post_path, run_cli, write_config
from newsmirror.archive.identity import canonical_url, fingerprint_key, guid_key
from newsmirror.archive.layout import Archive, ArchiveError
from newsmirror.archive.postformat import parse_post
from newsmirror.models import Article
from pagehelpers import rss

# ---------------------------------------------------------------------------------------------------------------
# canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # the query string is part of the identity: two articles of one script stay two
        ("https://news.example/article?id=1", "https://news.example/article?id=1"),
        ("https://news.example/article?id=2", "https://news.example/article?id=2"),
        # http and https, host case, white space around, the fragment: one article
        (" http://News.EXAMPLE/Article?id=1#comments ", "https://news.example/Article?id=1"),
        # default ports go, whichever scheme; any other port is part of the address
        ("http://news.example:80/a", "https://news.example/a"),
        ("https://news.example:443/a", "https://news.example/a"),
        ("http://news.example:443/a", "https://news.example/a"),
        ("https://news.example:8443/a", "https://news.example:8443/a"),
        ("http://news.example:8080/a", "https://news.example:8080/a"),
        # a trailing dot names the same host
        ("https://news.example./a", "https://news.example/a"),
        ("https://NEWS.example.:80/a", "https://news.example/a"),
        # no path is the root
        ("https://news.example", "https://news.example/"),
        ("https://news.example?id=1", "https://news.example/?id=1"),
        # parameters in one order, blank ones kept, spellings of one value made one
        ("https://news.example/a?b=2&a=1", "https://news.example/a?a=1&b=2"),
        ("https://news.example/a?flag=&b=1", "https://news.example/a?b=1&flag="),
        ("https://news.example/a?q=a+b", "https://news.example/a?q=a+b"),
        ("https://news.example/a?q=a%20b", "https://news.example/a?q=a+b"),
        # the path: percent-encoded the one way, sub-delimiters as written
        ("https://news.example/中文/页", "https://news.example/%E4%B8%AD%E6%96%87/%E9%A1%B5"),
        ("https://news.example/%e4%b8%ad%e6%96%87/%E9%A1%B5", "https://news.example/%E4%B8%AD%E6%96%87/%E9%A1%B5"),
        ("https://news.example/a:b@c(d)!$&'*+,;=~-._", "https://news.example/a:b@c(d)!$&'*+,;=~-._"),
        ("https://news.example/a b", "https://news.example/a%20b"),
    ],
)
def test_canonical_address(url, canonical):
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=rss", "UTM_Source=rss", "utm_medium=feed&utm_campaign=x", "fbclid=1", "FBCLID=1", "gclid=1",
        "rss=1", "RSS=1", "feed=1", "Feed=1", "from_rss=1", "spm=a.b", "ref_src=twsrc", "__twitter_impression=true",
        "wt.mc_id=x", "mc_cid=1&mc_eid=2",
    ],
)  # fmt: skip
def test_tracking_parameters_are_dropped_in_any_case(query):
    assert canonical_url(f"https://news.example/a?id=7&{query}") == "https://news.example/a?id=7"
    assert canonical_url(f"https://news.example/a?{query}") == "https://news.example/a"


@pytest.mark.parametrize("name", ["rss_id", "feeds", "utm", "myfeed", "source", "ref"])
def test_parameters_that_only_look_like_tracking_are_kept(name):
    assert canonical_url(f"https://news.example/a?{name}=1") == f"https://news.example/a?{name}=1"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://news.example/a?utm_source=rss",  # not the web: kept exactly
        "mailto:editor@news.example",
        "http:///a?utm_source=rss",  # no host
        "http://news.example:99999/a?utm_source=rss",  # no such port: urlsplit refuses it
        "http://[::1/a?utm_source=rss",  # an unclosed IPv6 literal
        "news.example/a?utm_source=rss",  # no scheme
    ],
)
def test_addresses_that_are_no_web_address_are_kept_as_written(url):
    assert canonical_url(url) == url
    assert canonical_url(f"  {url}\n") == url


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_no_address_has_no_identity(blank):
    assert canonical_url(blank) == ""


# ---------------------------------------------------------------------------------------------------------------
# guid and fingerprint keys: stored in the cache, so their form is a file format


def test_guid_keys_are_per_source():
    assert guid_key("大纪元", "tag:x,2023:1") == "guid:大纪元\x1ftag:x,2023:1"
    assert guid_key("大纪元", "1") != guid_key("美国之音", "1")


def test_fingerprint_keys_are_the_sha1_of_the_title_as_written():
    assert fingerprint_key("没有链接的标题") == "fp:11eb8c2cf90d9b27a9a97f55a14d12f272043a4a"
    assert fingerprint_key("") == "fp:da39a3ee5e6b4b0d3255bfef95601890afd80709"


# ---------------------------------------------------------------------------------------------------------------
# Name allocation


def article(title: str = "标题", **changes) -> Article:
    values = dict(
        title=title,
        date=datetime(2023, 10, 28, 18, 43, 48, tzinfo=UTC),
        author="作者",
        link="https://news.example/a",
        source="来源",
        content="<p>正文</p>",
    )
    values.update(changes)
    return Article(**values)


POST_TEXT = """---
layout: post
title: "标题"
date: 2023-10-28T18:43:48.000Z
author: 作者
from: https://news.example/a
tags: [ 来源 ]
comments: True
categories: [ 来源 ]
---
<!--1698518628000-->
[标题](https://news.example/a)
------

<div>
<p>正文</p>
</div>
"""


def test_a_post_is_written_whole_under_its_name(tmp_path):
    archive = Archive(tmp_path / "new" / "archive")  # neither folder exists yet
    path = archive.write_post(article())
    assert path == tmp_path / "new" / "archive" / "_posts" / "2023" / "10" / "2023-10-28-标题.md"
    assert path.read_bytes() == POST_TEXT.encode("utf-8")


def test_the_archive_layout(tmp_path):
    archive = Archive(tmp_path)
    assert (archive.root, archive.posts_dir, archive.archived_dir, archive.state_dir) == (
        tmp_path, tmp_path / "_posts", tmp_path / "archived", tmp_path / ".newsmirror")


def test_taken_names_get_2_3_and_never_replace_a_post(tmp_path):
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2023-10-28-标题.md").write_text("an older post", encoding="utf-8")
    archive = Archive(tmp_path)
    names = [archive.write_post(article(link=f"https://news.example/{i}")).name for i in range(3)]
    assert names == ["2023-10-28-标题-2.md", "2023-10-28-标题-3.md", "2023-10-28-标题-4.md"]
    assert (tmp_path / "_posts" / "2023-10-28-标题.md").read_text(encoding="utf-8") == "an older post"


def test_names_differing_only_in_case_are_taken(tmp_path):
    """A clone on macOS or Windows would see one file for two names that differ only in case."""
    archive = Archive(tmp_path)
    assert archive.write_post(article("Title")).name == "2023-10-28-Title.md"
    assert archive.write_post(article("TITLE")).name == "2023-10-28-TITLE-2.md"
    assert archive.write_post(article("title")).name == "2023-10-28-title-3.md"
    again = Archive(tmp_path)  # a later run reads the names from the folder
    assert again.write_post(article("tItLe")).name == "2023-10-28-tItLe-4.md"


def test_a_name_taken_after_the_folder_was_read_is_not_used_in_any_case(tmp_path):
    archive = Archive(tmp_path)
    assert archive.write_post(article("Other")).name == "2023-10-28-Other.md"  # the folder is read now
    post_path(tmp_path, "2023-10-28-Title.md").write_text("written by someone else", encoding="utf-8")
    assert archive.write_post(article("Title")).name == "2023-10-28-Title-2.md"
    assert archive.write_post(article("TITLE")).name == "2023-10-28-TITLE-3.md"
    assert post_path(tmp_path, "2023-10-28-Title.md").read_text(encoding="utf-8") == "written by someone else"


def test_when_every_suffix_is_taken_the_write_fails_with_the_name(tmp_path):
    posts = tmp_path / "_posts"
    posts.mkdir()
    for suffix in range(1, 10_000):
        name = "2023-10-28-T.md" if suffix == 1 else f"2023-10-28-T-{suffix}.md"
        os.close(os.open(posts / name, os.O_CREAT | os.O_WRONLY, 0o644))
    with pytest.raises(ArchiveError) as raised:
        Archive(tmp_path).write_post(article("T"))
    assert str(raised.value) == "no free file name for '2023-10-28-T.md'"
    assert len(os.listdir(posts)) == 9_999


# ---------------------------------------------------------------------------------------------------------------
# Through the command


def _item(title: str, link: str, day: int) -> dict:
    return {"title": title, "link": link, "description": f"<p>{title}的正文</p>",
            "date": datetime(2023, 11, day, 8, 0, tzinfo=UTC)}  # fmt: skip


def _linkless(title: str, guid: str) -> str:
    return (f"<item><title>{title}</title><guid isPermaLink=\"false\">{guid}</guid>"
            f"<pubDate>Mon, 06 Nov 2023 08:00:00 GMT</pubDate><description>&lt;p&gt;{title}&lt;/p&gt;</description></item>")  # fmt: skip


def test_fetch_keeps_articles_apart_by_query_and_port_and_merges_decorated_addresses(server, tmp_path):
    first = [
        _item("第一篇", "https://news.example/article?id=1", 1),
        _item("第二篇", "https://news.example/article?id=2", 2),
        _item("另一个端口", "https://news.example:8443/article?id=1", 3),
    ]
    feed = rss(first).replace("</channel>", _linkless("没有链接", "tag:news.example,2023:9") + "</channel>")
    server.add("/feed.xml", feed)
    write_config(tmp_path, [{"name": "新闻", "url": server.url("/feed.xml")}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    written = [p.name for p in post_files(tmp_path)]
    assert written == ["2023-11-01-第一篇.md", "2023-11-02-第二篇.md", "2023-11-03-另一个端口.md", "2023-11-06-没有链接.md"]
    assert parse_post(post_path(tmp_path, "2023-11-02-第二篇.md").read_text(encoding="utf-8")).link == "https://news.example/article?id=2"

    # The same articles, their addresses decorated; the link-less one retitled under the same guid; one new one.
    again = [
        _item("第一篇（重复）", "http://NEWS.example:80/article?id=1&utm_source=rss&UTM_Medium=feed#top", 1),
        _item("第二篇（重复）", "https://news.example./article?rss=1&id=2&Feed=x", 2),
        _item("第三篇", "https://news.example/article?id=3", 4),
    ]
    feed = rss(again).replace("</channel>", _linkless("没有链接（改了标题）", "tag:news.example,2023:9") + "</channel>")
    server.add("/feed.xml", feed)
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert sorted(p.name for p in post_files(tmp_path)) == sorted([*written, "2023-11-04-第三篇.md"])

    # Without the cache, the posts' from: lines say what is archived already.
    shutil.rmtree(tmp_path / ".newsmirror")
    server.add("/feed.xml", rss(again))
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert sorted(p.name for p in post_files(tmp_path)) == sorted([*written, "2023-11-04-第三篇.md"])


def test_a_title_fingerprint_ignores_spacing_so_posts_written_with_folded_titles_are_still_found():
    """Titles were written with whitespace folded before issue 10; an item without a link whose title has a
    double space or U+3000 must find the post written then, not be written again."""
    assert fingerprint_key("韓戰 02  志願軍") == fingerprint_key("韓戰 02 志願軍")
    assert fingerprint_key("台灣\u3000只是") == fingerprint_key("台灣 只是") == fingerprint_key(" 台灣 只是 ")
    assert fingerprint_key("台灣只是") != fingerprint_key("台灣 只是")
