"""List pages (ingest/listpage.py) and Telegram preview pages (ingest/telegram.py) → entries, on saved pages written
from the markup WordPress, a Chinese news portal and Telegram serve; and hostile pages."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from conftest import FIXTURES
from newsmirror.config import ListConfig
from newsmirror.ingest.listpage import MAX_LIST_ITEMS, parse_list_page
from newsmirror.ingest.telegram import parse_telegram_page
from newsmirror.models import PAGE_CHANGED, PageChangedError

PAGES = FIXTURES / "sourcekinds"
NOW = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
WORDPRESS = ListConfig(item="article.post", link="h2.entry-title a", date="time.entry-date", summary=".entry-content")
PORTAL = ListConfig(item="ul.list_009 li", date="span", timezone="Asia/Shanghai")


def test_a_wordpress_category_page():
    feed = parse_list_page((PAGES / "wordpress-category.html").read_bytes(), "评论", WORDPRESS,
                           base_url="http://127.0.0.1:8000/category/commentary/", now=NOW)  # fmt: skip
    assert feed.title == "时评 – 独立评论"
    assert [(e.title, e.link, e.published) for e in feed.entries] == [
        ("楼市的寒冬还要多久", "http://127.0.0.1:8000/2024/03/05/housing-market/", datetime(2024, 3, 5, 1, 12, 33, tzinfo=UTC)),
        ("两会前夕的三个看点", "http://127.0.0.1:8000/2024/03/03/two-sessions/", datetime(2024, 3, 3, 13, 40, tzinfo=UTC)),
        ("青年失业率为何停止公布", "http://127.0.0.1:8000/2024/02/28/youth-unemployment/?utm_source=category",
         datetime(2024, 2, 28, 4, 0, tzinfo=UTC)),
    ]  # fmt: skip
    first = feed.entries[0]
    assert first.guid == first.link and first.author == "" and not first.has_full_content
    assert first.content.startswith("<p>房地产销售连续第三十个月下滑")
    assert 'href="http://127.0.0.1:8000/2024/03/05/housing-market/"' in first.content  # made absolute


def test_a_chinese_portal_section_page_in_gb2312():
    feed = parse_list_page((PAGES / "portal-section-gb2312.html").read_bytes(), "国际", PORTAL,
                           base_url="http://127.0.0.1:8000/world/", now=NOW)  # fmt: skip
    assert feed.title == "国际新闻_环球要闻_新闻中心"
    got = [(e.title, e.link, e.published) for e in feed.entries]
    assert got == [
        ("联合国安理会就加沙局势举行紧急会议", "http://127.0.0.1:8000/world/2024-03-05/doc-inakqxzc1234567.shtml",
         datetime(2024, 3, 5, 6, 30, tzinfo=UTC)),  # 2024年03月05日 14:30 in Beijing
        # the same article twice (once with a #fragment): once
        ("日本央行维持负利率政策不变", "http://127.0.0.1:8000/world/2024-03-05/doc-inakqxzc2345678.shtml#comment",
         NOW - timedelta(hours=3)),  # 3小时前
        ("欧盟通过人工智能法案", "http://n.news-portal.example/world/2024-03-04/doc-inakqxzc3456789.shtml",
         datetime(2024, 3, 4, 2, 20, tzinfo=UTC)),  # 昨天 10:20, protocol-relative link
        ("巴西总统访问南非", "http://127.0.0.1:8000/world/2024-03-02/doc-inakqxzc4567890.shtml",
         datetime(2024, 3, 2, 0, 5, tzinfo=UTC)),  # 3月2日 08:05, ../ link
        # the javascript: "link" of 【视频】现场直击 is no entry
        ("印度大选进入最后阶段", "http://127.0.0.1:8000/world/doc-inakqxzc5678901.shtml",
         datetime(2024, 3, 1, 11, 45, tzinfo=UTC)),
    ]  # fmt: skip


def test_the_link_defaults_to_the_item_or_its_first_link_and_the_title_to_its_text():
    page = b"""<html><body><div class="list">
      <a class="card" href="/a/1"><h3>  First   story </h3><img src="x.png"></a>
      <div class="card"><span>no link here</span></div>
      <div class="card"><a href="mailto:x@example.org">mail</a></div>
      <div class="card"><h3 class="t">Third story</h3><a href="https://other.example/3" title="Third">more</a></div>
      <div class="card"><a href="/a/4" title="Only an image"><img src="4.png"></a></div>
    </div></body></html>"""
    feed = parse_list_page(page, "s", ListConfig(item=".card"), base_url="https://site.example/list/", now=NOW)
    assert [(e.title, e.link) for e in feed.entries] == [
        ("First story", "https://site.example/a/1"), ("more", "https://other.example/3"),
        ("Only an image", "https://site.example/a/4"),
    ]  # fmt: skip
    titled = parse_list_page(page, "s", ListConfig(item=".card", title="h3"), base_url="https://site.example/", now=NOW)
    assert [e.title for e in titled.entries] == ["First story", "Third story", "Only an image"]
    assert all(e.published is None for e in titled.entries)  # no date selector: the run's time, as for feeds


def test_selectors_that_match_nothing_say_the_page_changed():
    page = (PAGES / "wordpress-category.html").read_bytes()
    with pytest.raises(PageChangedError, match=f"^{PAGE_CHANGED}") as caught:
        parse_list_page(page, "s", ListConfig(item="div.post-card"), base_url="http://h/", now=NOW)
    assert str(caught.value) == f"{PAGE_CHANGED} (item 'div.post-card' matches nothing on the page)"
    with pytest.raises(PageChangedError) as caught:
        parse_list_page(page, "s", ListConfig(item="article.post", link="a.permalink"), base_url="http://h/", now=NOW)
    assert str(caught.value) == f"{PAGE_CHANGED} (3 items, none with link 'a.permalink' to an http(s) address)"


def test_hostile_pages_are_bounded_and_their_script_links_dropped():
    items = "".join(f'<li><a href="/n/{i}">标题 {i}</a></li>' for i in range(MAX_LIST_ITEMS + 500))
    feed = parse_list_page(f"<ul>{items}</ul>".encode(), "s", ListConfig(item="li"), base_url="http://h/", now=NOW)
    assert len(feed.entries) == MAX_LIST_ITEMS
    assert feed.warnings == [f"the page has {MAX_LIST_ITEMS + 500} items; read the first {MAX_LIST_ITEMS}"]
    tricks = ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', '&#x6A;avascript:alert(1)',
              'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', 'http://[bad/']  # fmt: skip
    page = "".join(f'<li><a href="{href}">t</a></li>' for href in tricks) + '<li><a href="/ok">ok</a></li>'
    feed = parse_list_page(page.encode(), "s", ListConfig(item="li"), base_url="http://h/", now=NOW)
    assert [e.link for e in feed.entries] == ["http://h/ok"]
    started = time.monotonic()
    deep = b"<div>" * 100_000 + b'<li><a href="/x">x</a></li>' + b"</div>" * 100_000
    with pytest.raises(PageChangedError):  # libxml2 stops nesting at 256 levels: what lies deeper is not read
        parse_list_page(deep, "s", ListConfig(item="li"), base_url="http://h/", now=NOW)
    title = "长" * 50_000
    feed = parse_list_page(f'<li><a href="/x">{title}</a><span class="d">{"1" * 100_000}</span></li>'.encode(), "s",
                           ListConfig(item="li", date="span.d"), base_url="http://h/", now=NOW)  # fmt: skip
    assert feed.entries[0].published is None and feed.entries[0].title == title  # the run shortens it (max_title_chars)
    assert time.monotonic() - started < 30  # generous: a quadratic parse of these would take minutes


def telegram_feed():
    page = (PAGES / "telegram-channel.html").read_bytes()
    return parse_telegram_page(page, "快讯", channel="newsflash_cn", now=NOW + timedelta(days=1))


def test_a_telegram_preview_page_gives_one_entry_per_message():
    feed = telegram_feed()
    assert feed.title == "新闻快讯" and feed.link == "https://t.me/s/newsflash_cn"
    # 1040 is a service message ("Channel photo updated"): no article
    assert [(e.link, e.published) for e in feed.entries] == [
        (f"https://t.me/newsflash_cn/{n}", datetime.fromisoformat(stamp))
        for n, stamp in [(1041, "2024-03-05T06:30:00+00:00"), (1042, "2024-03-05T07:15:42+00:00"),
                         (1043, "2024-03-05T08:02:11+00:00"), (1044, "2024-03-05T08:30:00+00:00"),
                         (1046, "2024-03-05T09:05:30+00:00"), (1047, "2024-03-05T09:40:00+00:00"),
                         (1048, "2024-03-05T10:12:00+00:00")]
    ]  # fmt: skip
    assert all(e.guid == e.link and e.has_full_content for e in feed.entries)


def test_telegram_text_photos_forwards_and_media_only_messages():
    text, photo, forwarded, album, video, sticker, preview = telegram_feed().entries
    assert text.title == "国务院发布新规：加强数据出境管理"  # the first line
    assert text.content == (
        "<p><b>国务院发布新规：加强数据出境管理</b><br><br>国务院办公厅5日发布通知，要求各地加强对重要数据出境的安全评估。"
        '<b>👉</b> <a href="https://www.example-news.cn/2024/03/05/data-rules.html" target="_blank" rel="noopener">全文</a>'
        '<br><br><a href="https://t.me/s/newsflash_cn?q=%23%E6%95%B0%E6%8D%AE">#数据</a> <a href="javascript:alert(1)">点此</a></p>'
    )  # the javascript: link is the sanitizer's to drop, as in any feed's content
    assert photo.title == "北京今晨大雾，多条高速临时封闭。"
    assert photo.content == ('<p><img src="https://cdn4.telesco.pe/file/kL9mN1oP3qR5sT7uV9wX1yZ3aB5cD7eF9gH1iJ3kL5mN7oP9qR1sT3'
                             'uV5wX7yZ9aB1cD3.jpg" alt=""></p><p>北京今晨大雾，多条高速临时封闭。</p>')  # fmt: skip
    assert forwarded.title == "气象台发布大雾黄色预警"
    assert forwarded.content == (
        '<p>Forwarded from <a class="tgme_widget_message_forwarded_from_name" href="https://t.me/weather_bj/5521">'
        '<span dir="auto">北京天气</span></a></p><p>气象台发布大雾黄色预警<br>能见度不足200米，请减少出行。</p>'
    )
    assert album.title == "新闻快讯 #1044"  # photos alone: titled after the channel
    assert album.content.count("<img ") == 2 and "pQ1rS3tU5vW7" in album.content and "zA7bC9dE1fG3" in album.content
    assert video.title == "发布会现场视频：官员回答记者提问。"
    assert video.content.startswith('<p><a href="https://t.me/newsflash_cn/1046"><img src="https://cdn4.telesco.pe/file/vW3x')
    assert "国务院发布新规" not in video.content  # the message it replies to is not its text
    assert sticker.title == "新闻快讯 #1047"
    assert sticker.content == '<p><a href="https://t.me/newsflash_cn/1047">Please open Telegram to view this post</a></p>'
    assert preview.content.endswith(
        '<blockquote><p><a href="https://www.example-news.cn/finance/rrr-cut">央行宣布降准 释放长期资金约1万亿元</a>'
        "<br>中国人民银行决定于3月15日下调金融机构存款准备金率0.5个百分点。</p></blockquote>"
    )
    assert "lM5nO7pQ9" not in preview.content  # the preview's thumbnail is not one of the message's photos


def test_a_long_first_line_is_cut_and_a_page_without_messages_has_changed():
    long_line = "很" * 200
    page = (f'<div class="tgme_widget_message js-widget_message" data-post="chan/7"><div class="tgme_widget_message_text">'
            f'{long_line}<br>second</div></div>').encode()  # fmt: skip
    (entry,) = parse_telegram_page(page, "s", channel="chan", now=NOW).entries
    assert entry.title == "很" * 79 + "…" and entry.link == "https://t.me/chan/7"
    bad_posts = b'<div class="tgme_widget_message" data-post="../../evil/1"></div><div class="tgme_widget_message" data-post="c/x"></div>'
    assert parse_telegram_page(bad_posts, "s", channel="chan", now=NOW).entries == []
    with pytest.raises(PageChangedError, match=f"^{PAGE_CHANGED}"):  # the preview turned off: t.me/s/x shows t.me/x
        parse_telegram_page(b'<html><div class="tgme_page"><a href="tg://resolve?domain=x">View</a></div></html>', "s",
                            channel="x", now=NOW)  # fmt: skip
