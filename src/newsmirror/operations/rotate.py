"""Rotation: posts older than a cut-off move from `_posts/` to `archived/YYYY-MM-DD/`.

Existing mirrors name the folder by the day of the rotation (not by the posts' dates): one folder per rotation,
so a rotation is one commit that adds one folder, and Jekyll, which reads only `_posts/`, stays fast. newsmirror
keeps that layout. `git mv` is used inside a repository so history follows the files; dedup keeps knowing them
because the state reads `archived/` as well.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmirror.archive.indexes import write_indexes
from newsmirror.archive.layout import POSTS_DIR, Archive
from newsmirror.archive.postformat import as_datetime
from newsmirror.archive.state import State, locked_state
from newsmirror.config import Config

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_NAME_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-")


def parse_duration(text: str, default_unit: str = "s") -> timedelta:
    """`30s`, `15m`, `1h`, `1d`, `2w` (a bare number uses `default_unit`). Raises ValueError with the reason."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: use a number and s, m, h, d or w (e.g. 30s, 15m, 1h, 120d)")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or default_unit]
    if seconds <= 0:
        raise ValueError(f"{text!r}: a duration must be longer than zero")
    return timedelta(seconds=seconds)


@dataclass(slots=True)
class RotateReport:
    folder: str = ""  # archive-relative destination
    moved: list[str] = field(default_factory=list)  # archive-relative source paths
    skipped: list[str] = field(default_factory=list)  # "path: why"
    used_git: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def _post_date(date: str | None, name: str) -> datetime | None:
    moment = as_datetime(date)
    if moment is not None:
        return moment
    match = _NAME_DATE.match(name)  # an unreadable post: Jekyll dates it by its file name, so do we
    if match:
        try:
            return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
        except ValueError:
            return None
    return None


def _tracked(root: Path) -> set[str] | None:
    """Archive-relative paths git tracks under _posts/, or None outside a repository."""
    result = subprocess.run(
        ["git", "ls-files", "-z", "--", "_posts"], cwd=root, capture_output=True, text=True, encoding="utf-8"
    )
    if result.returncode != 0:
        return None
    return {p for p in result.stdout.split("\0") if p}


def _git_mv(root: Path, sources: list[str], destination: str) -> None:
    for start in range(0, len(sources), 200):  # keep the command line well below ARG_MAX
        chunk = sources[start : start + 200]
        moved = subprocess.run(["git", "mv", "-k", "--", *chunk, destination + "/"], cwd=root, capture_output=True)
        if moved.returncode != 0:  # git refused (a file in a conflicted state…): a plain move loses nothing
            for relative in chunk:
                if (root / relative).exists():
                    os.rename(root / relative, root / destination / Path(relative).name)


def plan_rotation(state: State, cutoff: datetime) -> list[str]:
    """The posts under `_posts/` dated before `cutoff`, oldest first."""
    chosen = []
    for path, date in state.posts_under(POSTS_DIR):
        moment = _post_date(date, path.rsplit("/", 1)[-1])
        if moment is not None and moment < cutoff:
            chosen.append((moment, path))
    return [path for _, path in sorted(chosen)]


def rotate(config: Config, older_than: timedelta, now: datetime | None = None, dry_run: bool = False) -> RotateReport:
    """Move posts older than `older_than` to `archived/<today>/`. Raises LockedError when a run holds the archive."""
    archive = Archive(config.root.resolve())
    now = now or datetime.now(UTC)
    folder = f"archived/{now.astimezone(UTC):%Y-%m-%d}"
    report = RotateReport(folder=folder)
    with locked_state(archive) as state:
        candidates = plan_rotation(state, now - older_than)
        destination = archive.root / folder
        moves = []
        for relative in candidates:
            target = destination / relative.split("/", 1)[1]  # keeps a sub-folder of _posts/ if there is one
            if target.exists():
                report.skipped.append(f"{relative}: {folder}/{target.name} exists already")
                continue
            moves.append((relative, target))
        if dry_run or not moves:
            report.moved = [m[0] for m in moves]
            return report
        tracked = _tracked(archive.root)
        report.used_git = tracked is not None
        by_folder: dict[Path, list[str]] = {}
        for relative, target in moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            if tracked is not None and relative in tracked:
                by_folder.setdefault(target.parent, []).append(relative)
            else:
                os.rename(archive.root / relative, target)  # same file system: atomic, never half a post
            report.moved.append(relative)
        for parent, sources in by_folder.items():
            _git_mv(archive.root, sources, archive.relative(parent))
        # A move keeps the file's mtime: told the new paths, the sync only checks them (and still notices a post
        # that did not move) instead of reading every moved post again; dedup keys follow their posts.
        state.move_posts([(relative, archive.relative(target)) for relative, target in moves])
        state.sync_with_disk()
        # lists/<source>.md link to the posts' files, which have moved.
        write_indexes(archive, state.summaries(), [s.name for s in config.sources], config.site.list_limit)
    return report
