"""The site's own URL rules: list pages, feeds, sitemap parts, extra pages, search bundles (post URLs, Jekyll's
rules: test_site_urls.py)."""

from __future__ import annotations

from newsmirror.site.urls import (
    DELETED_FEED,
    index_page_url,
    month_page_url,
    page_output,
    search_bundle_url,
    sitemap_part,
    source_feed_url,
    source_page_url,
    tag_page_url,
)


def test_list_page_urls():
    assert [index_page_url(n) for n in (0, 1, 12)] == ["/", "/page/1/", "/page/12/"]
    assert source_page_url("美国之音") == "/lists/美国之音.html" and source_page_url("a/b", 3) == "/lists/a_b/page3.html"
    assert tag_page_url("C#") == "/tags/C_.html" and tag_page_url("x", 2) == "/tags/x/page2.html"
    assert month_page_url("2024-05") == "/archive/2024-05.html" and month_page_url("2024-05", 1) == "/archive/2024-05/page1.html"


def test_feed_sitemap_page_and_search_paths():
    assert source_feed_url("100%") == "/feed/100_.xml"
    assert [sitemap_part(1, 1), sitemap_part(1, 2), sitemap_part(2, 2)] == ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml"]
    assert page_output("pages/status.html") == "status.html" and page_output("pages/a/b.html") == "a/b.html"
    assert search_bundle_url("b3") == "/pagefind/b3/"


def test_the_deleted_articles_feed_is_no_source_feed():
    # a source may be named "deleted" (or anything): its feed and the deleted articles' must be two files
    assert all(source_feed_url(name) != "/" + DELETED_FEED for name in ("deleted", "Deleted", "deleted.xml", "revisions"))
