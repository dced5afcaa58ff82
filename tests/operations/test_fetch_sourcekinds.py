"""Sources without a feed, through the real `newsmirror fetch` against real local servers: RSSHub routes on two
instances (127.0.0.1 and 127.0.0.2), list pages (a WordPress category page, a Chinese portal's section page in
GB2312, a page whose layout changes between runs) and a Telegram channel's preview page."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from conftest import FIXTURES, LocalServer, run_cli, write_config
from newsmirror.archive.postformat import parse_post
from newsmirror.ingest.telegram import parse_telegram_page

PAGES = FIXTURES / "sourcekinds"
MATTERS = sorted((PAGES / "rsshub-matters").iterdir())  # two real posts of the oped2 mirror, read through RSSHub
ROUTE = "/matters/author/islander"


def written(root: Path) -> dict[str, str]:
    """Every post under _posts/ (in whatever folders), by file name."""
    folder = root / "_posts"
    return {p.name: p.read_text(encoding="utf-8") for p in folder.rglob("*.md")} if folder.exists() else {}


def fetch(root: Path, *args: str) -> dict:
    result = run_cli("fetch", "-C", str(root), "--json", *args)
    assert result.returncode in (0, 1), result.stderr
    return {"report": json.loads(result.stdout), "stderr": result.stderr, "code": result.returncode}


def by_name(report: dict) -> dict[str, dict]:
    return {s["name"]: s for s in report["sources"]}


def rsshub_feed(posts: list[Path]) -> bytes:
    """The feed RSSHub's matters/author route serves, for these real posts: RSS 2.0, CDATA descriptions,
    guid isPermaLink="false", RFC 822 dates, "Powered by RSSHub"."""
    items = []
    for path in posts:
        post = parse_post(path.read_text(encoding="utf-8"))
        assert post.date is not None
        items.append(
            f"<item><title><![CDATA[{post.title}]]></title><description><![CDATA[{post.content}]]></description>"
            f"<link>{escape(post.link)}</link><guid isPermaLink=\"false\">{escape(post.link)}</guid>"
            f"<pubDate>{format_datetime(post.date, usegmt=True)}</pubDate><author><![CDATA[{post.author}]]></author></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel>'
        "<title><![CDATA[島民 - Matters]]></title><link>https://matters.news/@islander</link>"
        '<atom:link href="http://localhost:1200/matters/author/islander" rel="self" type="application/rss+xml"/>'
        "<description><![CDATA[島民 - Powered by RSSHub]]></description><generator>RSSHub</generator>"
        "<webMaster>contact@rsshub.app (RSSHub)</webMaster><language>zh-cn</language><ttl>5</ttl>"
        + "".join(items) + "</channel></rss>"
    ).encode("utf-8")


def same_body(ours: str, original: str) -> bool:
    from lxml import html as lxml_html

    def read(text: str) -> tuple[str, list[str]]:
        body = lxml_html.fromstring(text.split("<div>", 1)[1].rsplit("</div>", 1)[0])
        return body.text_content(), [a.get("href") for a in body.iter("a")]

    return read(ours) == read(original)


RATE_LIMITED = {"status": 429, "content_type": "text/plain", "body": "Too Many Requests", "headers": {"Retry-After": "3600"}}
VERCEL_ERROR = {"status": 200, "content_type": "text/html; charset=utf-8",  # a public instance's error, as a page
                "body": "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Looks like something went wrong"
                        "</h1><p>Route requested: /matters/author/islander</p></body></html>"}  # fmt: skip


@pytest.fixture
def second_host():
    local = LocalServer(host="127.0.0.2").start()
    yield local
    local.stop()


def rsshub_archive(root: Path, first: LocalServer, second: LocalServer, first_answer: dict) -> Path:
    options = dict(first_answer)
    first.add(f"/rsshub{ROUTE}", options.pop("body"), **options)  # an instance under a path
    second.add(ROUTE, rsshub_feed(MATTERS))
    extra = f'[fetch]\nrsshub = ["{first.url("/rsshub")}", "{second.url("")}/"]'
    write_config(root, [{"name": "Matters", "url": f"rsshub:{ROUTE}"}], extra)
    return root


def offered_validators(root, name: str) -> str:
    """What `newsmirror status --json` says the source offers for conditional requests."""
    status = run_cli("status", "-C", str(root), "--json")
    (row,) = [s for s in json.loads(status.stdout)["sources"] if s["name"] == name]
    return row["validators"]


@pytest.mark.parametrize("first_answer", [RATE_LIMITED, VERCEL_ERROR], ids=["429", "html-error-page"])
def test_an_rsshub_route_is_read_from_the_next_instance_and_writes_the_real_posts(server, second_host, tmp_path, first_answer):
    root = rsshub_archive(tmp_path, server, second_host, first_answer)
    run = fetch(root)
    source = by_name(run["report"])["Matters"]
    assert source["status"] == "ok" and source["new"] == 2, source
    assert source["served_by"] == second_host.url("") + "/"
    why = "HTTP 429 Too Many Requests" if first_answer is RATE_LIMITED else "an HTML page, not a feed (an error page?)"
    assert source["warnings"] == [f"RSSHub instance {server.url('/rsshub')}: {why}; asked the next"]
    assert server.hits == {f"/rsshub{ROUTE}": 1}  # passed over at once: no retries, no waiting for Retry-After
    # the posts the legacy mirror wrote from the same items: front matter and title line byte for byte, the body
    # the same text and links (class, rel and target attributes are the sanitizer's to drop, as for every feed)
    posts = written(root)
    assert sorted(posts) == [path.name for path in MATTERS]
    for path in MATTERS:
        original, ours = path.read_text(encoding="utf-8"), posts[path.name]
        assert ours.split("<div>")[0] == original.split("<div>")[0]
        assert same_body(ours, original)

    text = run_cli("fetch", "-C", str(root))  # the plain report says it too; the instance that answered goes first
    assert text.returncode == 0, text.stderr
    assert f"Matters: read from the RSSHub instance {second_host.url('')}/" in text.stdout
    assert server.hits == {f"/rsshub{ROUTE}": 1} and second_host.hits == {ROUTE: 2}
    again = fetch(root)
    assert by_name(again["report"])["Matters"]["status"] == "not_modified"  # its validators, kept per instance
    assert offered_validators(root, "Matters") != "none"  # status finds them under the instance that served


def test_no_instance_answering_is_one_line_naming_each(server, second_host, tmp_path):
    root = rsshub_archive(tmp_path, server, second_host, RATE_LIMITED)
    second_host.add(ROUTE, "upstream broke", status=503, content_type="text/plain")
    run = fetch(root, "--source", "Matters")
    (error,) = by_name(run["report"])["Matters"]["errors"]
    assert error == (f"no RSSHub instance gave the feed ({server.url('/rsshub')}: HTTP 429 Too Many Requests; "
                     f"{second_host.url('')}/: HTTP 503 Service Unavailable)")  # fmt: skip
    assert second_host.hits == {ROUTE: 3}  # the last instance gets the usual retries
    assert written(root) == {}


ARTICLE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{title} – 独立评论</title></head><body>
<header><nav><a href="/">首页</a> <a href="/category/commentary/">时评</a></nav></header>
<main><article class="post"><h1 class="entry-title">{title}</h1><div class="entry-content">
<p>{lead}这是文章的第一段，讲述了事件的来龙去脉，以及各方对此的不同看法和理由。</p>
<p>第二段补充了更多的背景资料：过去十年里，类似的政策已经出台过三次，每一次都引起了广泛的讨论。</p>
<p>第三段是作者的分析。作者认为，问题的根源在于制度设计，而不是个别官员的失误，因此需要从根本上改革。</p>
<p>最后一段总结全文，并提出了几点具体的建议，供读者和决策者参考。</p></div></article></main>
<aside class="widget-area"><h2>近期文章</h2><ul><li><a href="/x">别的文章</a></li></ul></aside></body></html>"""


