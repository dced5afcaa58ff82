"""`newsmirror size` (and part of `doctor` and `status --json`): how big the archive is against the limits of the
hosts it lives on, how fast it grows, when it reaches each limit, and what to do before then.

The limits are GitHub's published ones: a repository ideally under 1 GB and strongly advised under 5 GB, at most
100 MB a file, at most 3,000 entries a directory (its web pages list only 1,000), and a Pages site of at most 1 GB.
Sizes are of the archive's own files: `.git/`, `_site/` and the state cache (`.newsmirror/`) are left out of the
disk figure; the built site is measured apart.
"""

from __future__ import annotations

import os
import subprocess
import zlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from newsmirror.archive.layout import ARCHIVED_DIR, POSTS_DIR, STATE_DIR, dated_folder
from newsmirror.config import format_size

GB = 1024**3
MB = 1024**2
REPOSITORY_IDEAL = 1 * GB
REPOSITORY_MOST = 5 * GB
SITE_MOST = 1 * GB  # GitHub Pages: a published site of at most 1 GB
FILE_MOST = 100 * MB
ENTRIES_MOST = 3_000
_LEFT_OUT = {".git", "_site", STATE_DIR, ".jekyll-cache", ".sass-cache"}  # top-level folders not measured
_TEXT = (".md", ".markdown", ".html", ".xml", ".json", ".toml", ".yml", ".yaml", ".txt", ".dat", ".css", ".js")
_SHOWN = 5  # largest directories and files listed
_RATE_MONTHS = 3  # growth rate: the mean of the last full months

REORGANIZE = "run `newsmirror reorganize` to move the posts into dated folders (_posts/YYYY/MM/)"
PER_DAY = 'set [site] post_folders = "day" in newsmirror.toml and run `newsmirror reorganize` (_posts/YYYY/MM/DD/)'
IMAGES = 'set [site] image_budget (e.g. "800MB") and image_max_size / image_max_width, so images stop growing it'
SPLIT = ("split the archive by year into repositories: keep recent years here and move each older year's "
         "_posts/YYYY/ into a repository of its own (README.md, 'Splitting an archive by year')")  # fmt: skip
SITE = "rotate old posts to archived/ (`newsmirror rotate`): Jekyll on Pages builds only _posts/; or split by year"


@dataclass(slots=True)
class Limit:
    """One limit, where the archive stands against it, and when it will be reached at the current rate."""

    name: str
    limit: int
    current: int
    unit: str  # "bytes" | "entries"
    per_month: float | None  # growth at the current rate (None: not known)
    reached_in_months: float | None  # None: not growing, or not known; 0: reached already
    reached_around: str | None  # YYYY-MM
    advice: str

    @property
    def reached(self) -> bool:
        return self.current >= self.limit


@dataclass(slots=True)
class Growth:
    month: str  # YYYY-MM (the posts' dates; images by their file times)
    posts: int = 0
    bytes: int = 0


@dataclass(slots=True)
class SizeReport:
    disk_bytes: int = 0  # the archive's files (not .git/, _site/, .newsmirror/)
    posts_bytes: int = 0
    images_bytes: int = 0
    posts: int = 0
    packed_bytes: int | None = None  # the files as git stores them: zlib each (no deltas: an upper bound)
    git_packed_bytes: int | None = None  # in a repository: its packs (history included), `git count-objects`
    git_loose_bytes: int | None = None  # … and its loose objects as they lie on disk (git gc packs them smaller)
    site_bytes: int | None = None  # _site/, when built
    directories: list[tuple[str, int]] = field(default_factory=list)  # (archive-relative, entries), most first
    files: list[tuple[str, int]] = field(default_factory=list)  # (archive-relative, bytes), largest first
    growth: list[Growth] = field(default_factory=list)  # oldest first
    limits: list[Limit] = field(default_factory=list)

    @property
    def advice(self) -> list[str]:
        """What to do, most urgent first: the limits reached, then those reached within two years."""
        soon = [lim for lim in self.limits if lim.reached_in_months is not None and lim.reached_in_months <= 24]
        ordered = sorted(soon, key=lambda lim: lim.reached_in_months or 0.0)
        return list(dict.fromkeys(lim.advice for lim in ordered))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["directories"] = [{"path": p, "entries": n} for p, n in self.directories]
        data["files"] = [{"path": p, "bytes": n} for p, n in self.files]
        for row, lim in zip(data["limits"], self.limits, strict=True):
            row["reached"] = lim.reached
        data["advice"] = self.advice
        return data


