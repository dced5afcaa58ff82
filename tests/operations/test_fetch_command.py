"""`newsmirror fetch` end to end against a real local server: formats, dedup, state rebuilds, broken sources."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from conftest import FIXTURES, GOLDEN_FEED, GOLDEN_NAME, post_files, post_path, run_cli, write_config
from newsmirror.archive.postformat import parse_post

FEEDS = FIXTURES / "feeds"


def serve_fixture(server, name: str, **options) -> str:
    content_type = "application/feed+json" if name.endswith(".json") else "application/xml"
    return server.add(f"/{name}", (FEEDS / name).read_bytes(), content_type=content_type, **options)


def posts(root):
    return sorted(p.name for p in post_files(root))


def read(root, name):
    return parse_post(post_path(root, name).read_text(encoding="utf-8"))


@pytest.fixture
def archive(server, tmp_path):
    """An archive with one source per fixture format."""
    sources = [
        {"name": "大纪元", "url": server.add("/golden.xml", GOLDEN_FEED.read_bytes())},
        {"name": "美国之音", "url": serve_fixture(server, "rss2.xml")},
        {"name": "德国之声", "url": serve_fixture(server, "rss1.xml")},
        {"name": "中国数字时代", "url": serve_fixture(server, "atom.xml")},
        {"name": "端传媒", "url": serve_fixture(server, "jsonfeed.json")},
        {"name": "新闻频道", "url": serve_fixture(server, "youtube.xml")},
        # served as text/xml with no charset, and no encoding declaration either
        {"name": "自由亚洲电台", "url": serve_fixture(server, "gbk-undeclared.xml")},
        {"name": "自由亞洲電台", "url": serve_fixture(server, "big5-declared.xml"), "convert": "t2s"},
        {"name": "法广", "url": serve_fixture(server, "dates.xml")},
        {"name": "纽约时报中文网", "url": serve_fixture(server, "duplicates.xml")},
    ]
    write_config(tmp_path, sources)
    return tmp_path


def test_every_format_becomes_posts_and_a_rerun_writes_nothing(archive, server):
    result = run_cli("fetch", "-C", str(archive), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    by_name = {s["name"]: s for s in report["sources"]}
    assert all(s["status"] == "ok" for s in report["sources"]), report
    names = posts(archive)
    assert GOLDEN_NAME in names
    assert "2023-11-01-美国国会通过新法案：加强对华出口管制.md" in names
    assert "2023-11-03-德国总理访问北京.md" in names
    assert "2023-11-05-【网络民议】“躺平”之后.md" in names
    assert "2023-11-05-香港的十一月.md" in names
    assert "2023-11-07-【直播】今日新闻 11月7日.md" in names
    assert "2023-11-08-中国经济放缓引发担忧.md" in names  # GBK, undeclared
    assert "2023-11-08-中国经济放缓引发担忧-2.md" in names  # Big5 converted to Simplified: same name, suffixed

    pair = [read(archive, n) for n in ("2023-11-08-中国经济放缓引发担忧.md", "2023-11-08-中国经济放缓引发担忧-2.md")]
    (converted,) = [p for p in pair if p.source == "自由亞洲電台"]
    assert converted.title == "中国经济放缓引发担忧" and "中国国家统计局公布的数据" in converted.content

    voa = read(archive, "2023-11-01-美国国会通过新法案：加强对华出口管制.md")
    assert voa.author == "李文" and voa.source == "美国之音"
    assert voa.link.endswith("7335123.html?utm_source=rss&utm_medium=feed")  # kept as the feed gave it
    assert voa.content == "<p>美国国会周二以压倒性多数通过一项法案，加强对中国的出口管制。</p><p>法案要求商务部每年向国会报告执行情况。</p>"
    second = read(archive, "2023-11-02-Taiwan & the ＂status quo＂： 专家解读.md")
    assert second.title == 'Taiwan & the "status quo": 专家解读'
    assert 'href="https://www.voachinese.com/a/more.html"' in second.content  # relative link made absolute

    dw = read(archive, "2023-11-04-欧盟讨论电动车关税.md")
    assert dw.author == "德国之声"  # no author in the item: the source name

    # dates: missing / future / unparseable → the run's time; the normal one kept
    run_day = datetime.now(UTC).strftime("%Y-%m-%d")
    for title in ("没有日期的文章", "未来日期的文章", "无法解析的日期"):
        assert f"{run_day}-{title}.md" in names
    assert "2023-11-06-正常日期.md" in names

    # duplicates: same guid, tracking parameters and fragments → one post; a different article with the same
    # title and date → a second post with a suffix
    nyt = [n for n in names if "同一篇文章" in n]
    assert nyt == ["2023-11-09-同一篇文章-2.md", "2023-11-09-同一篇文章.md"]
    assert by_name["纽约时报中文网"]["new"] == 2 and by_name["纽约时报中文网"]["existing"] == 2

    # lists and the sources table
    assert (archive / "lists" / "美国之音.md").read_text(encoding="utf-8").count("\n- ") == 2
    assert "| [大纪元](lists/" in (archive / "sources.md").read_text(encoding="utf-8")
    lists_mtime = (archive / "lists" / "美国之音.md").stat().st_mtime_ns

    # a re-run with unchanged feeds writes nothing, and each feed costs a 304
    before = {p.name: p.read_bytes() for p in post_files(archive)}
    again = run_cli("fetch", "-C", str(archive), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new_posts"] == 0
    assert {p.name: p.read_bytes() for p in post_files(archive)} == before
    assert all(s["status"] == "not_modified" for s in json.loads(again.stdout)["sources"])
    assert (archive / "lists" / "美国之音.md").stat().st_mtime_ns == lists_mtime

    # the state is only a cache: without it (a fresh clone in CI), nothing is written twice
    shutil.rmtree(archive / ".newsmirror")
    third = run_cli("fetch", "-C", str(archive), "--json")
    assert third.returncode == 0, third.stderr
    report = json.loads(third.stdout)
    assert report["new_posts"] == 0, [s for s in report["sources"] if s["new"]]
    assert posts(archive) == sorted(before)


def test_a_changed_feed_adds_only_the_new_item(server, tmp_path):
    url = serve_fixture(server, "rss1.xml")
    write_config(tmp_path, [{"name": "德国之声", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    feed = (FEEDS / "rss1.xml").read_text(encoding="utf-8").replace(
        "</rdf:RDF>",
        '<item rdf:about="https://www.dw.com/zh/a-3"><title>新文章</title><link>https://www.dw.com/zh/a-3</link>'
        "<description>新</description><dc:date>2023-11-05T09:00:00Z</dc:date></item></rdf:RDF>",
    )
    server.add("/rss1.xml", feed)
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    report = json.loads(result.stdout)
    assert report["new_posts"] == 1 and report["sources"][0]["existing"] == 2
    assert "2023-11-05-新文章.md" in posts(tmp_path)


def _pulled_post(root, name: str, link: str) -> None:
    """A post another mirror wrote, arriving by `git pull`."""
    (root / "_posts" / f"2023-11-05-{name}.md").write_text(
        f"---\nlayout: post\ntitle: \"{name}\"\ndate: 2023-11-05T09:00:00.000Z\nauthor: 德国之声\nfrom: {link}\n"
        "tags: [ 德国之声 ]\ncomments: True\ncategories: [ 德国之声 ]\n---\n<p>别处</p>\n",
        encoding="utf-8",
    )


def test_posts_that_arrive_while_feeds_are_unchanged_are_known_before_the_next_write(server, tmp_path):
    """A run where every feed answers 304 need not read the posts; the next run that has items must (a post pulled
    from another mirror in between is not written twice), and so must a run that rewrites the indexes."""
    url = serve_fixture(server, "rss1.xml")
    write_config(tmp_path, [{"name": "德国之声", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    _pulled_post(tmp_path, "别处写的", "https://www.dw.com/zh/a-3?utm_source=x")
    unchanged = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert json.loads(unchanged.stdout)["sources"][0]["status"] == "not_modified"
    feed = (FEEDS / "rss1.xml").read_text(encoding="utf-8").replace(
        "</rdf:RDF>",
        '<item rdf:about="https://www.dw.com/zh/a-3"><title>新文章</title><link>https://www.dw.com/zh/a-3</link>'
        "<description>新</description><dc:date>2023-11-05T09:00:00Z</dc:date></item></rdf:RDF>",
    )
    server.add("/rss1.xml", feed)
    report = json.loads(run_cli("fetch", "-C", str(tmp_path), "--json").stdout)
    assert report["new_posts"] == 0 and report["sources"][0]["existing"] == 3
    assert len(posts(tmp_path)) == 3

    _pulled_post(tmp_path, "又一篇", "https://www.dw.com/zh/a-4")
    (tmp_path / "sources.md").unlink()
    unchanged = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert json.loads(unchanged.stdout)["sources"][0]["status"] == "not_modified"
    assert "| 4 |" in (tmp_path / "sources.md").read_text(encoding="utf-8")  # the pulled posts are counted


def test_posts_that_cannot_be_read_stop_the_run_before_anything_is_written(server, tmp_path, monkeypatch):
    """Without the posts on disk, what is new cannot be told: no source may write, and the run says why."""
    from newsmirror.archive.layout import Archive, ArchiveError
    from newsmirror.config import load_config
    from newsmirror.operations.fetch import run_fetch

    feed = (FEEDS / "rss1.xml").read_text(encoding="utf-8")
    write_config(tmp_path, [{"name": "德国之声", "url": server.add("/a.xml", feed)},
                            {"name": "副本", "url": server.add("/b.xml", feed)}])  # fmt: skip
    calls = {"n": 0}
    real_scan = Archive.scan_posts

    def failing_once(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise PermissionError(13, "Permission denied", str(tmp_path / "_posts"))
        return real_scan(self)

    monkeypatch.setattr(Archive, "scan_posts", failing_once)
    with pytest.raises(ArchiveError, match=r"cannot read the posts already in the archive: Permission denied"):
        run_fetch(load_config(tmp_path))
    assert posts(tmp_path) == []
    report = run_fetch(load_config(tmp_path))  # the next run reads them and goes on
    assert report.new_posts == 2 and sorted(s.status for s in report.sources) == ["ok", "ok"]
    assert len(posts(tmp_path)) == 2


def test_posts_that_cannot_be_read_are_one_line_and_exit_1_from_the_command(server, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from newsmirror.archive.layout import Archive
    from newsmirror.cli import app

    write_config(tmp_path, [{"name": "德国之声", "url": serve_fixture(server, "rss1.xml")}])

    def unreadable(self):
        raise PermissionError(13, "Permission denied", str(tmp_path / "_posts"))

    monkeypatch.setattr(Archive, "scan_posts", unreadable)
    result = CliRunner().invoke(app, ["fetch", "-C", str(tmp_path), "--json"])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error cannot read the posts already in the archive"), lines
    assert posts(tmp_path) == []


def test_a_corrupt_state_database_is_rebuilt(server, tmp_path):
    write_config(tmp_path, [{"name": "大纪元", "url": server.add("/g.xml", GOLDEN_FEED.read_bytes())}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    state = tmp_path / ".newsmirror" / "state.sqlite"
    for extra in state.parent.glob("state.sqlite-*"):
        extra.unlink()
    state.write_bytes(b"this is not a database" * 100)
    result = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["new_posts"] == 0
    assert posts(tmp_path) == [GOLDEN_NAME]


def test_broken_sources_get_one_line_each_and_the_others_go_on(server, tmp_path):
    server.add("/slow.xml", GOLDEN_FEED.read_bytes(), delay=3)
    sources = [
        {"name": "好的", "url": server.add("/good.xml", GOLDEN_FEED.read_bytes())},
        {"name": "不存在", "url": server.add("/missing.xml", "gone", status=404)},
        {"name": "服务器错误", "url": server.add("/error.xml", "boom", status=500)},
        {"name": "网页", "url": server.add("/page.html", "<!doctype html><html><body>hi</body></html>", content_type="text/html")},
        {"name": "坏XML", "url": server.add("/bad.xml", "<rss><channel><item><title>x")},
        {"name": "空的", "url": server.add("/empty.xml", '<rss version="2.0"><channel><title>t</title></channel></rss>')},
        {"name": "空响应", "url": server.add("/nothing.xml", "")},
        {"name": "太慢", "url": server.url("/slow.xml")},
    ]
    write_config(tmp_path, sources, extra="[fetch]\ntimeout = 1\nretries = 1")
    result = run_cli("fetch", "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    expected = {
        "不存在": "HTTP 404",
        "服务器错误": "HTTP 500",
        "网页": "HTML page, not a feed",
        "坏XML": "malformed XML",
        "空的": "no items",
        "空响应": "empty",
        "太慢": "timed out after 1 s",
    }
    assert len(lines) == len(expected), result.stderr
    for name, cause in expected.items():
        assert any(f" {name} (" in line and cause in line for line in lines), (name, result.stderr)
    assert posts(tmp_path) == [GOLDEN_NAME]
    assert server.hits["/error.xml"] == 2  # one retry


def test_dns_failure_is_named_and_the_run_goes_on(server, tmp_path, monkeypatch):
    """In-process run with the resolver refusing one name (the HTTP server for the other source is real)."""
    import socket

    from newsmirror.config import load_config
    from newsmirror.operations.fetch import run_fetch

    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    write_config(
        tmp_path,
        [
            {"name": "好的", "url": server.add("/g.xml", GOLDEN_FEED.read_bytes())},
            {"name": "无此域名", "url": "https://no-such-host.invalid/feed.xml"},
        ],
    )
    report = run_fetch(load_config(tmp_path))
    failed = {s.name: s for s in report.sources}["无此域名"]
    assert failed.status == "error" and failed.errors == ["DNS lookup failed for no-such-host.invalid"]
    assert report.succeeded and report.new_posts == 1


def test_exit_status_is_nonzero_when_every_source_fails(server, tmp_path):
    write_config(tmp_path, [{"name": "a", "url": server.add("/a", "x", status=404)}])
    result = run_cli("fetch", "-C", str(tmp_path))
    assert result.returncode == 1
    assert "error a (" in result.stderr


def test_invalid_configuration_is_reported_before_any_fetch(server, tmp_path):
    url = server.add("/g.xml", GOLDEN_FEED.read_bytes())
    (tmp_path / "newsmirror.toml").write_text(
        f'[site]\ntitel = "typo"\n[[sources]]\nname = "大纪元"\nurl = "{url}"\ncomments = "yes"\nfulltext = "sometimes"\n'
        '[[sources]]\nname = "无地址"\n',
        encoding="utf-8",
    )
    result = run_cli("fetch", "-C", str(tmp_path))
    assert result.returncode == 2
    err = result.stderr
    assert "newsmirror.toml [site]: unknown key 'titel'" in err
    assert "source '大纪元': comments = 'yes' is not true or false" in err
    assert "source '大纪元': fulltext = 'sometimes' is not one of" in err
    assert "source '无地址': missing required key 'url'" in err
    assert server.hits == {}


def test_an_unusable_proxy_is_one_line_before_any_request(server, tmp_path):
    """Not every source's failure at its first request (which would also count against each feed's health)."""
    url = server.add("/g.xml", GOLDEN_FEED.read_bytes())
    for bad in ("http://[::1", "http://proxy.example:abc", "ftp://proxy.example:21"):
        write_config(tmp_path, [{"name": "大纪元", "url": url}], extra=f'[fetch]\nproxy = "{bad}"\n')
        result = run_cli("fetch", "-C", str(tmp_path))
        assert result.returncode == 2, result.stderr
        assert f"newsmirror.toml [fetch]: proxy = {bad!r} is not a proxy address" in result.stderr
        assert "Traceback" not in result.stderr
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    for command in (["fetch"], ["add", "https://example.com/a"], ["sources", "check"]):
        result = run_cli(*command, "-C", str(tmp_path), "--proxy", "socks4://127.0.0.1:1080")
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.strip().splitlines() == [
            "error proxy: 'socks4://127.0.0.1:1080' is not a proxy address"
            " (http://, https://, socks5://, socks5h:// with a host and a port number)"
        ]
    assert server.hits == {}
    assert not (tmp_path / ".newsmirror" / "state.sqlite").exists() or _health_rows(tmp_path) == []


def _health_rows(root) -> list:
    import sqlite3

    with sqlite3.connect(root / ".newsmirror" / "state.sqlite") as db:
        return db.execute("SELECT * FROM health").fetchall()


def test_sources_only_file_is_valid_with_defaults(tmp_path):
    from newsmirror.config import load_config

    write_config(tmp_path, [{"name": "a", "url": "https://a.example/feed"}])
    config = load_config(tmp_path)
    assert config.site.title == "newsmirror" and config.fetch.retries == 2 and config.sources[0].comments


def test_include_exclude_and_disabled_sources(server, tmp_path):
    write_config(
        tmp_path,
        [
            {"name": "德国之声", "url": serve_fixture(server, "rss1.xml"), "exclude": ["电动车"]},
            {"name": "美国之音", "url": serve_fixture(server, "rss2.xml"), "include": ["Taiwan"], "comments": False},
            {"name": "关闭的", "url": server.add("/off", "x", status=500), "enabled": False},
        ],
    )
    report = json.loads(run_cli("fetch", "-C", str(tmp_path), "--json").stdout)
    by_name = {s["name"]: s for s in report["sources"]}
    assert by_name["德国之声"]["new"] == 1 and by_name["德国之声"]["filtered"] == 1
    assert by_name["美国之音"]["new"] == 1 and by_name["美国之音"]["filtered"] == 1
    assert "关闭的" not in by_name and "/off" not in server.hits
    (voa,) = [n for n in posts(tmp_path) if "Taiwan" in n]
    assert "comments: False" in post_path(tmp_path, voa).read_text(encoding="utf-8")


def test_a_second_run_on_the_same_archive_is_refused_or_waits(server, tmp_path):
    # The first run holds the archive while its feed answers: long enough for two more runs to start beside it on a
    # loaded CI machine (a Python start there can take seconds).
    server.add("/slow.xml", GOLDEN_FEED.read_bytes(), delay=10)
    write_config(tmp_path, [{"name": "大纪元", "url": server.url("/slow.xml")}])
    env = {"PYTHONUTF8": "1", "NO_COLOR": "1"}
    first = subprocess.Popen(
        [sys.executable, "-m", "newsmirror", "fetch", "-C", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**env, "PATH": "/usr/bin:/bin"}
    )
    try:
        deadline = time.monotonic() + 30
        while not server.hits.get("/slow.xml") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.hits.get("/slow.xml"), "the first run never asked for its feed"
        second = run_cli("fetch", "-C", str(tmp_path))
        assert second.returncode == 3
        assert "another newsmirror run" in second.stderr
        waiting = run_cli("fetch", "-C", str(tmp_path), "--wait", "60", "--json")
        assert waiting.returncode == 0, waiting.stderr
        assert json.loads(waiting.stdout)["new_posts"] == 0  # the first run wrote it; the waiting one knows
    finally:
        first.wait(timeout=60)
    assert first.returncode == 0
    assert posts(tmp_path) == [GOLDEN_NAME]


def test_progress_table_lists_every_source(server, tmp_path):
    write_config(tmp_path, [{"name": "大纪元", "url": server.add("/g.xml", GOLDEN_FEED.read_bytes())}])
    result = run_cli("fetch", "-C", str(tmp_path))
    assert "大纪元" in result.stdout and "already had" in result.stdout


def test_error_lines_are_never_wrapped(server, tmp_path):
    long_name = "一个名字很长的新闻来源" * 4
    write_config(tmp_path, [{"name": long_name, "url": server.add("/" + "x" * 120, "gone", status=404)}])
    result = run_cli("fetch", "-C", str(tmp_path), env={"COLUMNS": "40"})
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error ") and long_name in line and line.endswith("HTTP 404 Not Found")


def test_out_of_range_settings_and_unparseable_urls_are_named(tmp_path):
    (tmp_path / "newsmirror.toml").write_text(
        '[fetch]\ntimeout = 0\nconcurrency = -1\n[site]\nlist_limit = 0\n'
        '[[sources]]\nname = "坏"\nurl = "http://[bad/feed"\nmax_items = -3\n',
        encoding="utf-8",
    )
    result = run_cli("sources", "list", "-C", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for expected in ("[fetch]: timeout = 0 must be at least", "[fetch]: concurrency = -1 must be at least",
                     "[site]: list_limit = 0 must be at least", "source '坏': url 'http://[bad/feed' is not an http(s) address",
                     "source '坏': max_items = -3 must be 0"):  # fmt: skip
        assert expected in result.stderr, (expected, result.stderr)


def test_linkless_items_stay_deduplicated_without_the_cache_whatever_the_category_or_script(server, tmp_path):
    feed = (
        '<rss version="2.0"><channel><title>t</title>'
        '<item><title>沒有鏈接的消息</title><guid isPermaLink="false">tg-1</guid><description>內容</description></item>'
        "</channel></rss>"
    )
    write_config(tmp_path, [{"name": "频道", "url": server.add("/tg.xml", feed), "category": "Telegram", "convert": "t2s"}])
    assert json.loads(run_cli("fetch", "-C", str(tmp_path), "--json").stdout)["new_posts"] == 1
    shutil.rmtree(tmp_path / ".newsmirror")
    again = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert json.loads(again.stdout)["new_posts"] == 0, posts(tmp_path)
    assert [n for n in posts(tmp_path)] == [f"{datetime.now(UTC):%Y-%m-%d}-没有链接的消息.md"]
