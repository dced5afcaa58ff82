"""List pages: the front page shows the newest posts; numbered pages count from the oldest and, once full, stay."""

from __future__ import annotations

import re

from newsmirror.site import lists
from newsmirror.site.lists import site_lists, write_lists
from newsmirror.site.outputs import Outputs
from newsmirror.site.placement import place_posts
from newsmirror.site.render import Renderer
from newsmirror.site.scan import PostRecord


def records(n: int) -> dict[str, PostRecord]:
    return {
        f"p{i}": PostRecord(f"p{i}", 0, 0, "d", f"标题{i}", 86400.0 * i, "", "", "源", ["标签"], True, f"/p{i}.html")
        for i in range(n)
    }


def titles(path) -> list[str]:
    return re.findall(r">(标题\d+)<", path.read_text(encoding="utf-8"))


def test_every_list_of_the_site():
    placement = place_posts(records(3), "")
    specs = site_lists(placement, 0, "")
    assert [(s.heading, s.url_for(0), s.url_for(2), s.per_page) for s in specs] == [
        ("", "/", "/page/2/", 1),  # posts_per_page is at least 1
        ("源", "/lists/源.html", "/lists/源/page2.html", lists.LIST_PER_PAGE),
        ("#标签", "/tags/标签.html", "/tags/标签/page2.html", lists.LIST_PER_PAGE),
        ("1970-01", "/archive/1970-01.html", "/archive/1970-01/page2.html", lists.LIST_PER_PAGE),
    ]
    assert specs[1].feed_href == "/feed/%E6%BA%90.xml" and not specs[1].show_source and specs[0].show_source


def test_numbered_pages_count_from_the_oldest_and_full_ones_never_change(tmp_path, monkeypatch):
    monkeypatch.setattr(lists, "LIST_PER_PAGE", 2)
    site = tmp_path / "_site"
    renderer = Renderer(tmp_path, site, {"site": {"title": "t", "baseurl": "", "url": "", "language": "zh"}, "base": ""})
    outputs = Outputs(site, {})
    write_lists(renderer, place_posts(records(5), ""), outputs, 2)
    assert titles(site / "index.html") == ["标题4", "标题3"]
    assert titles(site / "page" / "1" / "index.html") == ["标题1", "标题0"]
    assert titles(site / "page" / "2" / "index.html") == ["标题3", "标题2"]
    assert titles(site / "page" / "3" / "index.html") == ["标题4"]
    front = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="/page/2/"' in front  # older: the newest numbered page that is not all on the front page
    assert "第 1 页" in (site / "page" / "1" / "index.html").read_text(encoding="utf-8")

    again = Outputs(site, outputs.current)
    write_lists(renderer, place_posts(records(6), ""), again, 2)
    changed = {out for out, sig in again.current.items() if outputs.current.get(out) != sig}
    assert "page/1/index.html" not in changed and "page/2/index.html" not in changed
    assert {"index.html", "page/3/index.html"} <= changed


def test_page_numbers_show_the_newest_the_nearby_and_the_oldest():
    assert lists.page_numbers(0, 0, 0) == []
    assert lists.page_numbers(0, 1, 1) == [0, 1]
    assert lists.page_numbers(0, 10, 10) == [0, 10, 9, None, 1]
    assert lists.page_numbers(5, 5, 10) == [0, None, 7, 6, 5, 4, 3, None, 1]
    assert lists.page_numbers(3, 3, 10) == [0, None, 5, 4, 3, 2, 1]
    assert lists.page_numbers(10, 10, 10) == [0, 10, 9, 8, None, 1]


def numbers(path) -> list[str]:
    nav = re.search(r'<nav class="pages".*?</nav>', path.read_text(encoding="utf-8"), re.S)
    return re.findall(r">(最新|\d+|…)<", nav.group(0)) if nav else []


def test_numbered_pager_on_every_page_and_a_new_page_rerenders_only_its_neighbours(tmp_path, monkeypatch):
    monkeypatch.setattr(lists, "LIST_PER_PAGE", 2)
    site = tmp_path / "_site"
    renderer = Renderer(tmp_path, site, {"site": {"title": "t", "baseurl": "", "url": "", "language": "zh"}, "base": ""})
    outputs = Outputs(site, {})
    write_lists(renderer, place_posts(records(20), ""), outputs, 2)
    assert numbers(site / "index.html") == ["最新", "9", "8", "…", "1"]
    assert numbers(site / "page" / "5" / "index.html") == ["最新", "…", "7", "6", "5", "4", "3", "…", "1"]
    assert 'aria-current="page">5<' in (site / "page" / "5" / "index.html").read_text(encoding="utf-8")
    again = Outputs(site, outputs.current)
    write_lists(renderer, place_posts(records(22), ""), again, 2)  # page 11 is new
    changed = {out for out, sig in again.current.items() if outputs.current.get(out) != sig and out.startswith("page/")}
    assert changed == {"page/8/index.html", "page/9/index.html", "page/10/index.html", "page/11/index.html"}
