"""Hostile links and names in the built sites (issue 18, findings 2 and 3), in headless Chromium.

A feed item's link is third-party: `javascript:`, `java<TAB>script:`, `JaVaScRiPt&#58;`, `&#x6A;avascript:` and
`data:text/html,…` must never become something a reader can click, neither as the post page's 原文 link nor as the
title line kramdown turns into a link. A source name is third-party too (`newsmirror add` takes the page's
og:site_name): Pagefind UI renders filter labels as HTML, so a name like `<img src=x onerror=…>` must reach its
search page escaped, and still read as those very characters.

Each site (newsmirror build, and Jekyll with a Pagefind index made by `python -m pagefind`) is served from
127.0.0.1 and opened with a hook that records every script execution, across navigations: every 原文 and title
link is clicked with real mouse events, a real search is typed, the filter panel opened and a filter ticked.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from browser import CHROMIUM, Browser
from conftest import LocalServer, post_files, run_cli, write_config
from hostile import HOOK, item, rss
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import parse_post
from newsmirror.models import Article
from newsmirror.scaffold import init_archive
from newsmirror.site.serve import make_server

JEKYLL = shutil.which("jekyll")
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
needs_jekyll = pytest.mark.skipif(JEKYLL is None, reason="jekyll is not installed")

# Every spelling calls window.__xss (or alert) when a browser runs it.
HOSTILE_LINKS = {
    "plain": "javascript:window.__xss('link-plain')",
    "alert": "javascript:alert(1)",
    "tab": "java\tscript:window.__xss('link-tab')",
    "newline": "java\nscript:window.__xss('link-newline')",
    "case-entity": "JaVaScRiPt&#58;window.__xss('link-case-entity')",
    "hex-entity": "&#x6A;avascript:window.__xss('link-hex-entity')",
    "named-entity": "javascript&colon;window.__xss('link-named-entity')",
    "tab-entity": "java&#x09;script:window.__xss('link-tab-entity')",
    "edges": " \x01\x1fjavascript:window.__xss('link-edges') ",
    "data": "data:text/html,<script>window.__xss('link-data')</script>",
    "data64": "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3MoJ2xpbmstZGF0YTY0Jyk8L3NjcmlwdD4=",
    "vbscript": "vbscript:msgbox(1)",
}
# Ordinary addresses, kept exactly: `&` starting a character reference, and a plain query string.
GOOD_LINKS = {
    "references": "https://news.example/a?x=1&amp;y=2&copy=3&#58;z&colon;w",
    "query": "https://news.example/b?a=1&b=2",
}
# Source names (the post's category: the search page's filter), each ran script in the filter panel before.
HOSTILE_SOURCES = [
    "<img src=x onerror=\"window.__xss('filter')\">",
    "a,b: c & <details open ontoggle=\"window.__xss('filter-toggle')\">d</details>",
]
TITLE = "<img src=x onerror=\"window.__xss('title')\"> 链接 {key}"
QUERY = "zqxlink"  # in every post's text

RECORDER = HOOK + """
(function () {
  const log = window.__xssLog, push = log.push.bind(log);
  log.push = function (entry) {
    try { window.__xssReport(String(entry)); } catch (e) {}
    return push(entry);
  };
})();
"""


class RecordingBrowser(Browser):
    """Browser whose hook reports every execution to the test over a binding, so one that happens just before a
    navigation (a clicked link) is not lost with the page."""

    def __init__(self, profile: Path):
        super().__init__(profile)
        self.fired: list[str] = []
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Runtime.addBinding", name="__xssReport")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=RECORDER)

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=30))
            if message.get("method") == "Runtime.bindingCalled" and message["params"]["name"] == "__xssReport":
                self.fired.append(message["params"]["payload"])
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message["result"]

    def evaluate(self, expression: str):
        answer = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 20) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.evaluate(f"Boolean({condition})"):
                return True
            time.sleep(0.1)
        return False

    def executions(self) -> list[str]:
        """What ran so far (events still in flight are read first)."""
        time.sleep(0.2)
        self.call("Browser.getVersion")
        return list(self.fired)

    def click(self, element: str) -> bool:
        """A real click (mouse pressed and released over it) on the element the JavaScript expression `element`
        gives; an element not on screen (the Jekyll title line is hidden by CSS) is clicked with element.click().
        False when there is no such element."""
        where = self.evaluate(
            f"""(() => {{
              const el = {element};
              if (!el) return null;
              el.scrollIntoView({{block: 'center'}});
              const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
              const hit = document.elementFromPoint(x, y);
              return [x, y, r.width > 0 && r.height > 0 && !!hit && (hit === el || el.contains(hit))];
            }})()"""
        )
        if where is None:
            return False
        x, y, on_screen = where
        if on_screen:
            for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
                self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
        else:
            self.evaluate(f"({element}).click()")
        time.sleep(0.3)
        return True


def _article(key: str, link: str, source: str, start: datetime, n: int) -> Article:
    return Article(
        title=TITLE.format(key=key),
        date=start + timedelta(hours=n),
        author=source,
        link=link,
        source=source,
        content=f"<p>{QUERY} 正文 {key} 敌意链接的文章。</p>",
        tags=[source],
        categories=[source],
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """Posts written by the real post writer, whose `from:` holds each hostile spelling (the writer leaves the
    title line's target empty), and one old-style post whose title line has a plain `&` in its query."""
    root = tmp_path_factory.mktemp("hostile-links") / "mirror"
    init_archive(root, title="敌意链接")
    archive = Archive(root)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    links = {**HOSTILE_LINKS, **GOOD_LINKS}
    for n, (key, link) in enumerate(links.items()):
        path = archive.write_post(_article(key, link, HOSTILE_SOURCES[n % 2], start, n))
        assert parse_post(path.read_text(encoding="utf-8")).link == link  # from: as the feed gave it
    (root / "_posts" / "2024-03-02-旧格式.md").write_text(
        "---\nlayout: post\ntitle: 旧格式\ndate: 2024-03-02T00:00:00.000Z\nauthor: 旧\n"
        "from: https://news.example/old?a=1&b=2\ntags: [ 旧 ]\ncomments: True\ncategories: [ 旧 ]\n---\n"
        "<!--1709337600000-->\n[旧格式](https://news.example/old?a=1&b=2)\n------\n\n"
        f"<div>\n<p>{QUERY} 旧格式的文章。</p>\n</div>\n",
        encoding="utf-8",
    )
    return root


def _serve(directory: Path):
    server = make_server(directory, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = RecordingBrowser(tmp_path_factory.mktemp("chromium"))
    yield chromium
    chromium.close()


def _control(site: Path) -> None:
    (site / "xss-control.html").write_text(
        '<!doctype html><meta charset="utf-8"><p><a id="c" href="javascript:window.__xss(\'control-click\')">'
        "control</a></p><div id=\"h\"></div>",
        encoding="utf-8",
    )


def _check_control(browser: RecordingBrowser, base: str) -> None:
    """The hook sees a clicked `javascript:` link and markup put in with innerHTML (what Pagefind UI does with
    filter labels): so an empty record below means nothing ran."""
    before = len(browser.executions())
    browser.html(base + "/xss-control.html")
    assert browser.click("document.getElementById('c')")
    browser.evaluate("document.getElementById('h').innerHTML = '<img src=x onerror=\"window.__xss(`control-html`)\">'")
    assert browser.wait_for("window.__xssLog.length >= 2", timeout=5)
    assert browser.executions()[before:] == ["control-click", "control-html"]
    browser.fired.clear()


def _post_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.relative_to(site).parts[0].isdigit())


# Every address in the page as the browser resolved it (an iframe's srcdoc counts as one that is not http).
_ADDRESSES = """[...document.querySelectorAll('[href], [src], [action], [formaction], [data], [srcdoc]')]
  .map(el => [el.tagName, el.href || el.src || el.action || el.formAction || el.data || 'srcdoc'])"""


def _assert_links_are_safe(browser: RecordingBrowser, base: str, pages: list[str], title_link: str | None = None):
    """Open each post page and click its 原文 link and (Jekyll) its title link: nothing runs, and every address in
    the page is http(s). Returns {page: 原文 href or None} and {page: the title link's href attribute or None}."""
    originals, titles, ran, unsafe = {}, {}, {}, []
    for page in pages:
        url = base + "/" + quote(page)
        browser.html(url)
        unsafe += [(page, tag, address) for tag, address in browser.evaluate(_ADDRESSES)
                   if not re.match(r"https?://", address)]
        originals[page] = browser.evaluate("(document.querySelector('a.original') || {}).href || null")
        clicked = browser.click("document.querySelector('a.original')")
        if title_link:
            if clicked:
                browser.html(url)  # the click left the page
            titles[page] = browser.evaluate(f"(({title_link}) || {{}}).getAttribute?.('href') ?? null")
            browser.click(title_link)
        if browser.executions():
            ran[page] = list(browser.fired)
            browser.fired.clear()
    assert not ran, sorted(entry for entries in ran.values() for entry in entries)
    assert not unsafe, unsafe
    return originals, titles


def _assert_search_runs_nothing(browser: RecordingBrowser, base: str, titles: set[str], sources: list[str]) -> None:
    """Type a real query, wait for the results, open every filter group, tick each hostile source."""
    browser.html(base + "/search.html", "document.querySelector('.pagefind-ui__search-input')")
    assert browser.wait_for("document.querySelector('.pagefind-ui__search-input')")
    browser.evaluate("document.querySelector('.pagefind-ui__search-input').focus()")
    browser.call("Input.insertText", text=QUERY)
    assert browser.wait_for("document.querySelectorAll('.pagefind-ui__result-link').length >= 5"), browser.evaluate(
        "document.body.innerHTML"
    )
    assert browser.wait_for("document.querySelector('.pagefind-ui__filter-name')")
    blocks = "document.querySelectorAll('.pagefind-ui__filter-block')"
    for index in range(browser.evaluate(f"{blocks}.length")):
        if not browser.evaluate(f"{blocks}[{index}].open"):  # one small group starts open
            assert browser.click(f"{blocks}[{index}].querySelector('summary')")
    assert browser.evaluate(f"[...{blocks}].every(b => b.open)")
    assert browser.wait_for("document.querySelector('.pagefind-ui__filter-label')")
    assert browser.executions() == []
    labels = browser.evaluate("[...document.querySelectorAll('.pagefind-ui__filter-label')].map(l => l.textContent)")
    values = {re.sub(r" \(\d+\)$", "", label) for label in labels}
    for source in sources:
        assert source in values, (source, labels)  # the name, shown as the characters it is
    # Labels and group names hold text only: no element was made of a name.
    assert browser.evaluate(
        "document.querySelectorAll('.pagefind-ui__filter-label *, .pagefind-ui__filter-name *, "
        ".pagefind-ui__filter-group-label *').length"
    ) == 0
    shown = set(browser.evaluate("[...document.querySelectorAll('.pagefind-ui__result-link')].map(a => a.textContent)"))
    assert shown and shown <= titles, shown - titles  # result titles are text too
    for source in sources:
        checkbox = (
            "([...document.querySelectorAll('.pagefind-ui__filter-label')]"
            f".find(l => l.textContent.startsWith({json.dumps(source + ' (')})) || {{}}).parentElement"
            "?.querySelector('input')"
        )
        assert browser.wait_for(checkbox)
        assert browser.click(checkbox)
        assert browser.wait_for(f"({checkbox}).checked")
        assert browser.wait_for("document.querySelectorAll('.pagefind-ui__result-link').length > 0")
        time.sleep(0.5)
        browser.click(checkbox)
    assert browser.executions() == []
    assert browser.evaluate("JSON.stringify(window.__xssLog)") == "[]"


def _expect_links(originals: dict, titles: dict, pages_by_key: dict[str, str]) -> None:
    for key in HOSTILE_LINKS:
        page = pages_by_key[key]
        assert originals[page] is None, (key, originals[page])  # no 原文 link at all
        if titles:
            assert titles[page] in ("", None), (key, titles[page])  # the title line links nowhere
    for key, link in GOOD_LINKS.items():
        page = pages_by_key[key]
        assert originals[page] is not None, key
        if titles:
            assert titles[page] == link, (key, titles[page])  # as the browser reads it: the address as written


def _pages_by_key(site: Path, pages: list[str]) -> dict[str, str]:
    found = {}
    for key in [*HOSTILE_LINKS, *GOOD_LINKS]:
        marker = f"正文 {key} 敌意链接"
        matches = [p for p in pages if marker in (site / p).read_text(encoding="utf-8")]
        assert len(matches) == 1, (key, matches)
        found[key] = matches[0]
    return found


def _titles() -> set[str]:
    return {TITLE.format(key=key) for key in [*HOSTILE_LINKS, *GOOD_LINKS]} | {"旧格式"}


# ---------------------------------------------------------------------------------------------------------------
# newsmirror build


@pytest.fixture(scope="module")
def built(archive):
    done = run_cli("build", "-C", str(archive), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    site = archive / "_site"
    _control(site)
    server = _serve(site)
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@needs_browser
def test_built_site_posts_have_no_script_link_and_keep_good_ones_exactly(built, browser):
    site, base = built
    _check_control(browser, base)
    pages = _post_pages(site)
    originals, titles = _assert_links_are_safe(browser, base, pages)
    by_key = _pages_by_key(site, pages)
    _expect_links(originals, titles, by_key)
    for key, link in GOOD_LINKS.items():
        html = (site / by_key[key]).read_text(encoding="utf-8")
        assert re.search(r'<a class="original" href="([^"]*)"', html).group(1).replace("&amp;", "&") == link


@pytest.mark.browser
@needs_browser
def test_built_site_search_shows_hostile_names_as_text_and_runs_nothing(built, browser):
    _site, base = built
    _check_control(browser, base)
    _assert_search_runs_nothing(browser, base, _titles(), HOSTILE_SOURCES)


# ---------------------------------------------------------------------------------------------------------------
# Jekyll (kramdown renders the title line), with the Pagefind index made over Jekyll's output


@pytest.fixture(scope="module")
def jekyll_built(archive, tmp_path_factory):
    site = tmp_path_factory.mktemp("jekyll-links") / "site"
    done = subprocess.run(["jekyll", "build", "--destination", str(site)], cwd=archive, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    indexed = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)], capture_output=True,
                             text=True, timeout=300)
    assert indexed.returncode == 0, (indexed.stdout + indexed.stderr)[-3000:]
    _control(site)
    server = _serve(site)
    yield site, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Links(HTMLParser):
    """Every a/iframe/img address in a page, its character references decoded as a browser decodes attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, class, address)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in ("href", "src"):
            if values.get(name) is not None:
                self.links.append((tag, values.get("class") or "", values[name]))


@pytest.mark.jekyll
@needs_jekyll
def test_kramdown_and_liquid_write_no_script_address_and_good_ones_as_written(jekyll_built):
    """Without a browser: what Jekyll (kramdown for the title line, Liquid for 原文) wrote, read as a browser
    reads attributes and addresses (tab and newline dropped, ends stripped), is http(s) or site-relative only."""
    site, _ = jekyll_built
    pages = _post_pages(site)
    by_key = _pages_by_key(site, pages)
    for page in pages:
        parser = _Links()
        parser.feed((site / page).read_text(encoding="utf-8"))
        for tag, _class, address in parser.links:
            seen = re.sub(r"[\t\n\r]", "", address).strip("".join(map(chr, range(0x21))))
            scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", seen)
            assert scheme is None or scheme.group(1).lower() in ("http", "https"), (page, tag, address)
    for key, link in GOOD_LINKS.items():
        parser = _Links()
        parser.feed((site / by_key[key]).read_text(encoding="utf-8"))
        original = [a for tag, cls, a in parser.links if cls == "original"]
        assert original == [link], (key, original)
        assert link in [a for tag, cls, a in parser.links if tag == "a" and not cls], key  # the title line


# The title line `[title](link)` as kramdown renders it: the first paragraph's first link in the post's content.
JEKYLL_TITLE_LINK = "document.querySelector('.kramdown-body > p:first-child > a:first-child')"


@pytest.mark.jekyll
@pytest.mark.browser
@needs_jekyll
@needs_browser
def test_jekyll_posts_have_no_script_link_and_keep_good_ones_exactly(jekyll_built, browser):
    site, base = jekyll_built
    _check_control(browser, base)
    pages = _post_pages(site)
    originals, titles = _assert_links_are_safe(browser, base, pages, JEKYLL_TITLE_LINK)
    by_key = _pages_by_key(site, pages)
    _expect_links(originals, titles, by_key)
    old = next(p for p in pages if "旧格式的文章" in (site / p).read_text(encoding="utf-8"))
    assert titles[old] == "https://news.example/old?a=1&b=2"  # a plain & (an older post's title line) still works
    for page in pages:  # no hostile address reached the page in any form (as a link or as text)
        text = (site / page).read_text(encoding="utf-8")
        assert not re.search(r"__xss\((?:'|&#39;|&#x27;)link-|msgbox|base64,", text), page


@pytest.mark.jekyll
@pytest.mark.browser
@needs_jekyll
@needs_browser
def test_jekyll_search_shows_hostile_names_as_text_and_runs_nothing(jekyll_built, browser):
    _site, base = jekyll_built
    _check_control(browser, base)
    _assert_search_runs_nothing(browser, base, _titles(), HOSTILE_SOURCES)


# ---------------------------------------------------------------------------------------------------------------
# End to end through the real commands: fetch a hostile feed, add a page with a hostile site name


@pytest.mark.browser
@needs_browser
def test_fetch_keeps_no_script_link_and_add_keeps_the_site_name_harmless(tmp_path, browser):
    server = LocalServer().start()
    try:
        items = [
            item(f"敌意条目 {key}", link, body=f"<p>{QUERY} 条目 {key}</p>", guid=f"urn:hostile:{key}")
            for key, link in {**HOSTILE_LINKS, "good": "https://news.example/fine?a=1&b=2"}.items()
            if key != "edges"  # C0 controls cannot be in XML at all
        ]
        feed = server.add("/feed.xml", rss(items, "敌意链接"))
        # og:site_name as markup, and with its "<" written as a reference once, twice, three times (trafilatura and
        # newsmirror each decode some): whatever name a page ends up with, the search page must show it as text.
        site_name = "<img src=x onerror=\"window.__xss('site-name')\">"
        body = "".join(f"<p>{QUERY} 这是正文的第{i}段，内容足够长，可以被当作一篇文章来提取。</p>" for i in range(8))
        pages = []
        for depth in range(4):
            name = site_name
            for _ in range(depth):
                name = html.escape(name, quote=False)
            pages.append(server.add(
                f"/story{depth}.html",
                f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>一篇文章 {depth}</title>'
                f'<meta property="og:site_name" content="{html.escape(name)}"></head>'
                f"<body><article><h1>一篇文章 {depth}</h1>{body}</article></body></html>",
                content_type="text/html; charset=utf-8",
            ))
        root = tmp_path / "mirror"
        init_archive(root, title="端到端")
        write_config(root, [{"name": "敌意", "url": feed}], extra="[fetch]\ntimeout = 5\nretries = 0")
        fetched = run_cli("fetch", "-C", str(root), "--json", timeout=120)
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        added = run_cli("add", "--allow-private", *pages, "-C", str(root), timeout=120)
        assert added.returncode == 0, added.stdout + added.stderr
    finally:
        server.stop()

    posts = [(p, parse_post(p.read_text(encoding="utf-8"))) for p in post_files(root)]
    fed = [post for _, post in posts if post.title.startswith("敌意条目")]
    assert len(fed) == len(HOSTILE_LINKS)  # every hostile item but "edges", and the good one
    for path, post in posts:
        title_line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("["))
        target = title_line[title_line.rindex("](") + 2 : -1]
        assert post.link == "" or post.link.startswith(("https://", "http://")), (post.title, post.link)
        assert target == "" or target.startswith(("https://", "http://")), (post.title, title_line)
    assert {p.link for p in fed} == {"", "https://news.example/fine?a=1&b=2"}
    names = sorted({post.source for _, post in posts if post.title.startswith("一篇文章")})
    # Today a name like `&lt;img src=x onerror=…&gt;` survives as text (it holds no "<"): the case Pagefind would
    # decode into markup without the filter's escaping.
    assert any("onerror" in name for name in names), names

    built = run_cli("build", "-C", str(root), timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    site = root / "_site"
    _control(site)
    http = _serve(site)
    try:
        base = f"http://127.0.0.1:{http.server_address[1]}"
        _check_control(browser, base)
        _assert_links_are_safe(browser, base, _post_pages(site))
        titles = {post.title for _, post in posts}
        _assert_search_runs_nothing(browser, base, titles, names)
    finally:
        http.shutdown()
        http.server_close()
