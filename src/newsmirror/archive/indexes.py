"""The archive on disk: posts, atomic writes, the per-source lists and the sources table.

A post is written to a temporary file and then linked into place, so it never exists half-written and never
replaces another post; the state database is only a cache of what these files say.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from newsmirror.archive.layout import LISTS_DIR, SOURCES_PAGE, Archive, PostSummary
from newsmirror.files import write_if_changed

_FILE_NAME_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#$])")


_SPACES = re.compile(r"\s+")


def list_file_name(source: str) -> str:
    """lists/<source>.md's file name: characters no file system takes become "_" (the site's source page URL too)."""
    name = _FILE_NAME_UNSAFE.sub("_", source).strip(". ") or "source"
    return name + ".md"


def _md_text(text: str) -> str:
    # "{" as an entity, not "\{": Jekyll runs Liquid before Markdown, and "\{%" still opens a Liquid tag.
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _SPACES.sub(" ", text)).replace("&", "&amp;")
    return escaped.replace("\\{", "&#123;")


def _yaml_title(text: str) -> str:
    from newsmirror.archive.postformat import yaml_quoted

    return yaml_quoted(text)


def render_source_list(source: str, posts: list[PostSummary], limit: int) -> str:
    """The latest posts of one source, newest first, linking to the post files (readable on a git host too)."""
    lines = ["---", "layout: list", f"title: {_yaml_title(source)}", f"source: {_yaml_title(source)}", "---", ""]
    for post in sorted(posts, key=lambda p: (p.date is not None, p.date or datetime.min, p.path), reverse=True)[:limit]:
        day = post.date.strftime("%Y-%m-%d") if post.date else "----------"
        lines.append(f"- {day} [{_md_text(post.title)}](../{quote(post.path)})")
    return "\n".join(lines) + "\n"


def render_sources_page(rows: list[tuple[str, int, datetime | None]]) -> str:
    lines = ["---", "layout: page", 'title: "Sources"', "---", "", "| source | posts | last update |", "|---|---:|---|"]
    for source, count, last in sorted(rows, key=lambda r: r[0]):
        when = last.strftime("%Y-%m-%d %H:%M UTC") if last else "—"
        link = f"[{_md_text(source)}](lists/{quote(list_file_name(source))})"
        lines.append(f"| {link} | {count} | {when} |")
    return "\n".join(lines) + "\n"


def write_indexes(archive: Archive, summaries: list[PostSummary], sources: list[str], limit: int) -> list[Path]:
    """Rewrite lists/<source>.md and sources.md where their text changes; returns the files written."""
    by_source: dict[str, list[PostSummary]] = {name: [] for name in sources}
    for summary in summaries:
        by_source.setdefault(summary.source, []).append(summary)
    written = []
    rows = []
    for source, posts in by_source.items():
        path = archive.root / LISTS_DIR / list_file_name(source)
        if write_if_changed(path, render_source_list(source, posts, limit)):
            written.append(path)
        last = max((p.date for p in posts if p.date), default=None)
        rows.append((source, len(posts), last))
    page = archive.root / SOURCES_PAGE
    if write_if_changed(page, render_sources_page(rows)):
        written.append(page)
    return written