@dataclass(slots=True)
class _Walk:
    entries: dict[str, int] = field(default_factory=dict)
    files: list[tuple[str, int]] = field(default_factory=list)
    by_month: dict[str, Growth] = field(default_factory=dict)
    packed_estimate: int = 0
    posts_bytes: int = 0
    images_bytes: int = 0


def _month_of(relative: str, name: str, mtime: float) -> str:
    folder = dated_folder(name) if relative.startswith((POSTS_DIR + "/", ARCHIVED_DIR + "/")) else None
    if folder is not None:
        return name[:7]
    return datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m")


def _packed(path: str, name: str, size: int) -> int:
    """What git would store for this file: zlib of its bytes (as git stores an object); media are stored as they
    are, already compressed. Deltas between similar files would make the real pack smaller still."""
    if not name.endswith(_TEXT):
        return size
    with open(path, "rb") as handle:
        return len(zlib.compress(handle.read(), 6))


def _walk(root: Path, estimate: bool) -> _Walk:
    walk = _Walk()
    for folder, dirs, names in os.walk(root):
        relative_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        if relative_folder == ".":
            dirs[:] = [d for d in dirs if d not in _LEFT_OUT]
            relative_folder = ""
        walk.entries[relative_folder or "."] = len(dirs) + len(names)
        for name in names:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path, follow_symlinks=False)
            except OSError:
                continue
            relative = f"{relative_folder}/{name}" if relative_folder else name
            walk.files.append((relative, info.st_size))
            is_post = relative.startswith((POSTS_DIR + "/", ARCHIVED_DIR + "/")) and name.endswith((".md", ".markdown", ".html"))
            is_image = relative.startswith("assets/images/")
            if is_post or is_image:
                month = walk.by_month.setdefault(_month_of(relative, name, info.st_mtime), Growth(""))
                month.posts += int(is_post)
                month.bytes += info.st_size
                walk.posts_bytes += info.st_size if is_post else 0
                walk.images_bytes += info.st_size if is_image else 0
            if estimate:
                walk.packed_estimate += _packed(path, name, info.st_size)
    return walk


