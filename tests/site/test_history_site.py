"""What the site shows of articles edited or deleted at their source, after real rechecks against a local server:
`newsmirror build` (notices, version pages with their diff, /deleted.html, /revisions/deleted.xml, the build cache),
real Jekyll on the scaffold (the same, from _data/, without a warning) and headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import LocalServer, run_cli
from newsmirror.config import load_config
from newsmirror.operations.recheck import run_recheck
from newsmirror.site.build import build_site
from recheckhelpers import mirror_articles, second_visit, third_visit


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The scenario of tests/operations/test_recheck.py, each recheck an hour after the one before; and at the
    third, the view-counter article gone too (so that the deleted list has an order to keep)."""
    root = tmp_path_factory.mktemp("history") / "mirror"
    server = LocalServer().start()
    try:
        mirror_articles(server, root)
        config = load_config(root)
        start = datetime.now(UTC).replace(microsecond=0)
        run_recheck(config, everything=True, now=start)
        second_visit(server)
        run_recheck(config, everything=True, now=start + timedelta(hours=1))
        third_visit(server)
        del server.routes["/counter.html"]
        run_recheck(config, everything=True, now=start + timedelta(hours=2))
    finally:
        server.stop()
    return root


def post_page(site: Path, title: str) -> str:
    (path,) = [p for p in site.glob("[0-9]*/*/*/*.html") if title in p.name]
    return path.read_text(encoding="utf-8")


def version_pages(site: Path) -> list[Path]:
    return sorted((site / "revisions").glob("*/v*.html"))