def serve_wordpress(server: LocalServer) -> str:
    for path, title in (("/2024/03/05/housing-market/", "楼市的寒冬还要多久"), ("/2024/03/03/two-sessions/", "两会前夕的三个看点"),
                        ("/2024/02/28/youth-unemployment/", "青年失业率为何停止公布")):  # fmt: skip
        server.add(path, ARTICLE.format(title=title, lead=title + "。"), content_type="text/html; charset=utf-8")
    return server.add("/category/commentary/", (PAGES / "wordpress-category.html").read_bytes(),
                      content_type="text/html; charset=utf-8")  # fmt: skip


WORDPRESS_LIST = '[sources.list]\nitem = "article.post"\nlink = "h2.entry-title a"\ndate = "time.entry-date"\nsummary = ".entry-content"\n'


def list_config(root: Path, sources: list[tuple[dict, str]], extra: str = "") -> None:
    """newsmirror.toml with each source followed by its [sources.list] table."""
    write_config(root, [source for source, _ in sources], extra)
    path = root / "newsmirror.toml"
    blocks = path.read_text(encoding="utf-8").split("[[sources]]")
    path.write_text(blocks[0] + "".join("[[sources]]" + block.rstrip("\n") + "\n" + table + "\n"
                                        for block, (_, table) in zip(blocks[1:], sources, strict=True)),
                    encoding="utf-8")  # fmt: skip


