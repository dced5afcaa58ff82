"""Where every post goes: its URL (keeping both posts where Jekyll's slugs collide), how lists show it, and the
sources, tags and months that group posts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from newsmirror.site.outputs import signature
from newsmirror.site.render import date_strings
from newsmirror.site.scan import PostRecord, Shown, post_name
from newsmirror.site.urls import href, output_path, source_page_url, tag_page_url, with_suffix


@dataclass(slots=True)
class Entry:
    """A post as list pages show it (list.html's `posts`)."""

    title: str
    href: str
    date_iso: str
    date_str: str
    source: str
    source_href: str
    key: str  # what a list page's signature depends on
    excerpt: str = ""  # a line or two of its text
    picture: str = ""  # its first image's address ("" for none)


@dataclass
class Placement:
    ordered: list[PostRecord]  # every usable post, oldest first
    collisions: list[str]  # the report's lines: posts moved off the URL Jekyll would give them
    entries: dict[str, Entry]  # by archive-relative path
    source_hrefs: dict[str, str]  # source → its list page's link
    tag_hrefs: dict[str, str] = field(default_factory=dict)  # tag → its list page's link
    # Posts grouped, each group oldest first, groups in the order of their first post:
    by_source: dict[str, list[PostRecord]] = field(default_factory=dict)
    by_tag: dict[str, list[PostRecord]] = field(default_factory=dict)
    by_month: dict[str, list[PostRecord]] = field(default_factory=dict)  # YYYY-MM (UTC)

    @cached_property
    def by_name(self) -> dict[str, PostRecord]:
        """Every post by its file name, as the record of edits and deletions names it (made once a build: four
        passes over the posts made it took ~0.28 s of a build at 28,589 posts)."""
        return {post_name(r): r for r in self.ordered}


def place_posts(records: dict[str, PostRecord], base: str) -> Placement:
    """Every post's URL and list entry, with `base` the site's baseurl."""
    ordered = sorted(records.values(), key=lambda r: (r.timestamp, r.rel))
    collisions = assign_urls(ordered)
    # Sources in the order they first appear: the sitemap lists their pages in this order (a set's order changed
    # from run to run with Python's hash seed, and so did sitemap.xml).
    source_hrefs = {source: href(source_page_url(source), base) for source in dict.fromkeys(r.source for r in ordered)}
    placement = Placement(ordered, collisions, list_entries(ordered, base, source_hrefs), source_hrefs)
    for record in ordered:
        placement.by_source.setdefault(record.source, []).append(record)
        for tag in dict.fromkeys(record.tags):
            placement.by_tag.setdefault(tag, []).append(record)
        placement.by_month.setdefault(record.month, []).append(record)
    placement.tag_hrefs = {tag: href(tag_page_url(tag), base) for tag in placement.by_tag}
    return placement


def assign_urls(ordered: list[PostRecord]) -> list[str]:
    """Set each post's `url`: Jekyll's, or with `-2`, `-3`, … for a later post where Jekyll would write both to one
    file (the older post keeps the URL). Returns the report's line for each moved post."""
    taken: dict[str, str] = {}
    collisions: list[str] = []
    reserved = {r.base_url for r in ordered}
    for record in ordered:
        url = record.base_url
        if url in taken:
            n = 2
            while with_suffix(url, n) in taken or with_suffix(url, n) in reserved:
                n += 1
            url = with_suffix(url, n)
            collisions.append(
                f"{record.rel}: Jekyll would put it at {record.base_url} over {taken[record.base_url]}; built at {url}"
            )
        taken[url] = record.rel
        record.url = url
    return collisions


def list_entries(ordered: list[PostRecord], base: str, source_hrefs: dict[str, str]) -> dict[str, Entry]:
    """Each post's list entry; refreshes its display strings (and month) when its URL or the baseurl changed."""
    entries: dict[str, Entry] = {}
    for record in ordered:
        shown = record.shown
        if shown is None or shown.url != record.url or shown.base != base:
            shown = record.shown = _shown(record, base)
        entries[record.rel] = Entry(
            title=record.title,
            href=shown.href,
            date_iso=shown.date_iso,
            date_str=shown.date_str,
            source=record.source,
            source_href=source_hrefs[record.source],
            key=shown.key,
            excerpt=record.excerpt,
            picture=record.picture,
        )
    return entries


def _shown(record: PostRecord, base: str) -> Shown:
    """The record's display strings, made when its URL or the baseurl changed (a changed post is a new record)."""
    iso, day, _ = date_strings(record.timestamp)
    record.month = day[:7]
    link = href(record.url, base)
    # A digest, not the fields (~500 bytes of UTF-8 a post): each list page's signature joins the keys of its 20
    # entries and each post page's those of its neighbours, ~60 MB hashed a build at 28,589 posts. Kept with the
    # record: making it for every post took ~0.25 s of each build at that size.
    key = signature(link, record.title, day, record.source, record.excerpt, record.picture)
    return Shown(record.url, base, link, iso, day, output_path(record.url), key)
