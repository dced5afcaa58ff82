"""The build cache: what the last build read and wrote, so that the next one redoes only what changed.

Two files under _site/, in marshal's format:
- CACHE_NAME, the build cache: every post's parsed header (a PostRecord), every output's input signature, the
  posts that could not be used and the search bundles' plan.
- QUICK_NAME: just enough to see that nothing changed (the scan, the fingerprint, the report's lines) without
  loading the big cache.

Both hold builtins only (dicts, lists, tuples, strings, numbers, bytes): no class of newsmirror is stored, so
moving or renaming a module never breaks a cache (and tuples are several times faster to store than dataclasses).
marshal, not pickle: it can hold nothing but builtins, and on the 28,589-post benchmark archive (32 MB of cache)
it wrote the build cache in 0.10 s instead of 0.28 s and read it in 0.28 s instead of 0.43 s (best of 3 each), a
tenth of a +100-post build's own work at that size. Its format belongs to the Python version; a file that cannot
be read, from another CACHE_VERSION, or with rows that do not fit, is no cache: the build renders everything, as
`build --full` does.
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsmirror.files import atomic_write_bytes
from newsmirror.site.scan import PostRecord, Scanned, Shown

CACHE_NAME = ".newsmirror-build.cache"
QUICK_NAME = ".newsmirror-build-quick.cache"
FORMER_NAMES = (".newsmirror-build.pickle", ".newsmirror-build-quick.pickle")  # the pickles of earlier versions
CACHE_VERSION = 9  # raise it when the layout of either file changes


@dataclass
class BuildCache:
    fingerprint: str = ""  # of the templates and settings the outputs were made with (build.build_fingerprint)
    records: dict[str, PostRecord] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)  # output path under _site → its input signature
    post_errors: dict[str, str] = field(default_factory=dict)  # post → the report's line
    search: Mapping[str, Any] = field(default_factory=dict)  # search.Plan.state of the index on disk

    def forget_all_but_outputs(self) -> BuildCache:
        """For `build --full`: no signature or parsed post, but the outputs, to remove those now gone."""
        return BuildCache(outputs=dict.fromkeys(self.outputs, b""))


@dataclass
class QuickCache:
    fingerprint: str
    scanned: Scanned
    posts: int
    errors: list[str]
    collisions: list[str]
    search_complete: bool
    records: dict[str, tuple[int, int]] = field(default_factory=dict)  # _revisions/ files: (mtime, size) each
    state: tuple = ()  # archive.state.state_files_signature after the build (a fetch changes it: the status page)


# A PostRecord's row: its fields in order, `shown` as a tuple of Shown's fields (or None).
def record_row(record: PostRecord) -> tuple:
    shown = record.shown
    return (
        record.rel, record.mtime_ns, record.size, record.digest, record.title, record.timestamp, record.author,
        record.link, record.source, record.tags, record.comments, record.base_url, record.url, record.month,
        record.excerpt, record.picture, record.japanese,
        None if shown is None else (shown.url, shown.base, shown.href, shown.date_iso, shown.date_str, shown.out, shown.key),
    )  # fmt: skip


_SHOWN_FIELDS = len(Shown.__dataclass_fields__)


def row_record(row: tuple) -> PostRecord:
    record = PostRecord(*row[:-1])
    if row[-1] is not None and len(row[-1]) == _SHOWN_FIELDS:  # an earlier layout's: made again (placement)
        record.shown = Shown(*row[-1])
    return record


def _read(path: Path) -> dict[str, Any]:
    try:
        data = marshal.loads(path.read_bytes())  # our own file under _site, written by this module
    except (OSError, EOFError, TypeError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    return data


def load_build_cache(site_dir: Path) -> BuildCache:
    data = _read(site_dir / CACHE_NAME)
    try:
        return BuildCache(
            fingerprint=data.get("fingerprint", ""),
            records={row[0]: row_record(row) for row in data.get("posts", [])},
            outputs=dict(data.get("outputs", {})),
            post_errors=dict(data.get("post_errors", {})),
            search=data.get("search", {}),
        )
    except (TypeError, ValueError, IndexError):  # rows that do not fit: no cache
        return BuildCache()


def save_build_cache(site_dir: Path, cache: BuildCache) -> None:
    for former in FORMER_NAMES:  # an earlier version's caches, which this one never reads: not to be published
        (site_dir / former).unlink(missing_ok=True)
    _write(
        site_dir / CACHE_NAME,
        {
            "version": CACHE_VERSION,
            "fingerprint": cache.fingerprint,
            "posts": [record_row(r) for r in cache.records.values()],
            "outputs": cache.outputs,
            "post_errors": cache.post_errors,
            "search": cache.search,
        },
    )


def load_quick_cache(site_dir: Path) -> QuickCache | None:
    data = _read(site_dir / QUICK_NAME)
    if not data:
        return None
    return QuickCache(
        fingerprint=data.get("fingerprint", ""),
        scanned=data.get("scanned", {}),
        posts=data.get("posts", 0),
        errors=list(data.get("errors", [])),
        collisions=list(data.get("collisions", [])),
        search_complete=bool(data.get("search_complete")),
        records=dict(data.get("records", {})),
        state=tuple(data.get("state", ())),
    )


def save_quick_cache(site_dir: Path, quick: QuickCache) -> None:
    _write(
        site_dir / QUICK_NAME,
        {
            "version": CACHE_VERSION,
            "fingerprint": quick.fingerprint,
            "scanned": quick.scanned,
            "posts": quick.posts,
            "errors": quick.errors,
            "collisions": quick.collisions,
            "search_complete": quick.search_complete,
            "records": quick.records,
            "state": quick.state,
        },
    )


def _write(path: Path, data: dict[str, Any]) -> None:
    try:
        packed = marshal.dumps(data)
    except ValueError:  # "unmarshallable object": a subclass of a builtin (lxml's text results are str subclasses)
        packed = marshal.dumps(_builtins(data))
    atomic_write_bytes(path, packed)


def _builtins(value: Any) -> Any:
    """`value` with every subclass of str, bytes, int or float made the builtin itself, through dicts, lists and
    tuples: what a field read by a library may be, and marshal refuses. The slow way, taken only when needed."""
    if isinstance(value, dict):
        return {_builtins(k): _builtins(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_builtins(v) for v in value)
    if isinstance(value, list):
        return [_builtins(v) for v in value]
    for kind in _SUBCLASSED:
        if isinstance(value, kind) and type(value) not in (kind, bool):
            return kind(value)
    return value


_SUBCLASSED: tuple[type, ...] = (str, bytes, int, float)  # bool, an int subclass marshal takes, stays bool