def test_a_list_page_with_fulltext_auto_writes_each_article_from_its_page(server, tmp_path):
    page = serve_wordpress(server)
    list_config(tmp_path, [({"name": "独立评论", "url": page, "fulltext": "auto"}, WORDPRESS_LIST)])
    run = fetch(tmp_path)
    source = by_name(run["report"])["独立评论"]
    assert source["status"] == "ok" and source["new"] == 3 and source["warnings"] == [], source
    posts = written(tmp_path)
    assert sorted(posts) == ["2024-02-28-青年失业率为何停止公布.md", "2024-03-03-两会前夕的三个看点.md", "2024-03-05-楼市的寒冬还要多久.md"]
    post = parse_post(posts["2024-03-05-楼市的寒冬还要多久.md"])
    assert (post.title, post.link, post.author, post.source) == ("楼市的寒冬还要多久", page.replace("/category/commentary/", "/2024/03/05/housing-market/"), "独立评论", "独立评论")
    assert post.date == datetime(2024, 3, 5, 1, 12, 33, tzinfo=UTC)
    assert "问题的根源在于制度设计" in post.content and "近期文章" not in post.content  # the article page's text
    text = posts["2024-03-05-楼市的寒冬还要多久.md"]
    assert text.startswith("---\nlayout: post\ntitle: \"楼市的寒冬还要多久\"\ndate: 2024-03-05T01:12:33.000Z\n")
    assert f"\n<!--{int(post.date.timestamp() * 1000)}-->\n[楼市的寒冬还要多久]({post.link})\n------\n\n<div>\n" in text
    assert server.hits["/2024/03/05/housing-market/"] == 1

    again = fetch(tmp_path)
    assert by_name(again["report"])["独立评论"]["status"] == "not_modified" and written(tmp_path) == posts
    assert offered_validators(tmp_path, "独立评论") != "none"  # kept under the address with its selectors


