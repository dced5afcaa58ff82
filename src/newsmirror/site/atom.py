"""Atom feeds: the site's newest posts and each source's, with their content (RFC 4287)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment

from newsmirror.archive.postformat import PostFormatError, post_content
from newsmirror.site.urls import href


def render_feed(env: Environment, context: dict, root: Path, title: str, out: str, home: str, posts: list) -> str:
    """`posts` are builder PostRecords, newest first; their bodies are read here (a feed holds a few dozen)."""
    site = context["site"]
    base, site_url = site["baseurl"], site["url"]
    entries = []
    for record in posts:
        try:
            content = post_content((root / record.rel).read_text(encoding="utf-8"))
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
    return env.get_template("feed.xml").render(
        site=site,
        title=title,
        self_url=site_url + href("/" + out, base),
        home_url=site_url + href(home, base),
        updated=updated,
        entries=entries,
    )
