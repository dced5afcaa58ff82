"""Feed entries → articles: the title a post carries (title_text: the one rule for titles, whatever their way in),
the size limits, the title filters, the Article itself.

What an article is known by (its dedup keys) is newsmirror.archive.identity's rule.
"""

from __future__ import annotations

import re
from datetime import datetime

from newsmirror.config import SourceConfig
from newsmirror.ingest.convert import convert_html, convert_text
from newsmirror.models import Article, Entry

_UNTITLED = "（无标题）"


# The title rule, for every way an article comes in (fetch, add, import --repair). A title is data: only what would
# break the post may change. Control characters (C0 and C1, DEL), a byte order mark and lone surrogates go: YAML
# and XML cannot hold them literally, and they are never text. Tab and the line breaks are handled apart.
_TITLE_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ud800-\udfff]")
# Every character YAML, kramdown or Python reads as a line break, and the tab.
_TITLE_BREAKS = frozenset("\t\n\x0b\x0c\r\x85\u2028\u2029")
_WHITE_RUN = re.compile(r"\s+")


def _one_space_if_breaking(match: re.Match[str]) -> str:
    run = match.group()
    return " " if any(c in _TITLE_BREAKS for c in run) else run


def title_text(value: str) -> str:
    """A title as a post carries it: the text as given, trimmed; a stretch of white space that holds a line break
    or a tab (it would split the `[title](link)` line) becomes one space, control characters go. Every other
    character stays, U+3000, U+00A0, U+200A and double spaces included. Idempotent."""
    text = _TITLE_CONTROL.sub("", value)
    if not _TITLE_BREAKS.isdisjoint(text):
        text = _WHITE_RUN.sub(_one_space_if_breaking, text)
    return text.strip()


def normalise_title(entry: Entry) -> str:
    title = title_text(entry.title)
    if title:
        return title
    # Here, not at the top: an untitled item is rare, and a run whose feeds all answer 304 needs no sanitizer (nh3).
    from newsmirror.ingest.sanitize import html_to_text

    # Text made of HTML, whose white space is layout: folded, as a browser shows it.
    text = title_text(_WHITE_RUN.sub(" ", html_to_text(entry.content)))
    return text[:50].rstrip() or _UNTITLED


MAX_AUTHOR_CHARS = 200


MAX_CONTENT_CHARS = 2_000_000  # the largest real post seen is ~0.7 MB; beyond this it is not an article


def limit_entry(entry: Entry, max_title_chars: int) -> list[str]:
    """Shorten an entry's title, author and content to their size limits, in place; the names of those cut."""
    cut = []
    if max_title_chars and len(entry.title) > max_title_chars:
        entry.title = entry.title[: max_title_chars - 1].rstrip() + "…"
        cut.append("title")
    if len(entry.author) > MAX_AUTHOR_CHARS:
        entry.author = entry.author[: MAX_AUTHOR_CHARS - 1].rstrip() + "…"
        cut.append("author")
    if len(entry.content) > MAX_CONTENT_CHARS:
        entry.content = entry.content[:MAX_CONTENT_CHARS]  # the sanitizer closes what the cut leaves open
        cut.append("content")
    return cut


def body_read_in_deciding(entry: Entry) -> bool:
    """Whether deciding on the entry (its keys, filters and limits, in the main process) reads its body: an
    untitled entry is named from it (normalise_title), an over-long one is cut (limit_entry). The others' bodies
    may stay in the worker processes (ingest/spill.py)."""
    return not title_text(entry.title) or len(entry.content) > MAX_CONTENT_CHARS


def article_title(entry: Entry, source: SourceConfig) -> str:
    """The title as the post will carry it (normalised, converted between scripts when the source says so)."""
    title = normalise_title(entry)
    return convert_text(title, source.convert) if source.convert else title


def passes_filters(title: str, source: SourceConfig) -> bool:
    if source.include and not any(re.search(p, title) for p in source.include):
        return False
    return not any(re.search(p, title) for p in source.exclude)


def build_article(entry: Entry, source: SourceConfig, content: str, now: datetime) -> Article:
    if source.convert:
        content = convert_html(content, source.convert)
    return Article(
        title=article_title(entry, source),
        date=entry.published or now,
        author=entry.author or source.author or source.name,
        link=entry.link,
        source=source.name,
        content=content,
        tags=list(source.tags) or [source.name],
        categories=[source.category or source.name],
        comments=source.comments,
    )