def test_a_portal_section_page_with_chinese_and_relative_dates(server, tmp_path):
    page = server.add("/world/", (PAGES / "portal-section-gb2312.html").read_bytes(), content_type="text/html")
    table = '[sources.list]\nitem = "ul.list_009 li"\ndate = "span"\ntimezone = "Asia/Shanghai"\n'
    list_config(tmp_path, [({"name": "国际新闻", "url": page}, table)])
    before = datetime.now(UTC)
    run = fetch(tmp_path)
    source = by_name(run["report"])["国际新闻"]
    assert source["status"] == "ok" and source["new"] == 5, source  # a duplicate and a javascript: link left out
    posts = {parse_post(text).title: parse_post(text) for text in written(tmp_path).values()}
    assert sorted(posts) == sorted(["联合国安理会就加沙局势举行紧急会议", "日本央行维持负利率政策不变", "欧盟通过人工智能法案", "巴西总统访问南非", "印度大选进入最后阶段"])
    assert posts["联合国安理会就加沙局势举行紧急会议"].date == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)  # 14:30 in Beijing
    three_hours_ago = posts["日本央行维持负利率政策不变"].date
    assert three_hours_ago is not None
    assert before - timedelta(hours=3, seconds=5) <= three_hours_ago <= datetime.now(UTC) - timedelta(hours=3) + timedelta(seconds=5)
    assert posts["印度大选进入最后阶段"].link == server.url("/world/doc-inakqxzc5678901.shtml")
    assert posts["欧盟通过人工智能法案"].link == "http://n.news-portal.example/world/2024-03-04/doc-inakqxzc3456789.shtml"


REDESIGNED = """<!doctype html><html><head><meta charset="utf-8"><title>时评 – 独立评论</title></head><body>
<main class="wp-block-query"><ul class="wp-block-post-template">
<li class="wp-block-post"><h2 class="wp-block-post-title"><a href="/2024/03/06/new-one/">新设计下的文章</a></h2>
<div class="wp-block-post-date"><time datetime="2024-03-06T08:00:00+08:00">2024年3月6日</time></div></li>
</ul></main></body></html>"""


def test_a_page_whose_layout_changes_is_reported_and_flagged_not_taken_as_no_news(server, tmp_path):
    page = serve_wordpress(server)
    list_config(tmp_path, [({"name": "独立评论", "url": page}, WORDPRESS_LIST)])
    assert by_name(fetch(tmp_path)["report"])["独立评论"]["new"] == 3

    server.add("/category/commentary/", REDESIGNED, content_type="text/html; charset=utf-8")  # a block theme now
    run = fetch(tmp_path)
    source = by_name(run["report"])["独立评论"]
    assert run["code"] == 1 and source["status"] == "error"
    assert source["errors"] == ["the page changed: check its selectors (item 'article.post' matches nothing on the page)"]
    assert "error 独立评论" in run["stderr"] and "the page changed: check its selectors" in run["stderr"]
    status = run_cli("status", "-C", str(tmp_path), "--json")
    (row,) = [s for s in json.loads(status.stdout)["sources"] if s["name"] == "独立评论"]
    assert row["flagged"] and row["flag_reason"] == source["errors"][0]
    doctor = run_cli("doctor", "-C", str(tmp_path), "--json")
    findings = [f for f in json.loads(doctor.stdout)["findings"] if "独立评论" in f["problem"]]
    assert [f["severity"] for f in findings] == ["warning"] and "check its selectors" in findings[0]["problem"]

    # the selectors fixed for the new layout: the flag goes, and the entry comes
    server.add("/2024/03/06/new-one/", ARTICLE.format(title="新设计下的文章", lead=""), content_type="text/html; charset=utf-8")
    fixed = '[sources.list]\nitem = "li.wp-block-post"\nlink = "h2 a"\ndate = "time"\n'
    list_config(tmp_path, [({"name": "独立评论", "url": page}, fixed)])
    assert not [s for s in json.loads(run_cli("status", "-C", str(tmp_path), "--json").stdout)["sources"] if s["flagged"]]
    assert by_name(fetch(tmp_path)["report"])["独立评论"]["new"] == 1


