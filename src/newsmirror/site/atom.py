"""Atom feeds: the site's newest posts and each source's, with their content (RFC 4287)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from newsmirror.archive.postformat import PostFormatError, post_content
from newsmirror.site.outputs import Outputs, signature
from newsmirror.site.placement import Placement
from newsmirror.site.render import Renderer
from newsmirror.site.scan import PostRecord
from newsmirror.site.urls import SITE_FEED, href, output_path, source_feed_url, source_page_url

FEED_ENTRIES = 20


@dataclass(frozen=True)
class Feed:
    out: str  # its path under _site
    title: str
    home: str  # the URL of the page it follows
    posts: list[PostRecord]  # newest first


def site_feeds(placement: Placement, site_title: str) -> list[Feed]:
    """The site's feed, then each source's."""
    feeds = [Feed(SITE_FEED, site_title, "/", placement.ordered[-FEED_ENTRIES:][::-1])]
    for source, posts in placement.by_source.items():
        feeds.append(
            Feed(output_path(source_feed_url(source)), f"{source} · {site_title}", source_page_url(source),
                 posts[::-1][:FEED_ENTRIES])
        )  # fmt: skip
    return feeds


def write_feeds(renderer: Renderer, placement: Placement, outputs: Outputs) -> None:
    """Write the feeds whose posts (or title) changed."""
    for feed in site_feeds(placement, renderer.context["site"]["title"]):
        if outputs.needs(feed.out, signature(feed.title, feed.home, [(r.url, r.digest) for r in feed.posts])):
            outputs.write(feed.out, render_feed(renderer, feed))


def render_feed(renderer: Renderer, feed: Feed) -> str:
    """The feed's XML; the posts' bodies are read here (a feed holds a few dozen)."""
    site = renderer.context["site"]
    base, site_url = site["baseurl"], site["url"]
    entries = []
    for record in feed.posts:
        try:
            content = post_content((renderer.root / record.rel).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PostFormatError):
            content = ""
        entries.append(
            {
                "title": record.title,
                "url": site_url + href(record.url, base),
                "date_iso": datetime.fromtimestamp(record.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "author": record.author or record.source,
                "source": record.source,
                "content": content,
            }
        )
    updated = entries[0]["date_iso"] if entries else "1970-01-01T00:00:00Z"
    return renderer.template("feed.xml").render(
        site=site,
        title=feed.title,
        self_url=site_url + href("/" + feed.out, base),
        home_url=site_url + href(feed.home, base),
        updated=updated,
        entries=entries,
    )
