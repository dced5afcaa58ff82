"""What readers see, in headless Chromium at a phone's 390 px and a screen's 1280 px: every page kind is
screenshotted and measured — no sideways scrolling, no text spilling out of its table cell, no number broken
across lines, Chinese labels, the status page linked from every footer, the 简/繁 switch and its memory, pages
without JavaScript, light and dark — and axe-core (npm, tests/axe) finds no serious or critical violation.

Screenshots go to the test's temporary folder, or to $NEWSMIRROR_SCREENSHOTS when set (to look at them)."""

from __future__ import annotations

import base64
import io
import json
import os
import struct
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from PIL import Image

from browser import CHROMIUM, Browser
from conftest import GOLDEN_FEED, LocalServer, run_cli, write_config
from newsmirror.archive.layout import Archive
from newsmirror.archive.revisions import DELETED, EDITED, Event, append_event
from newsmirror.models import Article
from newsmirror.site.serve import make_server
from newsmirror.site.urls import revision_url

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]

AXE = Path(__file__).resolve().parent.parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1280)
SOURCES = ["美国之音", "德国之声", "Radio Free Asia Atom Feed"]


def _articles(now: datetime, pictures: str) -> list[Article]:
    articles = []
    for i in range(75):  # three sources, front page of 30, numbered pages
        source = SOURCES[i % 3]
        body = (f'<p><img src="{pictures}/p{i}.png" alt="图"></p>' if i % 4 == 0 else "") + (
            f"<p>这是第{i}篇文章的正文，谈论经济与外交。记者从北京报道：今年第三季度的数字是29/8，"
            f"比去年同期高出12.5%。</p><p>第二段：更多背景和评论，https://example.org/a-very-long-address/{i}</p>"
        )
        articles.append(Article(title=f"第{i}号新闻：台海局势与国际反应", date=now - timedelta(days=40) + timedelta(hours=i * 9),
                                author=source, link=f"https://news.example/{i}", source=source, content=body,
                                tags=[source, "国际"], categories=[source]))  # fmt: skip
    return articles


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("looks") / "mirror"
    feeds = LocalServer().start()  # the feed, then the articles' pictures (a host's, not mirrored ones)
    try:
        write_config(root, [{"name": "大纪元", "url": feeds.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())},
                            {"name": "坏掉的来源", "url": feeds.url("/missing.xml")}],
                     extra='[fetch]\nretries = 0\n[site]\ntitle = "外观测试"')  # fmt: skip
        assert run_cli("init", "--force", "--no-git", str(root)).returncode == 0
        fetched = run_cli("fetch", "-C", str(root))
        assert fetched.returncode in (0, 1), fetched.stderr  # the missing feed fails: the status page shows it
    except BaseException:
        feeds.stop()
        raise
    archive = Archive(root)
    for i, article in enumerate(_articles(datetime.now(UTC), feeds.url("/pictures"))):
        written = archive.write_post(article)
        if i in (3, 5):  # one edited at its source (its version and diff pages), one deleted
            _record(root, written.name, article, edited=i == 3)
        if i % 4 == 0:
            picture = io.BytesIO()
            Image.new("RGB", (176, 128), (30 + i, 90, 160)).save(picture, "PNG")
            feeds.add(f"/pictures/p{i}.png", picture.getvalue(), content_type="image/png")
    built = run_cli("build", "-C", str(root))
    assert built.returncode == 0, built.stderr
    server = make_server(root / "_site", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = Browser(tmp_path_factory.mktemp("chromium"))
    shots = Path(os.environ.get("NEWSMIRROR_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    yield f"http://127.0.0.1:{server.server_address[1]}", browser, root, shots
    browser.close()
    server.shutdown()
    server.server_close()
    feeds.stop()


def _record(root: Path, name: str, article: Article, edited: bool) -> None:
    if not edited:
        append_event(root, Event(DELETED, 1, article.date + timedelta(days=1), name, article.link, article.title,
                                 {"http_status": "404"}))  # fmt: skip
        return
    content = article.content.replace("第二段：更多背景和评论", "第二段：改写后的背景，删去了评论") + "<p>编者按：本文已更新。</p>"
    append_event(root, Event(EDITED, 1, article.date + timedelta(hours=6), name, article.link, article.title,
                             {"changed_chars": "20"}, 2, revision_url(name, 2), content=content))  # fmt: skip


def evaluate(browser: Browser, expression: str, wait: bool = False):
    result = browser.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=wait)
    assert "exceptionDetails" not in result, result["exceptionDetails"]
    return result["result"].get("value")


def open_page(browser: Browser, url: str, width: int, dark: bool = False, ready: str = "document.readyState === 'complete'"):
    browser.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600)
    browser.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}])
    browser.html(url, ready)