def test_a_page_giving_far_fewer_entries_than_usual_is_flagged(server, tmp_path):
    items = "".join(f'<li class="n"><a href="/n/{i}">第{i}条新闻</a><span>2024-03-0{1 + i % 5} 10:00</span></li>' for i in range(12))
    page = server.add("/list", f"<html><body><ul>{items}</ul></body></html>", content_type="text/html; charset=utf-8")
    list_config(tmp_path, [({"name": "简讯", "url": page}, '[sources.list]\nitem = "li.n"\ndate = "span"\n')])
    assert by_name(fetch(tmp_path)["report"])["简讯"]["new"] == 12
    server.add("/list", '<html><body><ul><li class="n"><a href="/n/99">只剩一条</a></li></ul></body></html>',
               content_type="text/html; charset=utf-8")  # fmt: skip
    source = by_name(fetch(tmp_path)["report"])["简讯"]
    assert source["status"] == "ok" and source["new"] == 1  # what it gives is still written
    assert source["warnings"] == ["the page changed: check its selectors (it gave 1 entries, usually 12)"]
    (row,) = [s for s in json.loads(run_cli("status", "-C", str(tmp_path), "--json").stdout)["sources"] if s["name"] == "简讯"]
    assert row["flagged"] and row["page_changed"] == source["warnings"][0]
    server.add("/list", f"<html><body><ul>{items}</ul></body></html>", content_type="text/html; charset=utf-8")
    assert by_name(fetch(tmp_path)["report"])["简讯"]["warnings"] == []  # back to its usual: no longer flagged
    (row,) = [s for s in json.loads(run_cli("status", "-C", str(tmp_path), "--json").stdout)["sources"] if s["name"] == "简讯"]
    assert not row["flagged"]


def test_a_telegram_channel_becomes_posts(server, tmp_path):
    server.add("/s/newsflash_cn", (PAGES / "telegram-channel.html").read_bytes(), content_type="text/html; charset=utf-8")
    # [fetch] telegram: where t.me's pages are read (here the local server; elsewhere a reverse proxy of t.me)
    write_config(tmp_path, [{"name": "快讯", "url": "https://t.me/s/newsflash_cn"}], f'[fetch]\ntelegram = "{server.url("")}"')
    run = fetch(tmp_path)
    source = by_name(run["report"])["快讯"]
    assert source["status"] == "ok" and source["new"] == 7, source
    posts = written(tmp_path)
    assert "2024-03-05-新闻快讯 #1044.md" in posts and "2024-03-05-气象台发布大雾黄色预警.md" in posts
    photo = parse_post(posts["2024-03-05-北京今晨大雾，多条高速临时封闭。.md"])
    assert photo.link == "https://t.me/newsflash_cn/1042" and photo.date == datetime(2024, 3, 5, 7, 15, 42, tzinfo=UTC)
    assert photo.content == ('<p><img src="https://cdn4.telesco.pe/file/kL9mN1oP3qR5sT7uV9wX1yZ3aB5cD7eF9gH1iJ3kL5mN7oP9qR1sT3'
                             'uV5wX7yZ9aB1cD3.jpg" alt=""></p><p>北京今晨大雾，多条高速临时封闭。</p>')  # fmt: skip
    first = parse_post(posts["2024-03-05-国务院发布新规：加强数据出境管理.md"])
    assert "javascript:" not in first.content and 'href="https://www.example-news.cn/2024/03/05/data-rules.html"' in first.content
    forwarded = parse_post(posts["2024-03-05-气象台发布大雾黄色预警.md"])
    assert forwarded.content.startswith('<p>Forwarded from <a href="https://t.me/weather_bj/5521">')
    assert server.hits == {"/s/newsflash_cn": 1}  # nothing else fetched: no login, no API
    assert by_name(fetch(tmp_path)["report"])["快讯"]["status"] == "not_modified"
    assert offered_validators(tmp_path, "快讯") != "none"  # kept under the t.me/s/ page's address


