"""The build cache: what the last build read and wrote, so that the next one redoes only what changed.

Files under _site/, in marshal's format:
- BASE_PREFIX<token>.cache, the base: every post's parsed header (a PostRecord), every output's input signature, the
  posts that could not be used and the search bundles' plan, as some earlier build wrote them in full.
- CACHE_NAME, the build cache proper: the token of its base and what has changed since that base was written
  (rows and entries changed or gone), rewritten by every build. An hourly build changes a few hundred of the base's
  tens of thousands of entries, and writing them all again cost 0.6–0.7 s of a +100-post build at 28,589 posts
  (marshal.dumps of 33 MB, then the write); the base is written again only when the delta outgrows DELTA_SHARE of
  it. A new base is written under its own name before the CACHE_NAME naming it, and the former base is deleted
  only after: CACHE_NAME's atomic replacement is the one moment a build's cache changes, so a build killed at any
  point leaves the last completed build's cache whole. A CACHE_NAME that cannot be read, or whose base is gone, is
  no cache; the outputs its bases list are still known, so that the full build it makes removes those now gone.
- QUICK_NAME: just enough to see that nothing changed (the scan, the fingerprint, the report's lines) without
  loading the big cache.

All hold builtins only (dicts, lists, tuples, strings, numbers, bytes): no class of newsmirror is stored, so
moving or renaming a module never breaks a cache (and tuples are several times faster to store than dataclasses).
marshal, not pickle: it can hold nothing but builtins, and on the 28,589-post benchmark archive (32 MB of cache)
it wrote the build cache in 0.10 s instead of 0.28 s and read it in 0.28 s instead of 0.43 s (best of 3 each), a
tenth of a +100-post build's own work at that size. Its format belongs to the Python version; a file that cannot
be read, from another CACHE_VERSION, or with rows that do not fit, is no cache: the build renders everything, as
`build --full` does.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsmirror.files import atomic_write_bytes
from newsmirror.site.scan import PostRecord, Scanned, Shown

CACHE_NAME = ".newsmirror-build.cache"
QUICK_NAME = ".newsmirror-build-quick.cache"
BASE_PREFIX = ".newsmirror-build-base-"
FORMER_NAMES = (".newsmirror-build.pickle", ".newsmirror-build-quick.pickle")  # the pickles of earlier versions
CACHE_VERSION = 10  # raise it when the layout of any of the files changes


@dataclass
class BuildCache:
    fingerprint: str = ""  # of the templates and settings the outputs were made with (build.build_fingerprint)
    records: dict[str, PostRecord] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)  # output path under _site → its input signature
    post_errors: dict[str, str] = field(default_factory=dict)  # post → the report's line
    search: Mapping[str, Any] = field(default_factory=dict)  # search.Plan.state of the index on disk
    base: Base | None = field(default=None, compare=False, repr=False)  # the file it was read from, for the delta

    def forget_all_but_outputs(self) -> BuildCache:
        """For `build --full`: no signature or parsed post, but the outputs, to remove those now gone."""
        return BuildCache(outputs=dict.fromkeys(self.outputs, b""))


@dataclass(frozen=True)
class Base:
    """The build cache's base as it was read (its token and contents), which the delta written next is taken
    against. Nothing mutable is shared with the BuildCache made from it: rows hold tags as tuples (row_record gives
    the record a list of its own) and search's lists are copied (_merged), so no change the build makes in place
    can reach the base and go missing from the delta."""

    token: str
    rows: dict[str, tuple]  # post → its row (record_row)
    sections: dict[str, dict]  # "outputs", "post_errors", "search.<key>" for search's dicts → that dict
    entries: int  # rows and dict entries: what a delta's size is measured against


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
    record.tags = list(record.tags)  # a tuple in the row (kept by the base): a list of the record's own
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
    delta = _read(site_dir / CACHE_NAME)
    token = delta.get("base")
    data = _read(_base_path(site_dir, token)) if isinstance(token, str) and token.isalnum() else {}
    if data.get("token") == token:
        try:
            return _merged(_base(data), delta)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError):  # rows or entries that do not fit
            pass
    return _outputs_only(site_dir)


def _base_path(site_dir: Path, token: str) -> Path:
    return site_dir / f"{BASE_PREFIX}{token}.cache"


def _outputs_only(site_dir: Path) -> BuildCache:
    """No cache, but the outputs the bases on disk list (unsigned, as for `build --full`): the full build that
    follows still removes those now gone."""
    outputs: dict[str, bytes] = {}
    for path in site_dir.glob(f"{BASE_PREFIX}*.cache"):
        found = _read(path).get("outputs")
        if isinstance(found, dict):
            outputs.update(dict.fromkeys((out for out in found if isinstance(out, str)), b""))
    return BuildCache(outputs=outputs)


_SEARCH = "search."  # the sections of search's dicts: "search.bundles", "search.sigs"


def _sections(outputs: Mapping[str, bytes], post_errors: Mapping[str, str], search: Mapping[str, Any]) -> dict[str, Mapping]:
    """The cache's dicts, each taken against its base one entry at a time (search's dicts among them)."""
    found: dict[str, Mapping] = {"outputs": outputs, "post_errors": post_errors}
    found.update({f"{_SEARCH}{key}": value for key, value in search.items() if isinstance(value, dict)})
    return found


def _base(data: dict[str, Any]) -> Base:
    rows = {row[0]: row for row in data["posts"]}
    sections: dict[str, dict] = {}
    for name, section in _sections(data["outputs"], data["post_errors"], data["search"]).items():
        if not isinstance(section, dict):
            raise TypeError(f"the cache's {name} is not a dict")
        sections[name] = section
    return Base(data["token"], rows, sections, len(rows) + sum(map(len, sections.values())))


def _merged(base: Base, delta: dict[str, Any]) -> BuildCache:
    """The cache the last build saved: its base with its delta applied, in new dicts and lists (the base's stay as
    they were read: the next delta is taken against them)."""
    rows = dict(base.rows)
    rows.update((row[0], row) for row in delta["posts"])
    for rel in delta["gone_posts"]:
        rows.pop(rel, None)
    sections = {}
    for name in delta["section_names"]:
        changed, gone = delta["sections"].get(name, ({}, ()))
        sections[name] = _patched(base.sections.get(name, {}), changed, gone)
    search = {**delta["search_rest"]}
    for name, section in sections.items():
        if name.startswith(_SEARCH):  # the bundles' lists of URLs: the build's own copies
            search[name.removeprefix(_SEARCH)] = {k: list(v) if isinstance(v, list) else v for k, v in section.items()}
    return BuildCache(
        fingerprint=delta["fingerprint"],
        records={rel: row_record(row) for rel, row in rows.items()},
        outputs=sections.get("outputs", {}),
        post_errors=sections.get("post_errors", {}),
        search=search,
        base=base,
    )


def _patched(before: dict, changed: dict, gone: list | tuple) -> dict:
    """`before` with the entries of `changed` set and those named in `gone` removed, as a new dict."""
    after = {**before, **changed}
    for key in gone:
        after.pop(key, None)
    return after


# The delta is written instead of the whole cache while it holds at most this share of the base's entries (and at
# least DELTA_MIN may always be written): the base is then written again about once a day at 100 posts an hour on
# the 28,589-post archive (~300 entries change an hour), and a delta costs at most an eighth of a whole cache.
DELTA_SHARE = 0.125
DELTA_MIN = 1000
_MISSING = object()


def save_build_cache(site_dir: Path, cache: BuildCache) -> None:
    """Writes `cache`: as a delta against `cache.base` (the base the last build's cache was read from) while that
    is small, else in full as a new base (and an empty delta for it). See the module's docstring for the order."""
    for former in FORMER_NAMES:  # an earlier version's caches, which this one never reads: not to be published
        (site_dir / former).unlink(missing_ok=True)
    rows = [record_row(r) for r in cache.records.values()]
    sections = _sections(cache.outputs, cache.post_errors, cache.search)
    delta = _delta(cache.base, rows, sections) if cache.base else None
    if delta is None:
        token = os.urandom(8).hex()
        whole = {"version": CACHE_VERSION, "token": token, "posts": rows, "outputs": cache.outputs,
                 "post_errors": cache.post_errors, "search": cache.search}  # fmt: skip
        _write(_base_path(site_dir, token), whole)
        delta = {"base": token, "posts": [], "gone_posts": [], "sections": {}}
    rest = {key: value for key, value in cache.search.items() if not isinstance(value, dict)}
    delta.update(version=CACHE_VERSION, fingerprint=cache.fingerprint, section_names=list(sections), search_rest=rest)
    _write(site_dir / CACHE_NAME, delta)
    for path in site_dir.glob(f"{BASE_PREFIX}*.cache"):  # former bases, and any a killed build left
        if path.name != _base_path(site_dir, delta["base"]).name:
            path.unlink(missing_ok=True)


def _delta(base: Base, rows: list[tuple], sections: dict[str, Mapping]) -> dict[str, Any] | None:
    """What changed since `base`, or None when that is too much for a delta (DELTA_SHARE)."""
    changed_rows = [row for row in rows if base.rows.get(row[0], _MISSING) != row]
    current = {row[0] for row in rows}
    gone_rows = [rel for rel in base.rows if rel not in current]
    size = len(changed_rows) + len(gone_rows)
    diffs: dict[str, tuple[dict, list]] = {}
    for name, section in sections.items():
        before = base.sections.get(name, {})
        changed = {key: value for key, value in section.items() if before.get(key, _MISSING) != value}
        gone = [key for key in before if key not in section]
        if changed or gone:
            diffs[name] = (changed, gone)
            size += len(changed) + len(gone)
    if size > max(DELTA_MIN, DELTA_SHARE * base.entries):
        return None
    return {"base": base.token, "posts": changed_rows, "gone_posts": gone_rows, "sections": diffs}


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
