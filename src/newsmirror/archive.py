"""The archive on disk: posts, atomic writes, the per-source lists and the sources table.

A post is written to a temporary file and then linked into place, so it never exists half-written and never
replaces another post; the state database is only a cache of what these files say.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from .models import Article, SourceProblem
from .postformat import post_filename, render_post

POSTS_DIR = "_posts"
ARCHIVED_DIR = "archived"
LISTS_DIR = "lists"
SOURCES_PAGE = "sources.md"
STATE_DIR = ".newsmirror"


class ArchiveError(SourceProblem):
    """A problem with the archive directory itself (read-only, disk full, …); str() is one line."""


# pragma: no mutate start (outside the mutation-testing scope: see [tool.mutmut] in pyproject.toml)
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step: readers see the old file or the new one, never a part."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name[:40]}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide posts from a web server running as another user
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    return True


# pragma: no mutate end
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)


def create_exclusive(path: Path, data: bytes) -> bool:
    """Write a new file at `path` unless one exists; atomic, never overwrites. False when the name is taken."""
    if _O_TMPFILE:
        created = _create_from_unnamed_file(path, data)
        if created is not None:
            return created
    return _create_through_temporary_name(path, data)


def _create_from_unnamed_file(path: Path, data: bytes) -> bool | None:
    """Linux: write an inode that has no name yet (O_TMPFILE), then give it `path` with linkat. A killed run leaves
    nothing behind and the name appears only with the whole content. None where the file system cannot."""
    try:
        fd = os.open(path.parent, _O_TMPFILE | os.O_WRONLY, 0o644)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb", closefd=False) as handle:
            handle.write(data)
        try:
            # linkat(…, AT_SYMLINK_FOLLOW) through /proc; Python uses linkat (not link) only when a dir fd is
            # given, and ignores it for an absolute source path.
            os.link(f"/proc/self/fd/{fd}", path, src_dir_fd=fd, follow_symlinks=True)
        except FileExistsError:
            return False
        except OSError:  # no /proc, or linking refused: the named-temporary way
            return None
        return True
    finally:
        os.close(fd)


def _create_through_temporary_name(path: Path, data: bytes) -> bool:
    fd, temp = tempfile.mkstemp(prefix=".new.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide posts from a web server running as another user
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        try:
            os.link(temp, path)  # fails if the name exists: no window in which a post could be replaced
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: claim the name, then move the full file onto it
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            except FileExistsError:
                return False
            os.replace(temp, path)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


# ---------------------------------------------------------------------------------------------------------------
# Canonical URLs: one article, one key, however the feed decorated its address.

_TRACKING_PARAMETERS = re.compile(
    r"^(?:utm_\w*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc|_hsmi|mkt_tok|oly_anon_id|"
    r"oly_enc_id|vero_id|wt_mc|wt\.mc_id|at_medium|at_campaign|cmpid|ncid|ocid|sr_share|spm|share_token|"
    r"from_rss|rss|feed|ref_src|__twitter_impression)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=65_536)  # each new article's address is canonicalised for dedup and again for the state
def canonical_url(url: str) -> str:
    """The identity of an article address: https, lower-case host, no default port, fragment or tracking."""
    return _canonical_url(url)


def _canonical_url(url: str) -> str:
    # Undecorated, apart from the cache above: mutmut mutates only undecorated functions.
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https") or not host:
        return url
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMETERS.match(k)]
    return urlunsplit(("https", netloc, path, urlencode(sorted(query), doseq=True), ""))


# ---------------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class PostSummary:
    """What the indexes need of a post."""

    path: str  # relative to the archive root, with forward slashes
    title: str
    date: datetime | None
    source: str


class Archive:
    def __init__(self, root: Path):
        self.root = root
        self.posts_dir = root / POSTS_DIR
        self.archived_dir = root / ARCHIVED_DIR
        self.state_dir = root / STATE_DIR
        self._taken_names: set[str] | None = None

    def relative(self, path: Path) -> str:  # pragma: no mutate block (outside the mutation-testing scope)
        text = os.fspath(path)
        prefix = os.fspath(self.root) + os.sep
        if text.startswith(prefix):  # the common case, without pathlib's cost (twice per post written)
            return text[len(prefix) :].replace(os.sep, "/")
        return path.relative_to(self.root).as_posix()

    def _walk_posts(self) -> Iterator[tuple[str, os.DirEntry]]:  # pragma: no mutate block (outside the mutation-testing scope)
        """(archive-relative path, directory entry) of every post: `_posts/` (with sub-folders, as Jekyll allows)
        and rotated `archived/*/` folders; hidden names skipped. On plain strings: a Path per post would cost
        ~0.3 s at 30,000 posts, a tenth of a site rebuild."""
        for top in (POSTS_DIR, ARCHIVED_DIR):
            stack = [top]
            while stack:
                relative_folder = stack.pop()
                try:
                    entries = os.scandir(os.path.join(self.root, relative_folder))
                except (FileNotFoundError, NotADirectoryError):
                    continue
                with entries:
                    for entry in entries:
                        if entry.name.startswith("."):
                            continue
                        relative = f"{relative_folder}/{entry.name}"
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                stack.append(relative)
                            elif entry.name.endswith((".md", ".markdown", ".html")) and entry.is_file(follow_symlinks=False):
                                yield relative, entry
                        except OSError:  # gone between listing and looking: a concurrent rotate or delete
                            continue

    def iter_post_paths(self) -> Iterator[Path]:  # pragma: no mutate block (outside the mutation-testing scope)
        """Every post's path (see _walk_posts)."""
        for _relative, entry in self._walk_posts():
            yield Path(entry.path)

    def remove_stale_temporary_files(self) -> int:  # pragma: no mutate block (outside the mutation-testing scope)
        """Delete the hidden temporary files a killed run can leave (`.name.XXXX.tmp` beside posts, lists, images
        and settings). Call with the archive lock held: then none of them belongs to a write in progress."""
        removed = 0
        folders = [self.root, self.posts_dir, self.root / LISTS_DIR]
        images = self.root / "assets" / "images"
        if images.is_dir():
            folders += [Path(path) for path, _dirs, _files in os.walk(images)]
        for folder in folders:
            try:
                entries = list(os.scandir(folder))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
                    removed += 1
        return removed

    def scan_posts(self) -> dict[str, tuple[int, int]]:  # pragma: no mutate block (outside the mutation-testing scope)
        """Every post as {archive-relative path: (mtime in ns, size)} (see _walk_posts)."""
        found: dict[str, tuple[int, int]] = {}
        for relative, entry in self._walk_posts():
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:  # gone between listing and stat
                continue
            found[relative] = (info.st_mtime_ns, info.st_size)
        return found

    def _names_in_posts(self) -> set[str]:
        if self._taken_names is None:  # once per run: the folder exists from here on
            self.posts_dir.mkdir(parents=True, exist_ok=True)
            self._taken_names = {name.casefold() for name in os.listdir(self.posts_dir)}
        return self._taken_names

    def write_post(self, article: Article) -> Path:
        """Write a new post; a name already taken (even differing only in case) gets `-2`, `-3`, …"""
        data = render_post(article).encode("utf-8")
        taken = self._names_in_posts()
        for suffix in range(1, 10_000):
            name = post_filename(article, suffix)
            if name.casefold() in taken:
                continue
            path = self.posts_dir / name
            if create_exclusive(path, data):
                taken.add(name.casefold())
                return path
            taken.add(name.casefold())
        raise ArchiveError(f"no free file name for {post_filename(article)!r}")


# pragma: no mutate start (outside the mutation-testing scope: see [tool.mutmut] in pyproject.toml)
# ---------------------------------------------------------------------------------------------------------------
# Indexes: lists/<source>.md and sources.md

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
    from .postformat import yaml_quoted

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


# pragma: no mutate end
