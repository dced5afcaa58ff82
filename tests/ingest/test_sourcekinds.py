"""The source kinds' settings (config.py) and the RSSHub instance choice (ingest/kinds.py): one-line errors naming
the source, the order instances are asked in, and the address guard on every instance's answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import LocalServer
from newsmirror.config import (
    ConfigError,
    FetchConfig,
    ListConfig,
    SourceConfig,
    parse_config,
    source_kind,
    source_to_toml,
    telegram_channel,
)
from newsmirror.ingest.http import Fetcher
from newsmirror.ingest.kinds import INSTANCE_REMEMBERED_FOR, fetch_document, instance_order
from newsmirror.models import FetchError

PATH = Path("newsmirror.toml")


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, PATH)
    return caught.value.problems


def test_each_kind_is_told_by_its_address():
    assert source_kind(SourceConfig("a", "https://x.example/feed")) == "feed"
    assert source_kind(SourceConfig("a", "rsshub:/matters/author/x")) == "rsshub"
    assert source_kind(SourceConfig("a", "https://t.me/s/durov")) == "telegram"
    assert source_kind(SourceConfig("a", "https://x.example/", list_page=ListConfig(item="li"))) == "list"
    assert [telegram_channel(u) for u in ("https://t.me/s/durov", "https://telegram.me/s/durov/", "https://t.me/durov",
                                          "http://t.me/s/durov", "https://t.me/s/du", "https://t.me/s/durov?before=5",
                                          "https://evil.example/s/durov")] == ["durov", "durov", "", "", "", "", ""]  # fmt: skip


def test_a_list_table_is_read_and_written_back():
    text = '[[sources]]\nname = "页"\nurl = "https://x.example/"\n[sources.list]\nitem = "li"\ndate = "span.t"\ndate_format = "%Y年%m月%d日"\n'
    (source,) = parse_config(text, PATH).sources
    assert source.list_page == ListConfig(item="li", date="span.t", date_format="%Y年%m月%d日")
    assert source_to_toml(source) == text
    assert parse_config(source_to_toml(source), PATH).sources == [source]


def test_bad_settings_are_one_line_each_naming_the_source():
    text = """
[fetch]
rsshub = ["ftp://rsshub.example", "https://ok.example"]
telegram = "t.me"
[[sources]]
name = "路由"
url = "rsshub:"
[[sources]]
name = "频道"
url = "https://t.me/durov"
[[sources]]
name = "页"
url = "https://x.example/"
[sources.list]
item = "li:nth-child(q)"
title = ">>"
date_format = "yyyy-mm-dd"
timezone = "Beijing"
colour = "red"
[[sources]]
name = "没有条目"
url = "https://y.example/"
[sources.list]
link = "a"
[[sources]]
name = "频道加选择器"
url = "https://t.me/s/durov"
[sources.list]
item = "div"
[[sources]]
name = "旧名"
url = "https://z.example/"
list_page = {item = "li"}
"""
    assert problems(text) == [
        "newsmirror.toml [fetch]: rsshub instance 'ftp://rsshub.example' is not an http(s) address",
        "newsmirror.toml [fetch]: telegram = 't.me' is not an http(s) address",
        "newsmirror.toml source '路由': url 'rsshub:' is not an RSSHub route (e.g. \"rsshub:/matters/author/name\")",
        "newsmirror.toml source '频道': url 'https://t.me/durov': a Telegram channel is read from its public preview, https://t.me/s/<channel>",
        "newsmirror.toml source '页' [list]: unknown key 'colour'",
        "newsmirror.toml source '没有条目' [list]: missing required key 'item'",
        "newsmirror.toml source '频道加选择器': a Telegram channel is read without [sources.list] selectors",
        "newsmirror.toml source '旧名': unknown key 'list_page' (the selectors go in a [sources.list] table)",
    ]  # fmt: skip
    fixed = text.replace('colour = "red"\n', "")
    assert [p for p in problems(fixed) if "'页'" in p] == [
        "newsmirror.toml source '页' [list]: item = 'li:nth-child(q)' is not a CSS selector (Invalid series: '[<IDENT 'q' at 13>]')",
        "newsmirror.toml source '页' [list]: title = '>>' is not a CSS selector (Expected selector, got <DELIM '>' at 0>)",
        "newsmirror.toml source '页' [list]: date_format = 'yyyy-mm-dd' has no strptime directive (e.g. \"%Y年%m月%d日 %H:%M\")",
        "newsmirror.toml source '页' [list]: timezone = 'Beijing' is not an IANA time zone (e.g. \"Asia/Shanghai\")",
    ]  # fmt: skip
    assert problems('[fetch]\nrsshub = []\n[[sources]]\nname = "r"\nurl = "rsshub:/a/b"\n') == [
        "newsmirror.toml source 'r': an RSSHub route needs instances in [fetch] rsshub"]


def test_the_instance_that_answered_goes_first_for_a_day():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    instances = ["https://own.example", "https://a.example", "https://b.example"]
    assert instance_order(instances) == instances
    assert instance_order(instances, "https://b.example", now - timedelta(hours=2), now) == [
        "https://b.example", "https://own.example", "https://a.example"]
    assert instance_order(instances, "https://b.example", now - INSTANCE_REMEMBERED_FOR, now) == instances
    assert instance_order(instances, "https://gone.example", now, now) == instances  # no longer in the settings


def fetch_route(settings: FetchConfig, route: str = "rsshub:/r/x"):
    async def main():
        async with Fetcher(settings, backoff=0.01) as fetcher:
            return await fetch_document(fetcher, SourceConfig("r", route), settings)

    return asyncio.run(main())


FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><link>https://e.example/a</link></item></channel></rss>'


def test_an_instance_redirecting_to_a_private_address_is_refused_and_the_next_asked(server):
    internal = LocalServer(host="127.0.0.2").start()
    try:
        internal.add("/secret", "internal data", content_type="application/xml")

        def redirect(handler):
            handler.send_response(302)
            handler.send_header("Location", internal.url("/secret"))
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        server.add("/bad/r/x", handler=redirect)
        server.add("/good/r/x", FEED)
        settings = FetchConfig(rsshub=[server.url("/bad"), server.url("/good")], retries=0)
        document = fetch_route(settings)
        assert document.instance == server.url("/good") and document.key == server.url("/good/r/x")
        assert document.failures == [f"{server.url('/bad')}: refused: 127.0.0.2 resolves to the non-public address "
                                     "127.0.0.2 (allow it with allow_private)"]  # fmt: skip
        assert internal.hits == {}  # the instance is the operator's; where it sends us is not
        with pytest.raises(FetchError, match="no RSSHub instance gave the feed"):
            fetch_route(FetchConfig(rsshub=[server.url("/bad")], retries=0))
    finally:
        internal.stop()


def test_a_forbidden_or_failing_instance_is_passed_over_without_retries(server):
    server.add("/a/r/x", "blocked", status=403, content_type="text/plain")
    server.add("/b/r/x", "down", status=502, content_type="text/plain")
    server.add("/c/r/x", FEED)
    settings = FetchConfig(rsshub=[server.url("/a"), server.url("/b"), server.url("/c")], retries=3)
    document = fetch_route(settings)
    assert document.instance == server.url("/c")
    assert document.failures == [f"{server.url('/a')}: HTTP 403 Forbidden", f"{server.url('/b')}: HTTP 502 Bad Gateway"]
    assert server.hits == {"/a/r/x": 1, "/b/r/x": 1, "/c/r/x": 1}