def _git_objects(root: Path) -> tuple[int, int] | None:
    """The repository's packs and loose objects in bytes, as `git count-objects -v` counts them, or None."""
    try:
        result = subprocess.run(["git", "count-objects", "-v"], cwd=root, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    fields = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    return int(fields.get("size-pack", 0)) * 1024, int(fields.get("size", 0)) * 1024


def _site_bytes(root: Path) -> int | None:
    site = root / "_site"
    if not site.is_dir():
        return None
    return sum(os.path.getsize(os.path.join(f, n)) for f, _d, names in os.walk(site) for n in names)


def _rate(growth: list[Growth], today: date, attribute: str) -> float | None:
    """Mean growth a month over the last full calendar months (the current month is not over yet; a month without
    posts counts as none); None for an archive with nothing before this month."""
    if not any(g.month < today.strftime("%Y-%m") for g in growth):
        return None
    index = today.year * 12 + today.month - 1
    months = {f"{(index - back) // 12:04d}-{(index - back) % 12 + 1:02d}" for back in range(1, _RATE_MONTHS + 1)}
    return sum(getattr(g, attribute) for g in growth if g.month in months) / _RATE_MONTHS


_HORIZON_MONTHS = 1200  # further than a century ahead is no date worth printing


def _when(today: date, months: float) -> str | None:
    if months > _HORIZON_MONTHS:
        return None
    index = today.year * 12 + today.month - 1 + int(months)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _limit(name: str, limit: int, current: int, unit: str, per_month: float | None, advice: str, today: date) -> Limit:
    if current >= limit:
        left: float | None = 0.0
    elif per_month:
        left = (limit - current) / per_month
    else:
        left = None
    return Limit(name, limit, current, unit, per_month, left, None if left is None else _when(today, left), advice)


def _folder_limit(report: SizeReport, walk: _Walk, posts_per_month: float | None, today: date) -> Limit:
    """Entries in a directory: the flat `_posts/` grows by every post; month folders by a month's posts."""
    flat = sum(1 for relative, _size in walk.files if relative.count("/") == 1 and relative.startswith(POSTS_DIR + "/"))
    largest = report.directories[0] if report.directories else (".", 0)
    if flat > ENTRIES_MOST // 10:
        return _limit("entries in _posts/", ENTRIES_MOST, walk.entries.get(POSTS_DIR, 0), "entries", posts_per_month,
                      REORGANIZE, today)  # fmt: skip
    if posts_per_month and posts_per_month >= ENTRIES_MOST:  # every new month folder passes the limit
        return Limit("entries in one month's folder", ENTRIES_MOST, int(posts_per_month), "entries", posts_per_month,
                     0.0, today.strftime("%Y-%m"), PER_DAY)  # fmt: skip
    return _limit(f"entries in {largest[0]}", ENTRIES_MOST, largest[1], "entries", None, REORGANIZE, today)


def measure_size(root: Path, estimate_pack: bool = True, today: date | None = None) -> SizeReport:
    """The archive's sizes, its largest directories and files, its growth and the limits ahead. `estimate_pack`:
    estimate the packed size by compressing every text file (two seconds at 30,000 posts); `status` and `doctor`
    leave it out."""
    today = today or datetime.now(UTC).date()
    objects = _git_objects(root)
    walk = _walk(root, estimate=estimate_pack)
    report = SizeReport(site_bytes=_site_bytes(root))
    report.disk_bytes = sum(size for _relative, size in walk.files)
    report.posts_bytes, report.images_bytes = walk.posts_bytes, walk.images_bytes
    report.posts = sum(g.posts for g in walk.by_month.values())
    if estimate_pack:
        report.packed_bytes = walk.packed_estimate
    if objects is not None:
        report.git_packed_bytes, report.git_loose_bytes = objects
    report.directories = Counter(walk.entries).most_common(_SHOWN)
    report.files = sorted(walk.files, key=lambda f: (-f[1], f[0]))[:_SHOWN]
    report.growth = [Growth(month, g.posts, g.bytes) for month, g in sorted(walk.by_month.items())]
    report.limits = _limits(report, walk, today)
    return report


def _repository_bytes(report: SizeReport) -> int:
    """What the repository weighs: its packs (the history) or the files packed, whichever is more; loose objects
    as they lie when nothing better is known; the files on disk outside a repository without an estimate."""
    known = [size for size in (report.git_packed_bytes, report.packed_bytes) if size is not None]
    if report.packed_bytes is None and report.git_loose_bytes is not None and report.git_packed_bytes is not None:
        known = [report.git_packed_bytes + report.git_loose_bytes]
    return max(known) if known else report.disk_bytes


def _limits(report: SizeReport, walk: _Walk, today: date) -> list[Limit]:
    bytes_rate = _rate(report.growth, today, "bytes")
    posts_rate = _rate(report.growth, today, "posts")
    repository = _repository_bytes(report)
    # The repository grows as the files do, shrunk by what packing saves on them.
    ratio = repository / report.disk_bytes if report.disk_bytes else 1.0
    repo_rate = bytes_rate * ratio if bytes_rate is not None else None
    heavy = IMAGES if report.images_bytes > report.posts_bytes else SPLIT
    limits = [
        _limit("repository (GitHub: ideally under)", REPOSITORY_IDEAL, repository, "bytes", repo_rate, heavy, today),
        _limit("repository (GitHub: strongly advised under)", REPOSITORY_MOST, repository, "bytes", repo_rate, SPLIT, today),
        _folder_limit(report, walk, posts_rate, today),
    ]
    if report.site_bytes is not None:
        site_rate = report.site_bytes / report.posts * posts_rate if report.posts and posts_rate is not None else None
        limits.append(_limit("built site (GitHub Pages: at most)", SITE_MOST, report.site_bytes, "bytes", site_rate, SITE, today))
    if report.files:
        path, size = report.files[0]
        limits.append(_limit(f"largest file ({path})", FILE_MOST, size, "bytes", None,
                             "keep files under 100 MB: GitHub refuses larger ones", today))  # fmt: skip
    return limits


def describe(limit: Limit) -> str:
    """One line: where the archive stands against the limit and when it gets there."""
    shown = format_size if limit.unit == "bytes" else (lambda n: f"{int(n):,} entries")
    line = f"{limit.name} {shown(limit.limit)}: {shown(limit.current)} ({limit.current / limit.limit:.0%})"
    if limit.reached:
        return line + " — reached"
    if not limit.per_month:
        return line + (", not growing" if limit.per_month == 0 else "")
    when = f"reached around {limit.reached_around}" if limit.reached_around else "not reached within a century"
    return line + f", +{shown(limit.per_month)} a month: {when}"
