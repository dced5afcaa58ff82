"""The address guard (issue 18, finding 1): what third-party addresses may reach, checked on every hop, through
the real `newsmirror fetch` against two loopback hosts: 127.0.0.1 serves the feed, 127.0.0.2 stands for a
service on the operator's network."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime

import pytest

from conftest import LocalServer, post_files, run_cli, write_config
from imagehelpers import png
from newsmirror.archive.postformat import parse_post
from newsmirror.config import ConfigError, FetchConfig, SourceConfig, parse_config
from newsmirror.ingest.guard import AddressGuard, _is_public_address, source_guard
from pagehelpers import rss as _rss

SECRET = "<html><body><article><p>" + "内网页面的机密内容，绝不能出现在镜像里。" * 40 + "</p></article></body></html>"


@pytest.fixture
def internal():
    local = LocalServer(host="127.0.0.2").start()
    yield local
    local.stop()


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "168.63.129.16", "100.64.0.1",
     "0.0.0.0", "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "64:ff9b::a00:1", "64:ff9b::808:808",
     "2002:a00:1::1", "2002:808:808::1", "::7f00:1", "::a00:1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "ff02::1",
     "224.0.0.1", "fec0::1"],
)
def test_non_public_addresses(address):
    assert not _is_public_address(address)
    assert not AddressGuard().permits(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "151.101.1.69"])
def test_public_addresses(address):
    assert _is_public_address(address) and AddressGuard().permits(address)


def test_the_allowlist_takes_hosts_domains_addresses_and_networks():
    guard = source_guard(
        FetchConfig(allow_private=["10.1.0.0/16", "*.corp.example", "wiki.lan", "fd12::/16"]),
        SourceConfig(name="s", url="http://feeds.intranet:8080/rss", allow_private=["192.168.7.7"]),
    )
    assert guard.trusts("feeds.intranet") and guard.trusts("FEEDS.INTRANET.")  # the feed's own host
    assert guard.trusts("a.corp.example") and guard.trusts("wiki.lan")
    assert not guard.trusts("corp.example.evil") and not guard.trusts("evilcorp.example") and not guard.trusts("lan")
    assert guard.permits("10.1.255.1") and guard.permits("192.168.7.7") and guard.permits("fd12::5")
    assert not guard.permits("10.2.0.1") and not guard.permits("192.168.7.8") and not guard.permits("127.0.0.1")
    assert guard.permits(str(ipaddress.ip_address("::ffff:10.1.0.9")))  # mapped addresses are read as IPv4


def test_allowlist_entries_are_checked_with_the_settings(tmp_path):
    text = (
        '[fetch]\nallow_private = ["10.0.0.0/8", "not a host"]\n'
        '[[sources]]\nname = "s"\nurl = "https://example.org/feed"\nallow_private = ["http://x/"]\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "newsmirror.toml")
    assert caught.value.problems == [
        f"{tmp_path / 'newsmirror.toml'} [fetch]: allow_private: 'not a host' is not a host name, *.domain, IP address or network",
        f"{tmp_path / 'newsmirror.toml'} source 's': allow_private: 'http://x/' is not a host name, *.domain, IP address or network",
    ]


def _fetch(root):
    result = run_cli("fetch", "-C", str(root), "--json")
    assert result.returncode == 0, result.stderr
    (source,) = json.loads(result.stdout)["sources"]
    posts = [parse_post(p.read_text(encoding="utf-8")) for p in post_files(root)]
    return source, posts


def test_full_text_and_images_on_the_internal_host_are_refused(server, internal, tmp_path):
    admin = internal.add("/admin", SECRET, content_type="text/html")
    picture = internal.add("/cam.png", png(7), content_type="image/png")
    hop = server.add("/r", handler=_redirect(admin))
    items = [
        {"title": "内网链接", "link": admin, "description": "<p>摘要一</p>"},
        {"title": "同主机重定向", "link": hop, "description": f'<p>摘要二</p><img src="{picture}">'},
    ]
    feed = server.add("/feed.xml", rss(items))
    write_config(tmp_path, [{"name": "源", "url": feed, "fulltext": "always", "mirror_images": True}], extra="[fetch]\nretries = 0")

    report, posts = _fetch(tmp_path)

    assert internal.hits == {}  # not one request reached 127.0.0.2
    assert server.hits.get("/r") == 1  # the feed's own host is the operator's: its page was asked for
    assert sorted(p.title for p in posts) == ["内网链接", "同主机重定向"]
    assert all("机密" not in p.content for p in posts)
    refused = [w for w in report["warnings"] if "refused: 127.0.0.2 resolves to the non-public address 127.0.0.2" in w]
    assert len(refused) == 3, report["warnings"]  # two pages (the second after its redirect) and the image
    assert all("(allow it with allow_private)" in w for w in refused)


def test_a_source_allowlist_lets_its_own_items_through(server, internal, tmp_path):
    admin = internal.add("/admin", SECRET, content_type="text/html")
    feed = server.add("/feed.xml", rss([{"title": "允许的内网文章", "link": admin, "description": "<p>摘要</p>"}]))
    write_config(tmp_path, [{"name": "源", "url": feed, "fulltext": "always", "allow_private": ["127.0.0.2/32"]}])

    report, (post,) = _fetch(tmp_path)

    assert internal.hits == {"/admin": 1} and "机密" in post.content and not report["warnings"]


def test_fetch_allowlist_by_host_name(server, internal, tmp_path):
    """[fetch] allow_private by name: 'localhost' resolves to loopback, and only that name is let through."""
    admin = internal.add("/admin", SECRET, content_type="text/html")
    page = LocalServer(host="127.0.0.1")  # 'localhost' must answer on 127.0.0.1: serve the page there too
    page.add("/admin", SECRET, content_type="text/html")
    page.start()
    try:
        by_name = page.url("/admin").replace("127.0.0.1", "localhost")
        items = [{"title": "按名字允许", "link": by_name, "description": "<p>摘要</p>"},
                 {"title": "地址不在名单上", "link": admin, "description": "<p>摘要</p>"}]
        feed = server.add("/feed.xml", rss(items))
        write_config(tmp_path, [{"name": "源", "url": feed, "fulltext": "always"}],
                     extra='[fetch]\nretries = 0\nallow_private = ["localhost"]')
        _report, posts = _fetch(tmp_path)
    finally:
        page.stop()
    contents = {p.title: p.content for p in posts}
    assert "机密" in contents["按名字允许"] and "机密" not in contents["地址不在名单上"]
    assert internal.hits == {} and page.hits == {"/admin": 1}


def test_a_feed_redirected_to_the_internal_host_is_one_error_line(server, internal, tmp_path):
    internal.add("/feed.xml", rss([{"title": "不该读到", "link": "https://example.org/a"}]))
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", handler=_redirect(internal.url("/feed.xml")))}])
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert result.returncode == 1
    (source,) = json.loads(result.stdout)["sources"]
    assert source["errors"] == ["refused: 127.0.0.2 resolves to the non-public address 127.0.0.2 (allow it with allow_private)"]
    assert internal.hits == {}
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert line.endswith(source["errors"][0]) and " 源 (" in line


def rss(items: list[dict]) -> str:
    return _rss([{"date": datetime(2026, 11, 1, tzinfo=UTC), "description": "<p>x</p>", **item} for item in items])


def _redirect(location: str):
    def handler(h) -> None:
        h.send_response(302)
        h.send_header("Location", location)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return handler
