"""The built site in headless Chromium, served from 127.0.0.1: index, post, source page, and Pagefind search."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from browser import CHROMIUM, Browser
from conftest import GOLDEN_NAME, GOLDEN_POST, run_cli
from newsmirror.archive.layout import Archive
from newsmirror.models import Article
from newsmirror.scaffold import init_archive
from newsmirror.site.serve import make_server

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]




@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser") / "mirror"
    init_archive(root, title="浏览器测试")
    shutil.copyfile(GOLDEN_POST, root / "_posts" / GOLDEN_NAME)
    archive = Archive(root)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    for i in range(40):
        source = ["美国之音", "德国之声"][i % 2]
        archive.write_post(
            Article(
                title=f"第{i}号新闻 台海局势",
                date=start + timedelta(hours=i),
                author=source,
                link=f"https://news.example/{i}",
                source=source,
                content=f"<p>这是第{i}篇文章的正文，谈论经济与外交。</p>",
                tags=[source],
                categories=[source],
            )
        )
    built = run_cli("build", "-C", str(root))
    assert built.returncode == 0, built.stderr
    server = make_server(root / "_site", "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = Browser(tmp_path_factory.mktemp("chromium"))
    yield f"http://127.0.0.1:{server.server_address[1]}", browser
    browser.close()
    server.shutdown()
    server.server_close()


def test_index_lists_the_newest_posts(site):
    base, browser = site
    page = browser.html(base + "/")
    assert "第39号新闻 台海局势" in page
    assert page.index("第39号新闻") < page.index("第38号新闻")
    assert "布林肯王毅会谈逾7小时" not in page  # the oldest post is not on the front page (30 per page)


def test_post_page_shows_the_golden_article(site):
    base, browser = site
    page = browser.html(base + "/" + quote("2023/10/28/布林肯王毅会谈逾7小时-盘点美中冲突领域.html"))
    assert "布林肯王毅会谈逾7小时 盘点美中冲突领域</h1>" in page
    assert "美国国务院发布的会谈摘要说" in page
    assert "责任编辑：林妍#" in page


def test_source_page_lists_that_sources_posts(site):
    base, browser = site
    page = browser.html(base + "/" + quote("lists/德国之声.html"))
    assert "第1号新闻 台海局势" in page and "第39号新闻 台海局势" in page
    assert "第2号新闻" not in page


def test_search_finds_the_golden_article(site):
    base, browser = site
    page = browser.html(base + "/search.html?q=" + quote("布林肯"), "document.querySelector('.pagefind-ui__result-link')")
    assert "pagefind-ui__result" in page, page[-3000:]
    assert "布林肯王毅会谈逾7小时 盘点美中冲突领域" in page
    assert quote("2023/10/28/布林肯王毅会谈逾7小时-盘点美中冲突领域.html") in page or "布林肯王毅会谈逾7小时-盘点美中冲突领域" in page


def test_search_box_in_every_page_header_leads_to_search(site):
    base, browser = site
    page = browser.html(base + "/" + quote("lists/美国之音.html"))
    assert 'action="/search.html"' in page and 'name="q"' in page


def test_unknown_address_gets_the_404_page(site):
    import urllib.error
    import urllib.request

    base, _ = site
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(base + "/no/such/page.html", timeout=10)
    assert caught.value.code == 404
    assert "找不到页面" in caught.value.read().decode("utf-8")
