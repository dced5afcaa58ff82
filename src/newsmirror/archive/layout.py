"""The archive on disk: posts, atomic writes, the per-source lists and the sources table.

A post is written to a temporary file and then linked into place, so it never exists half-written and never
replaces another post; the state database is only a cache of what these files say.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from newsmirror.archive.postformat import post_filename, render_post
from newsmirror.archive.revisions import REVISIONS_DIR
from newsmirror.files import create_exclusive
from newsmirror.models import Article, SourceProblem

POSTS_DIR = "_posts"
ARCHIVED_DIR = "archived"
LISTS_DIR = "lists"
SOURCES_PAGE = "sources.md"
STATE_DIR = ".newsmirror"


class ArchiveError(SourceProblem):
    """A problem with the archive directory itself (read-only, disk full, …); str() is one line."""


# ---------------------------------------------------------------------------------------------------------------
# Where a post lives: `_posts/YYYY/MM/<name>`, the year and month of the date its file name starts with, or with
# `[site] post_folders = "day"`, `_posts/YYYY/MM/DD/<name>`. GitHub lists at most 1,000 entries of a directory and
# advises under 3,000: a month folder holds ~625 posts for a mirror of the usual size (30,000 in four years), a day
# folder ~275 for an hourly mirror of thirty outlets (100,000 a year), whose month folders would pass 8,000.
# Jekyll reads sub-folders of `_posts/` and takes the URL from the date and title alone (the scaffold's permalink has
# no :categories), so no URL depends on the folder.
_NAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")


def dated_folder(name: str, per: str = "month") -> str | None:
    """The archive-relative folder a post named `name` belongs in (`_posts/2023/10`, per day `_posts/2023/10/28`),
    or None when the name does not start with a real YYYY-MM-DD- date (Jekyll does not read such a file as a post:
    it is left where it is)."""
    match = _NAME_DATE.match(name)
    if match is None:
        return None
    try:
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # Jekyll stops on such a name; doctor reports it
        return None
    return f"{POSTS_DIR}/{match[1]}/{match[2]}" + (f"/{match[3]}" if per == "day" else "")


def dated_path(name: str, per: str = "month") -> str:
    """The archive-relative path fetch writes a post named `name` to (flat in `_posts/` when it has no date)."""
    folder = dated_folder(name, per)
    return f"{folder or POSTS_DIR}/{name}"


# pragma: no mutate start (outside the mutation-testing scope: see [tool.mutmut] in pyproject.toml)


# pragma: no mutate end


# ---------------------------------------------------------------------------------------------------------------
# Canonical URLs: one article, one key, however the feed decorated its address.


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
        self._made_folders: set[Path] = set()  # folders write_post made or found

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
        """Delete the hidden temporary files a killed run can leave (`.name.XXXX.tmp` beside posts, lists, images,
        settings, _data/ and _revisions/). Call with the archive lock held: then none belongs to a write in progress."""
        removed = 0
        folders = [self.root, self.root / LISTS_DIR, self.root / "_data"]
        for tree in (self.posts_dir, self.root / "assets" / "images", self.root / REVISIONS_DIR):  # nested folders
            folders += [Path(path) for path, _dirs, _files in os.walk(tree)]
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
        """The file names (case-folded) of every file anywhere under `_posts/`, flat or in dated folders: a name is
        taken wherever it lies, since Jekyll's URL comes from the name alone, and a flat legacy post and a foldered
        new one of the same name would be built to one page."""
        if self._taken_names is None:  # once per run
            self.posts_dir.mkdir(parents=True, exist_ok=True)
            self._taken_names = {
                name.casefold() for _folder, _dirs, names in os.walk(self.posts_dir) for name in names
            }
        return self._taken_names

    def write_post(self, article: Article, per: str = "month", data: bytes | None = None) -> Path:
        """Write a new post into its dated folder (`per` month or day); a name already taken anywhere under `_posts/`
        (even differing only in case) gets `-2`, `-3`, … `data`: the post as render_post(article) wrote it already
        (in a worker process), else it is rendered here."""
        if data is None:
            data = render_post(article).encode("utf-8")
        taken = self._names_in_posts()
        for suffix in range(1, 10_000):
            name = post_filename(article, suffix)
            if name.casefold() in taken:
                continue
            path = self.root / dated_path(name, per)
            if path.parent not in self._made_folders:  # one mkdir per folder and run, not one per post
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made_folders.add(path.parent)
            if create_exclusive(path, data):
                taken.add(name.casefold())
                return path
            taken.add(name.casefold())
        raise ArchiveError(f"no free file name for {post_filename(article)!r}")


# pragma: no mutate start (outside the mutation-testing scope: see [tool.mutmut] in pyproject.toml)
# ---------------------------------------------------------------------------------------------------------------
# Indexes: lists/<source>.md and sources.md


# pragma: no mutate end
