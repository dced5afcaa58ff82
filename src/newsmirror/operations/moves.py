"""Moving post files inside the archive (rotate, reorganize): `git mv` for what git tracks, so that history follows
the files, a plain rename for the rest; then the state cache is told the new paths and the lists are rewritten.

Each file moves by one rename on one file system, so a move killed half-way leaves every post whole, at its old or
its new path, never both: run again, it moves the rest.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from newsmirror.archive.indexes import write_indexes
from newsmirror.archive.layout import POSTS_DIR, Archive
from newsmirror.archive.state import State
from newsmirror.config import Config

# Bytes of paths per `git mv` (git mv takes one destination folder a call): well below ARG_MAX (2 MB on Linux;
# Windows allows a command line of 32 K characters), and few calls, each of which rewrites the whole index: at 200
# paths a call, 30,000 posts took 41 s.
_CHUNK_BYTES = 24_000 if os.name == "nt" else 500_000


def tracked_posts(root: Path) -> set[str] | None:
    """Archive-relative paths git tracks under _posts/, or None outside a repository."""
    result = subprocess.run(
        ["git", "ls-files", "-z", "--", POSTS_DIR], cwd=root, capture_output=True, text=True, encoding="utf-8"
    )
    if result.returncode != 0:
        return None
    return {p for p in result.stdout.split("\0") if p}


def _chunks(paths: list[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    length = 0
    for path in paths:
        size = len(path.encode("utf-8")) + 1
        if chunk and length + size > _CHUNK_BYTES:
            yield chunk
            chunk, length = [], 0
        chunk.append(path)
        length += size
    if chunk:
        yield chunk


def _git_mv(root: Path, sources: list[str], destination: str) -> None:
    for chunk in _chunks(sources):
        moved = subprocess.run(["git", "mv", "-k", "--", *chunk, destination + "/"], cwd=root, capture_output=True)
        if moved.returncode != 0:  # git refused (a file in a conflicted state…): a plain move loses nothing
            for relative in chunk:
                if (root / relative).exists():
                    os.rename(root / relative, root / destination / Path(relative).name)


def move_files(archive: Archive, moves: list[tuple[str, str]]) -> bool:
    """Move each (old, new) archive-relative path, new folders made as needed; True when git was used. A target
    that exists is never replaced: callers leave such moves out."""
    tracked = tracked_posts(archive.root)
    by_folder: dict[str, list[str]] = {}
    for old, new in moves:
        target = archive.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        if tracked is not None and old in tracked and Path(old).name == target.name:
            by_folder.setdefault(new.rsplit("/", 1)[0], []).append(old)
        else:
            os.rename(archive.root / old, target)  # same file system: atomic, never half a post
    for folder, sources in by_folder.items():
        _git_mv(archive.root, sources, folder)
    return tracked is not None


def record_moves(config: Config, state: State, moves: list[tuple[str, str]]) -> None:
    """After the files moved: the state follows and the lists, which link to the post files, are rewritten. A move
    keeps the file's mtime, so told the new paths the sync reads none of the moved posts again (and still notices
    one that did not move); dedup keys follow their posts."""
    state.move_posts(moves)
    state.sync_with_disk()
    write_indexes(state.archive, state.summaries(), [s.name for s in config.sources], config.site.list_limit)
