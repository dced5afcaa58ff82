"""Reading the archive's posts for the site: which files changed since the last build, and their headers.

The archive's scan (`Archive.scan_posts`) stats every post; a post whose modification time or size changed is
read again (in worker processes when there are many) into a PostRecord, or into a PostError when it cannot be
used. Records are cached between builds (site/cache.py), so an unchanged post is never read twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from newsmirror.archive.postformat import PostFormatError, parse_post
from newsmirror.site.excerpt import excerpt_and_picture
from newsmirror.site.urls import filename_date, output_path, post_url

if TYPE_CHECKING:
    from newsmirror.site.render import Renderer

UNSORTED_SOURCE = "未分类"  # the source of a post that names neither a source nor an author

Scanned = dict[str, tuple[int, int]]  # archive-relative path → (mtime in ns, size), as Archive.scan_posts gives it


@dataclass(frozen=True, slots=True)
class Shown:
    """A post's display strings for one URL and baseurl (they cost more than everything else per post, so they
    are computed once per post and URL and cached with the record)."""

    url: str  # the URL they were computed for
    base: str  # … and the baseurl
    href: str  # the URL as a link, with the baseurl
    date_iso: str  # 2024-05-01T12:00:00Z
    date_str: str  # the day: 2024-05-01
    out: str = ""  # its page's file under _site/ (urls.output_path of the URL)
    key: str = ""  # what the pages listing it depend on (placement.Entry.key)


@dataclass(slots=True)
class PostRecord:
    """A post's header as the site needs it; cached between builds (the order of the fields is the cache's row
    layout: see site/cache.py)."""

    rel: str
    mtime_ns: int
    size: int
    digest: str
    title: str
    timestamp: float  # UTC seconds
    author: str
    link: str
    source: str
    tags: list[str]
    comments: bool
    base_url: str  # Jekyll's URL for it
    url: str = ""  # the URL it got (base_url, or base_url with -2… where Jekyll's would collide)
    month: str = ""  # YYYY-MM (UTC)
    excerpt: str = ""  # the opening of its text, for lists (site/excerpt.py)
    picture: str = ""  # its first image's address, for lists ("" for none)
    japanese: bool = False  # it holds kana: indexed with the other such posts (site/search.py needs_japanese)
    shown: Shown | None = None


def post_name(record: PostRecord) -> str:
    """The post's file name: what the record of edits and deletions knows it by (archive/revisions.py)."""
    return record.rel.rsplit("/", 1)[-1]


def page_file(record: PostRecord) -> str:
    """The post page's file under _site/ (kept with its display strings once placement has made them)."""
    return record.shown.out if record.shown else output_path(record.url)


@dataclass(frozen=True, slots=True)
class PostError:
    """A post that cannot be used, and the report's line for it."""

    rel: str
    message: str


class FileToRead(NamedTuple):  # a NamedTuple: sent to worker processes, and tuples pickle several times faster
    rel: str
    mtime_ns: int
    size: int


@dataclass
class PostsRead:
    """Every usable post's record, and the report's line of every post that cannot be used."""

    records: dict[str, PostRecord]  # by archive-relative path, in the scan's order
    # Keyed by the post, not by splitting the line (a file name may hold ": " itself).
    errors: dict[str, str] = field(default_factory=dict)
    parsed: int = 0  # files read in this build


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def changed_files(scanned: Scanned, cached: dict[str, PostRecord]) -> list[FileToRead]:
    """The posts that are new or whose modification time or size differs from the cached record's."""
    return [
        FileToRead(rel, mtime, size)
        for rel, (mtime, size) in scanned.items()
        if (old := cached.get(rel)) is None or old.mtime_ns != mtime or old.size != size
    ]


def read_post(root: Path, item: FileToRead) -> PostRecord | PostError:
    """The post's record, or why it cannot be used."""
    rel = item.rel
    path = root / rel
    try:
        data = path.read_bytes()
        post = parse_post(data.decode("utf-8"), path)
    except (OSError, UnicodeDecodeError, PostFormatError) as exc:
        return PostError(rel, f"{rel}: {exc}")
    name = path.name
    date = post.date or filename_date(name)
    if date is None:
        return PostError(rel, f"{rel}: no date (neither a date: line nor a YYYY-MM-DD- file name)")
    try:
        base_url = post_url(name, date, post.front_matter)
    except (TypeError, ValueError) as exc:
        return PostError(rel, f"{rel}: cannot place the post: {exc}")
    # Imported here, not above: a build with nothing changed never loads the search module.
    from newsmirror.site.search import needs_japanese

    excerpt, picture = excerpt_and_picture(post.content)
    return PostRecord(
        excerpt=excerpt,
        picture=picture,
        japanese=needs_japanese(data),
        rel=rel,
        mtime_ns=item.mtime_ns,
        size=item.size,
        digest=digest(data),
        title=post.title or name,
        timestamp=date.timestamp(),
        author=post.author,
        link=post.link,
        source=post.source or post.author or UNSORTED_SOURCE,
        tags=post.tags,
        comments=post.comments,
        base_url=base_url,
    )


def read_chunk(renderer: Renderer, items: list[FileToRead]) -> list[PostRecord | PostError]:
    """A pool task (site/pool.py): the records of a chunk of files."""
    return [read_post(renderer.root, item) for item in items]


def read_posts(
    scanned: Scanned,
    cached: dict[str, PostRecord],
    cached_errors: dict[str, str],
    read: Callable[[list[FileToRead]], Iterable[list[PostRecord | PostError]]],
    note: Callable[[int, int], None],
) -> PostsRead:
    """Every scanned post's record: the cached one when the file is unchanged, else read again by `read` (which
    maps chunks of files to their results, in worker processes or not)."""
    to_read = changed_files(scanned, cached)
    result = PostsRead({rel: cached[rel] for rel in scanned if rel in cached}, parsed=len(to_read))
    if to_read:
        note(0, len(to_read))
        done = 0
        for chunk in read(to_read):
            for item in chunk:
                if isinstance(item, PostError):
                    result.errors[item.rel] = item.message
                else:
                    result.records[item.rel] = item
            done += len(chunk)
            note(done, len(to_read))
    failed = set(result.errors)
    for rel in failed:
        result.records.pop(rel, None)
    # Files that failed before and are unchanged still fail: keep their message.
    for rel, line in cached_errors.items():
        if rel in scanned and rel not in result.records and rel not in failed:
            result.errors[rel] = line
    return result