def test_newsmirror_build_shows_versions_diffs_and_deletions(archive):
    report = build_site(load_config(archive), with_search=False)
    assert report.errors == []
    site = archive / "_site"
    edited = post_page(site, "地铁延线方案听证会")
    assert "此文发表后在源站被修改过 2 次。" in edited and "第 2 版" in edited and "第 3 版" in edited
    assert edited.count('class="changes"') == 2
    assert "近两百名居民代表" in edited and "提出质疑" in edited  # the page itself is the first version
    v2, v3 = version_pages(site)
    assert [v2.name, v3.name] == ["v2.html", "v3.html"]
    second, third = v2.read_text(encoding="utf-8"), v3.read_text(encoding="utf-8")
    assert "<del>提出质疑</del><ins>表示支持</ins>" in second
    assert "<ins>记者稍后从交通局获悉，修改后的方案已提交市人大常委会审议。</ins>" in third and "<del>" not in third.split("</p>", 1)[1].split('id="changes"')[1].split("</p>", 1)[1]
    changes = third.split('id="changes"')[1].split("</section>")[0]
    assert "与第 2 版相比的改动" in changes and "<script" not in changes  # the diff needs no script
    wechat = post_page(site, "公众号文章")
    assert re.search(r"此文已于 \d{4}-\d\d-\d\d 在源站被删除</strong>（页面显示“此内容因违规无法查看”）", wechat)
    assert "（HTTP 404）" in post_page(site, "拆迁补偿标准引发质疑")
    assert "原网址跳转到网站首页" in post_page(site, "市政府公布新规划")
    assert "在源站被删除" not in post_page(site, "学者谈听证会")  # it came back
    deleted = (site / "deleted.html").read_text(encoding="utf-8")
    order = [t for t in re.findall(r'<li><a href="[^"]+">([^<]+)</a>', deleted)]
    assert order[0] == "交通局回应居民关切"  # deleted an hour after the other three
    assert sorted(order[1:]) == sorted(["拆迁补偿标准引发质疑", "公众号文章", "市政府公布新规划"])
    feed = ElementTree.fromstring((site / "revisions" / "deleted.xml").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")]
    assert titles == order
    assert "在源站被删除" in feed.find(f"{atom}entry").findtext(f"{atom}content")


def test_a_new_record_renders_its_post_page_again(archive, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(archive, root, ignore=shutil.ignore_patterns("_site"))
    config = load_config(root)
    build_site(config, with_search=False)
    assert build_site(config, with_search=False).nothing_changed
    from newsmirror.archive.revisions import DELETED, Event, append_event, read_histories

    (name,) = [n for n in read_histories(root) if "学者谈" in n]
    history = read_histories(root)[name]
    append_event(root, Event(DELETED, history.last_number + 1, datetime.now(UTC), name, history.events[0].url,
                             "学者谈听证会", {"http_status": "404", "reason": "HTTP 404 Not Found"}))  # fmt: skip
    again = build_site(config, with_search=False)
    assert not again.nothing_changed and again.rendered_posts == 1
    assert "在源站被删除" in post_page(root / "_site", "学者谈听证会")
    assert "学者谈听证会" in (root / "_site" / "deleted.html").read_text(encoding="utf-8")


def test_two_posts_naming_one_version_page_are_told_and_the_first_keeps_it(archive, tmp_path):
    """An archive whose record names one version page for two posts (recorded before 4f97f64 kept slug-alike
    posts' folders apart, or edited by hand): the page shows the post that named it first, and the build says so."""
    root = tmp_path / "copy"
    shutil.copytree(archive, root, ignore=shutil.ignore_patterns("_site"))
    from newsmirror.archive.revisions import EDITED, Event, append_event, read_histories

    histories = read_histories(root)
    (edited,) = [n for n in histories if "地铁延线" in n]
    (other,) = [n for n in histories if "学者谈" in n]
    taken = histories[edited].versions[0]
    later = histories[other]
    append_event(root, Event(EDITED, later.last_number + 1, taken.date + timedelta(days=1), other, later.events[0].url,
                             "学者谈听证会", {}, 2, taken.permalink, content="<p>学者谈听证会的另一版本。</p>"))  # fmt: skip
    report = build_site(load_config(root), with_search=False)
    assert report.errors == [f"{taken.permalink}: the version page of {edited}; the version of {other} recorded at "
                             "the same address has no page of its own"], report.errors  # fmt: skip
    shown = (root / "_site" / taken.permalink.lstrip("/")).read_text(encoding="utf-8")
    assert "表示支持" in shown and "另一版本" not in shown

    # The first post gone from the archive: its events show nowhere, and the page is the other post's.
    (post,) = [p for p in (root / "_posts").rglob(edited)]
    post.unlink()
    again = build_site(load_config(root), with_search=False)
    assert not [e for e in again.errors if "version page" in e], again.errors
    assert "另一版本" in (root / "_site" / taken.permalink.lstrip("/")).read_text(encoding="utf-8")


@pytest.mark.jekyll
@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")
def test_jekyll_shows_the_same_from_the_data_newsmirror_writes(archive, tmp_path):
    root = tmp_path / "jekyll"
    shutil.copytree(archive, root, ignore=shutil.ignore_patterns("_site"))
    assert run_cli("init", str(root), "--force").returncode == 0
    jekyll = subprocess.run(["jekyll", "build", "--destination", str(tmp_path / "out")], cwd=root,
                            capture_output=True, text=True, timeout=600)  # fmt: skip
    output = re.sub(r"\x1b\[[0-9;]*m", "", jekyll.stdout + jekyll.stderr)
    assert jekyll.returncode == 0, output
    assert not re.search(r"warn|error|deprecat|conflict|liquid", output, re.I), output
    site = tmp_path / "out"
    edited = post_page(site, "地铁延线方案听证会")
    assert "此文发表后在源站被修改过 2 次。" in edited and edited.count('class="changes"') == 2
    assert "原网址跳转到网站首页" in post_page(site, "市政府公布新规划")
    assert "在源站被删除" not in post_page(site, "学者谈听证会")
    v2, v3 = version_pages(site)
    assert "<del>提出质疑</del><ins>表示支持</ins>" in v2.read_text(encoding="utf-8")
    assert "已提交市人大常委会审议" in v3.read_text(encoding="utf-8")
    # The version pages are where newsmirror build puts them, and so are the deleted list and its feed.
    build_site(load_config(root), with_search=False)
    assert [p.relative_to(site) for p in version_pages(site)] == [p.relative_to(root / "_site") for p in version_pages(root / "_site")]
    deleted = (site / "deleted.html").read_text(encoding="utf-8")
    assert re.findall(r'<li><a href="[^"]+">([^<]+)</a>', deleted)[0] == "交通局回应居民关切"
    ElementTree.fromstring((site / "revisions" / "deleted.xml").read_bytes())  # well-formed
    assert not list(site.glob("revisions/*/*deleted*")) and not list(site.glob("revisions/*/0*"))


@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None, reason="no chromium")
def test_chromium_shows_the_notices_and_the_diff(archive, tmp_path):
    from browser import Browser
    from newsmirror.site.serve import make_server

    build_site(load_config(archive), with_search=False)
    site = archive / "_site"
    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = Browser(tmp_path / "chromium")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        (post,) = [p for p in site.glob("[0-9]*/*/*/*.html") if "地铁延线" in p.name]
        from urllib.parse import quote

        browser.html(base + quote("/" + post.relative_to(site).as_posix()))
        shown = browser.call("Runtime.evaluate", returnByValue=True, expression=(
            "[...document.querySelectorAll('.notice.edited a')].filter(a => a.offsetHeight > 0).map(a => a.textContent)"
        ))["result"]["value"]  # fmt: skip
        assert shown[:2] == ["第 2 版（" + shown[0].split("（")[1], "改动"] and len(shown) == 4
        link = browser.call("Runtime.evaluate", returnByValue=True,
                            expression="document.querySelector('.notice.edited a.changes').href")["result"]["value"]  # fmt: skip
        assert link.endswith("/v2.html#changes")
        browser.html(link)
        marks = browser.call("Runtime.evaluate", returnByValue=True, expression=(
            "[...document.querySelectorAll('#changes del, #changes ins')].filter(e => e.offsetHeight > 0)"
            ".map(e => e.tagName + ':' + e.textContent + ':' + getComputedStyle(e).textDecorationLine)"
        ))["result"]["value"]  # fmt: skip
        assert "DEL:提出质疑:line-through" in marks and "INS:表示支持:underline" in marks
        (gone,) = [p for p in site.glob("[0-9]*/*/*/*.html") if "公众号文章" in p.name]
        browser.html(base + quote("/" + gone.relative_to(site).as_posix()))
        notice = browser.call("Runtime.evaluate", returnByValue=True,
                              expression="document.querySelector('.notice.deleted').innerText")["result"]["value"]  # fmt: skip
        assert "在源站被删除" in notice and "此内容因违规无法查看" in notice
        browser.html(base + "/deleted.html")
        listed = browser.call("Runtime.evaluate", returnByValue=True,
                              expression="document.querySelectorAll('ul.deleted li').length")["result"]["value"]  # fmt: skip
        assert listed == 4
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
