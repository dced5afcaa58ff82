"""Rotation: posts older than a cut-off move from `_posts/` to `archived/YYYY-MM-DD/`.

Existing mirrors name the folder by the day of the rotation (not by the posts' dates): one folder per rotation,
so a rotation is one commit that adds one folder, and Jekyll, which reads only `_posts/`, stays fast. newsmirror
keeps that layout. `git mv` is used inside a repository so history follows the files; dedup keeps knowing them
because the state reads `archived/` as well.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from newsmirror.archive.layout import POSTS_DIR, Archive
from newsmirror.archive.postformat import as_datetime
from newsmirror.archive.state import State, locked_state
from newsmirror.config import Config
from newsmirror.operations.moves import move_files, record_moves

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
        relative_moves = [(relative, archive.relative(target)) for relative, target in moves]
        report.used_git = move_files(archive, relative_moves)
        report.moved = [relative for relative, _target in relative_moves]
        record_moves(config, state, relative_moves)
    return report