def screenshot(browser: Browser, path: Path) -> tuple[int, int]:
    data = base64.b64decode(browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
    path.write_bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # width, height from the IHDR chunk


# Layout facts, measured by the browser itself.
HORIZONTAL_SCROLL = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
SPILLING_CELLS = """[...document.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => c.textContent.slice(0, 40))"""
# A number or a Latin word in a cell that the browser laid out on more than one line: 29/8, Ato/m.
BROKEN_WORDS = """(() => { const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, re = /[0-9A-Za-z.%/:()-]{2,}/g; let m;
      while ((m = re.exec(node.nodeValue))) {
        const range = document.createRange(); range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken; })()"""


def page_urls(root: Path) -> dict[str, str]:
    urls = _page_urls(root)
    missing = [u for u in urls.values() if not (root / "_site" / unquote(u).lstrip("/")).with_suffix(".html").exists()
               and not (root / "_site" / unquote(u).lstrip("/") / "index.html").exists()]  # fmt: skip
    assert missing == []  # each kind measured on itself, not on the 404 page
    return urls


def _page_urls(root: Path) -> dict[str, str]:
    post = next(p for p in (root / "_site").glob("20*/**/*.html") if "号新闻" in p.name).relative_to(root / "_site").as_posix()
    return {"home": "/", "page": "/page/1/", "post": "/" + quote(post), "source": "/lists/" + quote("美国之音") + ".html",
            "sources": "/sources.html", "status": "/status.html", "archive": "/archive.html", "tags": "/tags.html",
            "search": "/search.html", "deleted": "/deleted.html", "404": "/404.html",
            "version": quote(revision_url(_edited_post(root), 2))}  # fmt: skip (the version page holds its diff)


def _edited_post(root: Path) -> str:
    """The file name of the post edited at its source (its record folder is named after it)."""
    (folder,) = [f for f in (root / "_revisions").iterdir() if any(f.glob("*-edited.md"))]
    return folder.name + ".md"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_kind_fits_the_screen_and_its_cells(site, width):
    base, browser, root, shots = site
    problems = {}
    for kind, url in page_urls(root).items():
        open_page(browser, base + url, width)
        size = screenshot(browser, shots / f"{kind}-{width}.png")
        assert width - 20 <= size[0] <= width  # less a desktop scroll bar
        facts = {"scroll": evaluate(browser, HORIZONTAL_SCROLL), "spill": evaluate(browser, SPILLING_CELLS),
                 "broken": evaluate(browser, BROKEN_WORDS),
                 "status link": evaluate(browser, "!!document.querySelector('footer.site a[href$=\"/status.html\"]')")}  # fmt: skip
        if facts != {"scroll": 0, "spill": [], "broken": [], "status link": True}:
            problems[kind] = facts
    assert problems == {}


@pytest.mark.parametrize("width", (320, 390, 1280))
def test_the_status_page_is_in_chinese_with_both_series_and_readable_labels(site, width):
    base, browser, _, shots = site
    open_page(browser, base + "/status.html", width)
    screenshot(browser, shots / f"status-detail-{width}.png")
    assert evaluate(browser, HORIZONTAL_SCROLL) == 0
    headers = evaluate(browser, "[...document.querySelectorAll('.status-table th')].map(t => t.textContent)")
    assert headers[:3] == ["来源", "最近成功", "最近错误"]
    text = evaluate(browser, "document.querySelector('.newsmirror-status').innerText")
    for english in ("source", "last success", "failures", "Updated", "never", "posts 24"):
        assert english not in text
    # The golden feed's post (of 2023) was fetched today: today's bar counts it, whatever the article's date.
    assert evaluate(browser, "document.querySelector('figure svg rect:last-of-type title').textContent").endswith(": 1")
    assert evaluate(browser, "!!document.querySelector('figure svg polyline')")  # the articles' dates, the 2nd series
    labels = evaluate(browser, """[...document.querySelectorAll('figure svg text')].filter(t => /-/.test(t.textContent))
      .map(t => t.getBoundingClientRect()).map(r => [r.left, r.right, r.height])""")
    assert len(labels) >= 2
    for (_, right, _), (left, _, _) in pairwise(labels):
        assert right <= left  # day labels never overlap
    assert min(height for *_, height in labels) >= 9  # still readable once the chart is scaled to the phone
    cells = evaluate(browser, "[...document.querySelectorAll('.status-table td')].map(c => c.getBoundingClientRect().width)")
    assert min(cells) > 40


def test_the_home_page_links_status_and_shows_numbered_pages_excerpts_and_pictures(site):
    base, browser, _, _ = site
    open_page(browser, base + "/", 1280)
    assert evaluate(browser, "document.querySelector('footer.site a[href$=\"/status.html\"]').textContent") == "状态"
    pages = evaluate(browser, "[...document.querySelectorAll('nav.pages a, nav.pages span')].map(a => a.textContent)")
    assert pages[0] == "最新" and pages[-1] == "1" and "2" in pages
    assert evaluate(browser, "document.querySelector('nav.pages [aria-current=page]').textContent") == "最新"
    excerpt = evaluate(browser, "document.querySelector('ul.posts .excerpt').textContent")
    assert excerpt.startswith("这是第") and len(excerpt) <= 91
    pictures = evaluate(browser, """[...document.querySelectorAll('ul.posts img.thumb')].map(i =>
      [i.getAttribute('src'), i.loading, i.naturalWidth > 0 || !i.complete])""")
    assert pictures and all(src.startswith(base.rsplit(":", 1)[0]) and lazy == "lazy" for src, lazy, _ in pictures)
    assert all(shown for *_, shown in pictures)  # the mirrored pictures load (those below the fold: when reached)
    first = "document.querySelector('ul.posts img.thumb')"
    browser.html(base + "/", f"{first}.complete && {first}.naturalWidth === 176")
    assert evaluate(browser, f"{first}.naturalWidth") == 176
    filter_links = evaluate(browser, "[...document.querySelectorAll('details.filter a')].map(a => a.textContent)")
    assert set(SOURCES) <= set(filter_links)


def test_the_script_switch_converts_remembers_and_restores(site):
    base, browser, root, _ = site
    post = page_urls(root)["post"]
    open_page(browser, base + post, 390)
    evaluate(browser, "localStorage.clear()")
    open_page(browser, base + post, 390, ready="!!document.querySelector('.hanzi-switch')")
    body = "document.querySelector('.content').innerText"
    original = evaluate(browser, body)
    evaluate(browser, "[...document.querySelectorAll('.hanzi-switch button')].find(b => b.textContent === '繁體').click()")
    traditional = evaluate(browser, body)
    assert traditional != original and "這是" in traditional and "經濟與外交" in traditional
    open_page(browser, base + "/", 390, ready="!!document.querySelector('.hanzi-switch')")  # another page: remembered
    assert evaluate(browser, "document.querySelector('.hanzi-switch [aria-pressed=true]').textContent") == "繁體"
    assert "號新聞" in evaluate(browser, "document.querySelector('ul.posts').innerText")
    evaluate(browser, "[...document.querySelectorAll('.hanzi-switch button')].find(b => b.textContent === '原文').click()")
    assert "号新闻" in evaluate(browser, "document.querySelector('ul.posts').innerText")
    open_page(browser, base + post, 390, ready="!!document.querySelector('.hanzi-switch')")
    assert evaluate(browser, body) == original


def test_pages_work_without_javascript(site):
    base, browser, root, shots = site
    browser.call("Emulation.setScriptExecutionDisabled", value=True)
    try:
        for kind in ("home", "post", "status"):
            open_page(browser, base + page_urls(root)[kind], 390)
            screenshot(browser, shots / f"{kind}-nojs-390.png")
            assert evaluate(browser, "document.body.innerText.length") > 100
            assert evaluate(browser, "!!document.querySelector('.hanzi-switch')") is False  # no dead switch
    finally:
        browser.call("Emulation.setScriptExecutionDisabled", value=False)


def test_search_speaks_chinese_and_shows_source_date_and_text(site):
    base, browser, _, shots = site
    open_page(browser, base + "/", 390)
    evaluate(browser, "localStorage.clear()")  # the page as mirrored, whatever an earlier test chose
    open_page(browser, base + "/search.html?q=" + quote("经济"), 390, ready="!!document.querySelector('.pagefind-ui__result-link')")
    screenshot(browser, shots / "search-results-390.png")
    ui = evaluate(browser, "document.querySelector('#search').innerText")
    for english in ("Source", "Date", "Filters", "results for", "Load more", "Clear"):
        assert english not in ui
    tags = evaluate(browser, "[...document.querySelectorAll('.pagefind-ui__result-tag')].map(t => t.textContent.trim())")
    assert any(t.startswith("来源: ") for t in tags) and any(t.startswith("日期: 20") for t in tags)
    excerpt = evaluate(browser, "document.querySelector('.pagefind-ui__result-excerpt').textContent")
    assert "这是第" in excerpt or "经济" in excerpt
    assert "号新闻：台海局势" not in excerpt  # the text, not the title again
    clear = evaluate(browser, """(() => { const b = document.querySelector('.pagefind-ui__search-clear');
      return b ? b.getBoundingClientRect().width : 99; })()""")
    assert clear >= 40  # room around the clear button's label


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci --prefix tests/axe)")
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(site, dark):
    base, browser, root, _ = site
    script = AXE.read_text(encoding="utf-8")
    found = {}
    for kind, url in page_urls(root).items():
        open_page(browser, base + url, 1280, dark=dark)
        evaluate(browser, script)
        result = evaluate(browser, "axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify("
                          "r.violations.filter(v => ['serious', 'critical'].includes(v.impact))"
                          ".map(v => [v.id, v.nodes.map(n => n.target.join(' ')).slice(0, 3)])))", wait=True)  # fmt: skip
        if json.loads(result):
            found[kind] = json.loads(result)
    assert found == {}
