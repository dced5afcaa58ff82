"""The build cache: builtins only, and any file that does not fit means a full build, never a crash."""

from __future__ import annotations

import marshal
import pickle
import shutil
from pathlib import Path

import pytest

from newsmirror.archive.layout import Archive
from newsmirror.config import load_config
from newsmirror.models import Article
from newsmirror.scaffold import init_archive
from newsmirror.site import build_site
from newsmirror.site.cache import (
    CACHE_NAME,
    CACHE_VERSION,
    FORMER_NAMES,
    QUICK_NAME,
    BuildCache,
    load_build_cache,
    load_quick_cache,
    record_row,
    row_record,
    save_build_cache,
)
from newsmirror.site.scan import PostRecord, Shown


@pytest.fixture
def archive(tmp_path) -> Path:
    from datetime import UTC, datetime, timedelta

    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    posts = Archive(root)
    for i in range(3):
        posts.write_post(
            Article(title=f"第{i}条", date=datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=i), author="美国之音",
                    link=f"https://news.example/{i}.html", source="美国之音", content=f"<p>正文{i}</p>")
        )  # fmt: skip
    return root


def build(root: Path):
    return build_site(load_config(root), jobs=1, with_search=False)


def test_an_earlier_versions_pickle_is_no_cache_and_is_removed(archive):
    """Caches were pickles (.pickle) before: never read now (one could name a class that is gone), and removed so
    that no stale file is published with the site."""
    build(archive)
    site = archive / "_site"
    for former in FORMER_NAMES:
        (site / former).write_bytes(pickle.dumps({"version": CACHE_VERSION, "posts": []}))
    for name in (CACHE_NAME, QUICK_NAME):  # a pickle under the new names is no cache either
        (site / name).write_bytes(pickle.dumps({"version": CACHE_VERSION, "posts": []}))
    assert load_build_cache(site) == BuildCache() and load_quick_cache(site) is None
    report = build(archive)
    assert not report.nothing_changed and report.parsed == 3 and report.errors == []
    assert not any((site / former).exists() for former in FORMER_NAMES)
    assert build(archive).nothing_changed  # and the cache it wrote is used


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",
        lambda data: b"not marshal data at all",
        lambda data: pickle.dumps({"version": CACHE_VERSION}),  # an earlier version's format under the new name
        lambda data: marshal.dumps(["a list"]),
        lambda data: marshal.dumps({"version": CACHE_VERSION - 1}),
        lambda data: marshal.dumps({"version": CACHE_VERSION, "posts": [("too", "short")]}),
    ],
)
def test_a_damaged_cache_means_a_full_build(archive, damage):
    build(archive)
    path = archive / "_site" / CACHE_NAME
    path.write_bytes(damage(path.read_bytes()))
    (archive / "_site" / QUICK_NAME).unlink()
    report = build(archive)
    assert report.parsed == 3 and report.posts == 3 and report.errors == []


def test_the_cache_holds_builtins_only(archive):
    """marshal stores nothing else: a cache that reads back equal to what a fresh build keeps holds builtins only."""
    build(archive)
    for name in (CACHE_NAME, QUICK_NAME):
        data = marshal.loads((archive / "_site" / name).read_bytes())
        assert data["version"] == CACHE_VERSION and marshal.loads(marshal.dumps(data)) == data
    assert load_build_cache(archive / "_site").records  # and the build reads it


def test_a_field_that_is_a_subclass_of_str_is_stored_as_str(tmp_path):
    """marshal refuses subclasses of builtins (lxml's text results are str subclasses): such a field, should one
    reach a record, is stored as the builtin instead of failing every build at its end."""

    class Text(str):
        pass

    record = PostRecord("_posts/x.md", 1, 2, "d", Text("标题"), 1.5, "a", "https://x/", "s", [Text("t")], True, "/x.html")
    save_build_cache(tmp_path, BuildCache(records={"_posts/x.md": record}, search={"sigs": {Text("/x.html"): "s"}}))
    loaded = load_build_cache(tmp_path)
    stored = loaded.records["_posts/x.md"]
    assert stored == record and type(stored.title) is str and type(stored.comments) is bool
    assert loaded.search == {"sigs": {"/x.html": "s"}}


def test_a_record_survives_its_row():
    record = PostRecord("_posts/x.md", 1, 2, "d", "标题", 1.5, "a", "https://x/", "s", ["t"], True, "/x.html",
                        url="/x-2.html", month="2024-05", japanese=True, shown=Shown("/x-2.html", "/m", "/m/x-2.html", "iso", "day", "x-2.html", "k"))  # fmt: skip
    assert row_record(record_row(record)) == record
    record.shown = None
    assert row_record(record_row(record)) == record


def test_a_cache_of_the_shorter_display_strings_renders_nothing_again(archive):
    """A cache written before the display strings held the page's file and list key (5 fields): they are made
    again, equal, so no page is rendered again."""
    build(archive)
    path = archive / "_site" / CACHE_NAME
    data = marshal.loads(path.read_bytes())
    data["posts"] = [(*row[:-1], row[-1][:5]) for row in data["posts"]]
    path.write_bytes(marshal.dumps(data))
    (archive / "_site" / QUICK_NAME).unlink()
    assert all(r.shown is None for r in load_build_cache(archive / "_site").records.values())
    report = build(archive)
    assert report.rendered_posts == 0 and report.written == 0 and report.errors == [], report.to_dict()
    assert all(r.shown and r.shown.key for r in load_build_cache(archive / "_site").records.values())


def test_build_full_keeps_only_the_outputs(archive):
    build(archive)
    cache = load_build_cache(archive / "_site")
    assert cache.records and cache.outputs
    forgotten = cache.forget_all_but_outputs()
    assert forgotten.records == {} and forgotten.fingerprint == "" and set(forgotten.outputs) == set(cache.outputs)
    shutil.rmtree(archive / "_site")
    assert load_build_cache(archive / "_site") == BuildCache()


def test_a_fetch_that_wrote_no_post_still_refreshes_the_status_page(archive):
    # the hourly job builds after every fetch: a source that failed (or answered 304) changes only the state
    from datetime import UTC, datetime

    from newsmirror.archive.state import State

    build(archive)
    assert build(archive).nothing_changed
    status = (archive / "_site" / "status.html").read_text(encoding="utf-8")
    state = State.open(Archive(archive))
    state.record_outcome("美国之音", datetime.now(UTC), "HTTP 503 Service Unavailable", False)
    state.close()
    report = build(archive)
    assert not report.nothing_changed and report.rendered_posts == 0  # only what shows source health
    assert (archive / "_site" / "status.html").read_text(encoding="utf-8") != status
    assert build(archive).nothing_changed  # and then quick again
