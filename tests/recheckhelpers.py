"""The recheck scenario shared by the tests of `newsmirror recheck` and of the site showing what it found: six
articles of a full-text source on a real local server, then pages that change between visits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from conftest import Route, write_config
from newsmirror.config import load_config
from newsmirror.operations.fetch import run_fetch

PARAGRAPHS = [
    "昨日下午，本市举行了一场关于城市交通规划的公开听证会，来自各区的近两百名居民代表出席了会议，并就地铁延线方案发表意见。",
    "交通局局长在会上表示，新方案将在未来五年内分三期完成，总投资预计超过四百亿元，其中第一期工程将于明年春季动工。",
    "多名居民代表对方案中的拆迁补偿标准提出质疑，认为现行标准明显低于市场价格，要求政府公开评估报告并重新进行测算。",
    "会议持续了将近四个小时，主持人最后宣布，有关部门将在三十天内汇总各方意见，并在官方网站上公布修改后的方案全文。",
    "有学者指出，此类听证会能否真正影响决策，关键在于意见的采纳情况是否公开透明，以及公众是否有渠道跟进后续的落实。",
]


def article_page(title: str, paragraphs: list[str], views: int = 1234) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        "<header><nav><a href='/'>首页</a> <a href='/news'>新闻</a></nav></header>"
        f"<article><h1>{title}</h1><p class='meta'>阅读 {views}</p>{body}</article>"
        f"<aside class='sidebar'><h3>热门</h3><ul><li><a href='/x'>热门文章 {views % 97}</a></li></ul></aside>"
        "<footer>版权所有</footer></body></html>"
    )


NOTICE_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>微信公众平台</title><script>var a=1;</script></head>"
    "<body><div class='weui-msg'><p class='weui-msg__title'>此内容因违规无法查看</p></div></body></html>"
)


def feed(server, items: list[tuple[str, str, datetime]]) -> bytes:
    parts = [
        f"<item><title>{title}</title><link>{server.url(path)}</link><guid>{server.url(path)}</guid>"
        f"<pubDate>{format_datetime(date)}</pubDate><description>{title}的摘要</description></item>"
        for path, title, date in items
    ]
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>测试</title>'
            + "".join(parts) + "</channel></rss>").encode()  # fmt: skip


ARTICLES = {
    "/edited.html": "地铁延线方案听证会",
    "/gone.html": "拆迁补偿标准引发质疑",
    "/wechat.html": "公众号文章",
    "/moved.html": "市政府公布新规划",
    "/back.html": "学者谈听证会",
    "/counter.html": "交通局回应居民关切",
}


def page(server, path: str, paragraphs: list[str] | None = None, views: int = 1234) -> None:
    server.add(path, article_page(ARTICLES[path], paragraphs or PARAGRAPHS, views), content_type="text/html; charset=utf-8")


def redirect_to_front_page(handler) -> None:
    handler.send_response(302)
    handler.send_header("Location", "/")
    handler.send_header("Content-Length", "0")
    handler.end_headers()



SECOND_TEXT = [*PARAGRAPHS[:2], "多名居民代表对方案中的拆迁补偿标准表示支持，认为现行标准总体合理。", *PARAGRAPHS[3:]]
THIRD_TEXT = [*SECOND_TEXT, "记者稍后从交通局获悉，修改后的方案已提交市人大常委会审议。"]


def mirror_articles(server, root: Path) -> None:
    """Six articles of a full-text source, fetched two hours ago (as posts of `root`)."""
    published = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    for path in ARTICLES:
        page(server, path)
    server.add("/", "<html><body><h1>首页</h1><p>欢迎</p></body></html>", content_type="text/html; charset=utf-8")
    items = [(path, title, published) for path, title in ARTICLES.items()]
    url = server.add("/feed.xml", feed(server, items))
    write_config(root, [{"name": "测试报", "url": url, "fulltext": "always"}], extra="[fetch]\nallow_private = ['127.0.0.1']\n")
    report = run_fetch(load_config(root))
    assert report.new_posts == 6, report.to_dict()


def second_visit(server) -> None:
    """One article edited, one gone (404), one a WeChat notice, one redirected to the front page, one gone for a
    while (410), one whose view counter and sidebar moved."""
    page(server, "/edited.html", SECOND_TEXT)
    del server.routes["/gone.html"]
    server.add("/wechat.html", NOTICE_PAGE, content_type="text/html; charset=utf-8")
    server.routes["/moved.html"] = Route(handler=redirect_to_front_page)
    server.add("/back.html", b"gone", status=410, content_type="text/plain")
    page(server, "/counter.html", views=98765)


def third_visit(server) -> None:
    """The edited article edited again, the one gone for a while back."""
    page(server, "/edited.html", THIRD_TEXT)
    page(server, "/back.html")
