"""Placing posts: Jekyll's URL or a numbered one where two posts would share it; list entries; groups."""

from __future__ import annotations

from newsmirror.site.outputs import signature
from newsmirror.site.placement import assign_urls, place_posts
from newsmirror.site.scan import PostRecord


def record(rel: str, url: str, timestamp: float, source: str = "s", tags: list[str] | None = None) -> PostRecord:
    return PostRecord(rel, 0, 0, "d", rel, timestamp, "", "", source, tags or [], True, url)


def test_the_older_post_keeps_the_url_and_later_ones_are_numbered_past_any_taken_url():
    posts = [record("a", "/x.html", 1), record("b", "/x.html", 2), record("c", "/x-2.html", 3), record("d", "/x.html", 4)]
    lines = assign_urls(posts)
    assert [p.url for p in posts] == ["/x.html", "/x-3.html", "/x-2.html", "/x-4.html"]
    assert lines == [
        "b: Jekyll would put it at /x.html over a; built at /x-3.html",
        "d: Jekyll would put it at /x.html over a; built at /x-4.html",
    ]


def test_entries_groups_and_display_strings():
    records = {
        "b": record("b", "/b.html", 86400 * 31, "乙", ["t", "t", "u"]),
        "a": record("a", "/a b.html", 0, "甲", ["t"]),
    }
    placement = place_posts(records, "/m")
    assert [r.rel for r in placement.ordered] == ["a", "b"]
    entry = placement.entries["a"]
    assert (entry.href, entry.date_iso, entry.date_str) == ("/m/a%20b.html", "1970-01-01T00:00:00Z", "1970-01-01")
    assert entry.source_href == "/m/lists/%E7%94%B2.html"
    shown_fields = ["/m/a%20b.html", "a", "1970-01-01", "甲", "", ""]  # href, title, day, source, excerpt, picture
    assert entry.key == signature(*shown_fields) and len(entry.key) == 24
    for i in range(len(shown_fields)):  # each shown field is in the key, apart from its neighbours
        assert signature(*shown_fields[:i], shown_fields[i] + "x", *shown_fields[i + 1 :]) != entry.key
    assert signature("ab", "") != signature("a", "b")
    assert {s: [r.rel for r in p] for s, p in placement.by_source.items()} == {"甲": ["a"], "乙": ["b"]}
    assert {t: [r.rel for r in p] for t, p in placement.by_tag.items()} == {"t": ["a", "b"], "u": ["b"]}
    assert list(placement.by_month) == ["1970-01", "1970-02"]
    assert placement.tag_hrefs == {"t": "/m/tags/t.html", "u": "/m/tags/u.html"}
    shown = records["a"].shown
    assert shown is not None and (shown.url, shown.base) == ("/a b.html", "/m")


def test_display_strings_are_kept_until_the_url_or_baseurl_changes():
    records = {"a": record("a", "/a.html", 0)}
    place_posts(records, "")
    first = records["a"].shown
    place_posts(records, "")
    assert records["a"].shown is first
    place_posts(records, "/m")
    assert records["a"].shown is not first and records["a"].shown.href == "/m/a.html"