def channel_page(offset: int) -> bytes:
    """The channel's preview page with every message number moved by `offset` (later messages, same content)."""
    text = (PAGES / "telegram-channel.html").read_text(encoding="utf-8")
    return re.sub(r"newsflash_cn/(\d+)", lambda m: f"newsflash_cn/{int(m[1]) + offset}", text).encode()


def message_links(page: bytes) -> set[str]:
    return {e.link for e in parse_telegram_page(page, "快讯", channel="newsflash_cn").entries}


def test_a_busy_channel_is_read_back_to_the_last_message_mirrored(server, tmp_path):
    """More than a page of messages since the last run: the pages before are read (t.me's ?before=) until one
    shows a message already mirrored; not on the first run; a page that fails leaves the rest written."""
    server.add("/s/newsflash_cn", channel_page(0), content_type="text/html; charset=utf-8")
    write_config(tmp_path, [{"name": "快讯", "url": "https://t.me/s/newsflash_cn"}], f'[fetch]\ntelegram = "{server.url("")}"\nretries = 0')
    assert by_name(fetch(tmp_path)["report"])["快讯"]["new"] == 7 and server.hits == {"/s/newsflash_cn": 1}

    server.add("/s/newsflash_cn", channel_page(16), content_type="text/html; charset=utf-8")  # 1056–1064
    server.add("/s/newsflash_cn?before=1057", channel_page(8), content_type="text/html; charset=utf-8")  # 1048–1056 (the oldest entry above: 1057)
    source = by_name(fetch(tmp_path)["report"])["快讯"]
    links = {parse_post(text).link for text in written(tmp_path).values()}
    assert message_links(channel_page(0)) | message_links(channel_page(8)) | message_links(channel_page(16)) == links
    assert source["new"] == len(links) - 7 and source["warnings"] == []
    assert server.hits == {"/s/newsflash_cn": 2, "/s/newsflash_cn?before=1057": 1}  # 1048 is mirrored: no further

    server.add("/s/newsflash_cn", channel_page(40), content_type="text/html; charset=utf-8")  # 1080–1088, a gap
    server.add("/s/newsflash_cn?before=1081", b"upstream broke", status=502, content_type="text/plain")
    source = by_name(fetch(tmp_path)["report"])["快讯"]
    assert source["status"] == "ok" and source["new"] == 7  # the first page's, the failure said in one line
    assert source["warnings"] == [f"earlier messages not read ({server.url('/s/newsflash_cn?before=1081')}): HTTP 502 Bad Gateway"]


