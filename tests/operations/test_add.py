"""`newsmirror add`: on-demand archiving end to end, and its refusal of non-public addresses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import newsmirror.ingest.http
from conftest import post_files, run_cli, write_config
from newsmirror.archive.postformat import parse_post
from newsmirror.config import load_config
from newsmirror.ingest.sanitize import html_to_text
from newsmirror.operations.add import add_urls
from pagehelpers import ARTICLES, assert_in_order, assert_no_boilerplate, expected_lines, page_bytes


def _serve(server, name):
    charset = ARTICLES[name].get("charset", "utf-8")
    return server.add(f"/news/{name}.html", page_bytes(name), content_type=f"text/html; charset={charset}")


def _posts(root):
    return [parse_post(f.read_text(encoding="utf-8")) for f in post_files(root)]


def test_add_writes_a_normal_post_and_never_twice(server, tmp_path):
    write_config(tmp_path, [])
    url = _serve(server, "rfa_tibet")
    gbk = _serve(server, "nyt_gbk_museum")

    result = run_cli("add", url, gbk, "-C", str(tmp_path), "--allow-private")

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("added ") == 2
    posts = {p.title: p for p in _posts(tmp_path)}
    post = posts[ARTICLES["rfa_tibet"]["title"]]
    assert post.link == url and post.source == "自由亚洲电台"  # the site's own name
    assert post.date == datetime(2026, 9, 1, 18, 20, tzinfo=UTC)
    assert post.author == "央宗"
    assert_in_order(expected_lines("rfa_tibet"), html_to_text(post.content))
    assert_no_boilerplate(html_to_text(post.content))
    assert_in_order(expected_lines("nyt_gbk_museum"), html_to_text(posts[ARTICLES["nyt_gbk_museum"]["title"]].content))
    assert (tmp_path / "lists" / "自由亚洲电台.md").exists()

    again = run_cli("add", url + "?utm_source=x#top", "-C", str(tmp_path), "--allow-private")
    assert again.returncode == 0, again.stderr
    assert "already archived" in again.stdout
    assert len(_posts(tmp_path)) == 2


def test_add_with_a_configured_source_uses_its_settings(server, tmp_path):
    write_config(tmp_path, [{"name": "美国之音", "url": "https://www.voachinese.com/rss", "content_selector": ".interview-body",
                             "convert": "s2t", "tags": ["访谈"]}])
    url = _serve(server, "voa_selector_interview")
    result = run_cli("add", url, "--source", "美国之音", "-C", str(tmp_path), "--allow-private", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcomes"][0]["status"] == "added"
    (post,) = _posts(tmp_path)
    assert post.source == "美国之音" and post.tags == ["访谈"]
    assert post.title == "專訪：流亡作家談寫作與記憶"  # s2t
    assert "焦點對話" not in post.content and "流亡作家老木" in post.content


def test_add_default_source_is_the_host_without_a_site_name(server, tmp_path):
    write_config(tmp_path, [])
    page = "<html><head><title>一篇文章</title></head><body><article><h1>一篇文章</h1>" + "<p>这是正文的一段，内容足够长，可以被当作文章。</p>" * 6 + "</article></body></html>"
    url = server.add("/plain.html", page, content_type="text/html; charset=utf-8")
    assert run_cli("add", url, "-C", str(tmp_path), "--allow-private").returncode == 0
    (post,) = _posts(tmp_path)
    assert post.source == "127.0.0.1" and post.title == "一篇文章"


def test_add_errors_are_clear(server, tmp_path):
    write_config(tmp_path, [])
    image = server.add("/photo.jpg", b"\xff\xd8\xff\xe0 not really", content_type="image/jpeg")
    empty = server.add("/empty.html", "<html><body><nav><a href='/'>首页</a></nav></body></html>", content_type="text/html")
    missing = server.url("/gone.html")
    result = run_cli("add", image, empty, missing, "ftp://x/y", "http://[oops", "-C", str(tmp_path), "--allow-private")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 5 and "Traceback" not in result.stderr
    assert "not an http(s) address: 'http://[oops'" in lines[4]
    assert "not an HTML page (content type image/jpeg)" in lines[0]
    assert "no article text" in lines[1]
    assert "HTTP 404" in lines[2]
    assert "not an http(s) address" in lines[3]
    assert not (tmp_path / "_posts").exists() or not list(post_files(tmp_path))


def test_add_refuses_loopback_without_allow_private(server, tmp_path):
    write_config(tmp_path, [])
    url = _serve(server, "rfa_tibet")
    result = run_cli("add", url, "-C", str(tmp_path))
    assert result.returncode == 1
    assert "refused: 127.0.0.1 resolves to the non-public address 127.0.0.1" in result.stderr
    assert server.hits.get("/news/rfa_tibet.html", 0) == 0  # refused before any request
    local = run_cli("add", url.replace("127.0.0.1", "localhost"), "-C", str(tmp_path))
    assert local.returncode == 1 and "non-public address" in local.stderr


def test_add_refuses_a_redirect_to_loopback(server, tmp_path, monkeypatch):
    """Every hop is checked. The first hop stands for a public site: the guard lets exactly that one address through
    (the local server is all a test may reach) and hands every other address to the real check."""
    write_config(tmp_path, [])
    target = _serve(server, "rfa_tibet")
    first = server.add("/go", b"", status=302, headers={"Location": target}, content_type="text/plain")
    real_check = newsmirror.ingest.http.check_public_host
    checked: list[str] = []

    async def guard(url: str, *rest) -> None:
        checked.append(url)
        if url == first:
            return  # stands for a public address
        await real_check(url, *rest)

    monkeypatch.setattr(newsmirror.ingest.http, "check_public_host", guard)
    report = add_urls(load_config(tmp_path), [first])

    (outcome,) = report.outcomes
    assert outcome.status == "error"
    assert outcome.message == "refused: 127.0.0.1 resolves to the non-public address 127.0.0.1 (use --allow-private)"
    assert checked == [first, target]
    assert server.hits.get("/go") == 1 and server.hits.get("/news/rfa_tibet.html", 0) == 0
    assert not (tmp_path / "_posts").exists()

    allowed = add_urls(load_config(tmp_path), [first], allow_private=True)
    assert allowed.outcomes[0].status == "added"


@pytest.mark.parametrize("address", ["http://10.0.0.1/a", "http://169.254.169.254/latest/meta-data/", "http://[::1]/x",
                                     "http://192.168.1.1/", "http://0.0.0.0/"])
def test_add_refuses_private_and_link_local_addresses(tmp_path, address):
    write_config(tmp_path, [])
    (outcome,) = add_urls(load_config(tmp_path), [address]).outcomes
    assert outcome.status == "error" and "non-public address" in outcome.message
