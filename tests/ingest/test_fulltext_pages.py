"""Full text end to end: a feed of summaries, article pages served from 127.0.0.1, `newsmirror fetch`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from conftest import post_files, run_cli, write_config
from newsmirror.archive.postformat import parse_post
from newsmirror.ingest.sanitize import html_to_text
from pagehelpers import (
    ARTICLES,
    REMOVE_SELECTORS,
    SELECTORS,
    assert_in_order,
    assert_no_boilerplate,
    expected_lines,
    page_bytes,
    rss,
)


def _serve_pages(server, names):
    items = []
    for index, name in enumerate(names):
        charset = ARTICLES[name].get("charset", "utf-8")
        # GBK pages are served the way old sites serve them: the charset named only in the HTTP header.
        link = server.add(f"/news/{name}.html", page_bytes(name), content_type=f"text/html; charset={charset}")
        summary = ARTICLES[name]["blocks"][0][1][:40] + "…"
        items.append({"title": ARTICLES[name]["title"], "link": link, "description": f"<p>{summary}</p>",
                      "date": datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=index)})
    return items


def _posts(root):
    return {p.title: p for p in (parse_post(f.read_text(encoding="utf-8")) for f in post_files(root))}


def test_auto_full_text_holds_every_paragraph_and_no_boilerplate(server, tmp_path):
    configured = sorted({*SELECTORS, *REMOVE_SELECTORS})  # pages of sites with their own settings
    names = [n for n in sorted(ARTICLES) if n not in configured]
    sources = [{"name": "新闻", "url": server.add("/feed.xml", rss(_serve_pages(server, names))), "fulltext": "auto"}]
    for index, name in enumerate(configured):
        feed = server.add(f"/site{index}.xml", rss(_serve_pages(server, [name])))
        sources.append({"name": f"站点{index}", "url": feed, "fulltext": "always", "content_selector": SELECTORS.get(name, ""),
                        "remove_selectors": REMOVE_SELECTORS.get(name, [])})  # fmt: skip
    write_config(tmp_path, sources)

    result = run_cli("fetch", "-C", str(tmp_path), "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [w for s in report["sources"] for w in s["warnings"]] == []
    posts = _posts(tmp_path)
    assert len(posts) == len(ARTICLES)
    for name, article in ARTICLES.items():
        post = posts[article["title"]]
        text = html_to_text(post.content)
        assert_in_order(expected_lines(name), text)
        assert_no_boilerplate(text)
        assert "<script" not in post.content and "onerror" not in post.content


def test_fallback_to_feed_content_is_reported(server, tmp_path):
    long_feed_text = "<p>" + "完整的正文内容。" * 80 + "</p>"
    items = [
        {"title": "页面不存在", "link": server.url("/missing.html"), "description": "<p>摘要……</p>",
         "date": datetime(2026, 11, 1, tzinfo=UTC)},
        {"title": "页面更短", "link": server.add("/short.html", "<html><body><article><p>只有一句话，比摘要还短的页面正文。</p></article></body></html>",
                                              content_type="text/html; charset=utf-8"),
         "description": long_feed_text, "date": datetime(2026, 11, 2, tzinfo=UTC)},
        {"title": "不是网页", "link": server.add("/file.pdf", b"%PDF-1.4", content_type="application/pdf"),
         "description": "<p>摘要</p>", "date": datetime(2026, 11, 3, tzinfo=UTC)},
    ]
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", rss(items)), "fulltext": "always"}])

    result = run_cli("fetch", "-C", str(tmp_path), "--json")

    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["sources"][0]["warnings"]
    assert len(warnings) == 3
    assert any("missing.html" in w and "HTTP 404" in w and "kept the feed's content" in w for w in warnings)
    assert any("short.html" in w and "the page gave" in w for w in warnings)
    assert any("file.pdf" in w and "not an HTML page" in w for w in warnings)
    posts = _posts(tmp_path)
    assert posts["页面不存在"].content == "<p>摘要……</p>"
    assert "完整的正文内容" in posts["页面更短"].content and "只有一句话" not in posts["页面更短"].content


def test_never_and_auto_leave_full_feed_content_alone(server, tmp_path):
    page = server.add("/a.html", page_bytes("bbc_heatwave"), content_type="text/html; charset=utf-8")
    full = "<p>" + "这是一篇完整的文章。" * 120 + "</p>"
    items = [{"title": "完整", "link": page, "description": full, "date": datetime(2026, 11, 1, tzinfo=UTC)}]
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", rss(items)), "fulltext": "auto"}])

    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert server.hits.get("/a.html", 0) == 0  # the feed was complete: the page was never asked for
    assert "这是一篇完整的文章" in next(iter(_posts(tmp_path).values())).content


def test_convert_applies_to_full_text(server, tmp_path):
    traditional = ("<html><head><meta charset='utf-8'><title>臺灣選舉結果出爐</title></head><body><article><h1>臺灣選舉結果出爐</h1>"
                   + "<p>這是一篇關於臺灣選舉的報導，選民們踴躍投票，投票率創下歷史新高。</p>" * 8 + "</article></body></html>")
    link = server.add("/tw.html", traditional, content_type="text/html; charset=utf-8")
    items = [{"title": "臺灣選舉結果出爐", "link": link, "description": "<p>摘要</p>", "date": datetime(2026, 11, 1, tzinfo=UTC)}]
    write_config(tmp_path, [{"name": "源", "url": server.add("/feed.xml", rss(items)), "fulltext": "always", "convert": "t2s"}])

    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    post = next(iter(_posts(tmp_path).values()))
    assert post.title == "台湾选举结果出炉"
    assert "这是一篇关于台湾选举的报导，选民们踊跃投票" in post.content and "這是" not in post.content