def test_sources_check_prints_the_entries_of_each_kind(server, second_host, tmp_path):
    rsshub_archive(tmp_path, server, second_host, RATE_LIMITED)
    page = serve_wordpress(server)
    server.add("/s/newsflash_cn", (PAGES / "telegram-channel.html").read_bytes(), content_type="text/html; charset=utf-8")
    extra = f'[fetch]\nrsshub = ["{server.url("/rsshub")}", "{second_host.url("")}"]\ntelegram = "{server.url("")}"'
    list_config(tmp_path, [({"name": "Matters", "url": f"rsshub:{ROUTE}"}, ""), ({"name": "独立评论", "url": page}, WORDPRESS_LIST),
                           ({"name": "快讯", "url": "https://t.me/s/newsflash_cn"}, "")], extra)  # fmt: skip
    result = run_cli("sources", "check", "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"Matters (from {second_host.url('')}): 2 entries" in out
    assert "2023-04-04 12:48  窸窸，窣窣  https://matters.news/@islander/" in out
    assert "独立评论: 3 entries" in out and f"2024-03-05 01:12  楼市的寒冬还要多久  {server.url('/2024/03/05/housing-market/')}" in out
    assert "快讯: 7 entries" in out and "2024-03-05 08:30  新闻快讯 #1044  https://t.me/newsflash_cn/1044" in out
    checks = {c["name"]: c for c in json.loads(run_cli("sources", "check", "-C", str(tmp_path), "--json").stdout)}
    assert {name: (c["kind"], c["items"]) for name, c in checks.items()} == {"Matters": ("rsshub", 2), "独立评论": ("list", 3), "快讯": ("telegram", 7)}
    assert checks["快讯"]["entries"][0] == {"title": "央行：下调存款准备金率0.5个百分点 example-news.cn/finance/rrr-cut",
                                           "link": "https://t.me/newsflash_cn/1048", "date": "2024-03-05 10:12"}  # fmt: skip
    assert written(tmp_path) == {}  # a check writes nothing


def test_sources_add_takes_each_kind_and_the_exports_keep_them(tmp_path):
    write_config(tmp_path, [], '[fetch]\nrsshub = ["https://rsshub.example.org", "https://rsshub.app"]')
    adds = [("Matters", "rsshub:/matters/author/islander"), ("快讯", "https://t.me/s/newsflash_cn"),
            ("国际新闻", "https://news.example.com/world/", "--item", "ul.list_009 li", "--date", "span", "--timezone", "Asia/Shanghai")]  # fmt: skip
    for name, url, *options in adds:
        result = run_cli("sources", "add", name, url, "-C", str(tmp_path), *options)
        assert result.returncode == 0, result.stderr
    text = (tmp_path / "newsmirror.toml").read_text(encoding="utf-8")
    assert ('name = "国际新闻"\nurl = "https://news.example.com/world/"\nfulltext = "auto"\n[sources.list]\n'
            'item = "ul.list_009 li"\ndate = "span"\ntimezone = "Asia/Shanghai"\n') in text  # fmt: skip
    assert run_cli("sources", "add", "美国之音", "https://www.voachinese.com/api/feed", "-C", str(tmp_path)).returncode == 0
    assert run_cli("sources", "remove", "美国之音", "-C", str(tmp_path)).returncode == 0
    listed = json.loads(run_cli("sources", "list", "-C", str(tmp_path), "--json").stdout)
    assert [s["name"] for s in listed] == ["Matters", "快讯", "国际新闻"]
    text = (tmp_path / "newsmirror.toml").read_text(encoding="utf-8")
    assert 'item = "ul.list_009 li"\ndate = "span"\ntimezone = "Asia/Shanghai"\n' in text  # rewritten with the rest
    opml = run_cli("sources", "export", "-C", str(tmp_path)).stdout
    assert 'xmlUrl="https://rsshub.example.org/matters/author/islander"' in opml  # a route: on the first instance
    assert 'xmlUrl="https://t.me/s/newsflash_cn" htmlUrl="https://t.me/s/newsflash_cn"' in opml
    assert 'xmlUrl="https://news.example.com/world/" htmlUrl="https://news.example.com/world/"' in opml
    elsewhere = tmp_path / "elsewhere"  # imported again, the list page keeps its selectors: not taken for a feed
    write_config(elsewhere, [], '[fetch]\nrsshub = ["https://rsshub.example.org"]')
    (tmp_path / "sources.opml").write_text(opml, encoding="utf-8")
    result = run_cli("sources", "import", str(tmp_path / "sources.opml"), "-C", str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert ('name = "国际新闻"\nurl = "https://news.example.com/world/"\nfulltext = "auto"\n[sources.list]\n'
            'item = "ul.list_009 li"\ndate = "span"\ntimezone = "Asia/Shanghai"\n') in (elsewhere / "newsmirror.toml").read_text(encoding="utf-8")  # fmt: skip
    hostile = opml.replace('newsmirror:item="ul.list_009 li"', 'newsmirror:item="li:nth-child(q)"')
    hostile = hostile.replace("国际新闻", "别处").replace("/world/", "/china/")  # a new source, but bad selectors
    (tmp_path / "hostile.opml").write_text(hostile, encoding="utf-8")
    refused = run_cli("sources", "import", str(tmp_path / "hostile.opml"), "-C", str(elsewhere))
    assert refused.returncode != 0 and "item = 'li:nth-child(q)' is not a CSS selector" in refused.stderr
    subs = json.loads(run_cli("sources", "export", "--format", "subs.json", "-C", str(tmp_path)).stdout)
    assert subs[0] == {"site": "Matters", "url": "https://rsshub.example.org/matters/author/islander"}

    bad = [("x", "https://t.me/newsflash_cn"), ("y", "rsshub:"), ("z", "https://e.example/", "--date", "span"),
           ("w", "https://e.example/", "--item", "li:nth-child(q)")]  # fmt: skip
    errors = [run_cli("sources", "add", name, url, "-C", str(tmp_path), *options) for name, url, *options in bad]
    assert all(e.returncode != 0 for e in errors)
    messages = [e.stderr.strip().splitlines()[-1] for e in errors]
    assert "'x': url 'https://t.me/newsflash_cn': a Telegram channel is read from its public preview, https://t.me/s/<channel>" in messages[0]
    assert "'y': url 'rsshub:' is not an RSSHub route" in messages[1]
    assert "source 'z': --date needs --item" in messages[2]
    assert "'w' [list]: item = 'li:nth-child(q)' is not a CSS selector" in messages[3]
    assert (tmp_path / "newsmirror.toml").read_text(encoding="utf-8") == text  # nothing written for them


def test_init_shows_an_example_of_each_kind(tmp_path):
    result = run_cli("init", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "site" / "newsmirror.toml").read_text(encoding="utf-8")
    assert '# url = "rsshub:/matters/author/Luterngun"' in text and '# url = "https://t.me/s/channelname"' in text
    assert "# [sources.list]\n# item = " in text
    uncommented = "\n".join(line[2:] if line.startswith("# ") and ("=" in line or line.startswith("# [")) else line
                            for line in text.splitlines())  # fmt: skip
    (root := tmp_path / "uncommented").mkdir()
    (root / "newsmirror.toml").write_text(uncommented, encoding="utf-8")
    listed = json.loads(run_cli("sources", "list", "-C", str(root), "--json").stdout)  # the examples are valid settings
    assert [s["name"] for s in listed][:3] == ["某新闻网 国际", "Matters 作者", "某频道"]


def test_edited_selectors_are_applied_to_a_page_that_did_not_change(server, tmp_path):
    items = "".join(f'<li class="n"><a href="/n/{i}">第{i}条</a> <em>{i + 1}小时前</em></li>' for i in range(4))
    page = server.add("/list", f"<ul>{items}</ul>", content_type="text/html; charset=utf-8")
    list_config(tmp_path, [({"name": "简讯", "url": page}, '[sources.list]\nitem = "li.n"\n')])
    assert by_name(fetch(tmp_path)["report"])["简讯"]["new"] == 4
    assert by_name(fetch(tmp_path)["report"])["简讯"]["status"] == "not_modified"  # 304: not parsed again
    list_config(tmp_path, [({"name": "简讯", "url": page}, '[sources.list]\nitem = "li.n"\ndate = "em"\n')])
    source = by_name(fetch(tmp_path)["report"])["简讯"]
    assert (source["status"], source["existing"]) == ("ok", 4)  # read with the new selectors (nothing new in it)


def test_a_huge_list_page_is_refused_in_one_line(server, tmp_path):
    page = server.add("/list", "<ul>" + '<li><a href="/n/1">x</a></li>' * 20_000 + "</ul>", content_type="text/html")
    list_config(tmp_path, [({"name": "巨页", "url": page}, '[sources.list]\nitem = "li"\n')], "[fetch]\nmax_bytes = 100000")
    source = by_name(fetch(tmp_path)["report"])["巨页"]
    assert source["errors"] == ["response too large (580009 bytes, the limit is 100000)"]
