"""The build cache: builtins only, and any file that does not fit means a full build, never a crash."""

from __future__ import annotations

import marshal
import pickle
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsmirror.archive.layout import Archive
from newsmirror.config import load_config
from newsmirror.models import Article
from newsmirror.scaffold import init_archive
from newsmirror.site import build_site
from newsmirror.site.cache import (
    BASE_PREFIX,
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
from newsmirror.site.scan import PostRecord, Shown, page_file


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
    assert load_build_cache(site).records == {} and load_quick_cache(site) is None
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
    for path in (archive / "_site").glob(".newsmirror-build*.cache"):  # CACHE_NAME, QUICK_NAME and the base
        data = marshal.loads(path.read_bytes())
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
    path = _base_file(archive / "_site")
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


# --- the delta: an hourly build writes what changed, not the whole cache ------------------------------------------

def _record(rel: str, title: str) -> PostRecord:
    return PostRecord(rel, 1, 2, "d" + title, title, 1.5, "a", "https://x/", "s", ["t"], True, f"/{rel}.html")


_names = st.sampled_from([f"_posts/p{i}.md" for i in range(12)])
_caches = st.builds(
    lambda records, outputs, errors, sigs, order, fingerprint: BuildCache(
        fingerprint=fingerprint,
        records={rel: _record(rel, title) for rel, title in records.items()},
        outputs=outputs,
        post_errors=errors,
        search={"sigs": sigs, "order": order, "next": len(order)} if order else {},
    ),
    st.dictionaries(_names, st.sampled_from(["甲", "乙", "丙"])),
    st.dictionaries(st.sampled_from([f"o{i}.html" for i in range(12)]), st.sampled_from([b"1", b"2", b"3"])),
    st.dictionaries(_names, st.sampled_from(["cannot be read", "no date"])),
    st.dictionaries(st.sampled_from([f"/u{i}" for i in range(12)]), st.sampled_from(["s1", "s2"])),
    st.lists(st.sampled_from(["b1", "b2", "b3"]), max_size=3),
    st.sampled_from(["f1", "f2"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_caches, min_size=1, max_size=6), st.sampled_from([(0.125, 1000), (0.5, 0), (0.0, 0)]))
def test_each_build_reads_back_the_cache_the_last_one_saved(tmp_path_factory, caches, limits):
    """Hour after hour, saved as deltas or (over the limits) as a new base: what is read is what was saved."""
    import newsmirror.site.cache as cache_module

    site = tmp_path_factory.mktemp("site")
    cache_module.DELTA_SHARE, cache_module.DELTA_MIN = limits
    try:
        for cache in caches:
            cache.base = load_build_cache(site).base
            save_build_cache(site, cache)
            assert load_build_cache(site) == cache
    finally:
        cache_module.DELTA_SHARE, cache_module.DELTA_MIN = 0.125, 1000


def _base_file(site: Path) -> Path:
    (path,) = site.glob(f"{BASE_PREFIX}*.cache")  # one base, the one CACHE_NAME names
    assert marshal.loads((site / CACHE_NAME).read_bytes())["base"] in path.name
    return path


def _add_post(root: Path, n: int) -> None:
    Archive(root).write_post(Article(title=f"第{n}条", date=datetime(2024, 6, n, tzinfo=UTC), author="美国之音",
                                     link=f"https://news.example/{n}.html", source="美国之音", content=f"<p>正文{n}</p>"))  # fmt: skip


@pytest.fixture
def every_save_a_new_base(monkeypatch):
    import newsmirror.site.cache as cache_module

    monkeypatch.setattr(cache_module, "DELTA_MIN", 0)
    monkeypatch.setattr(cache_module, "DELTA_SHARE", 0.0)


def test_an_hourly_build_leaves_the_base_alone(archive, monkeypatch):
    """A post more: only CACHE_NAME (the delta) is written; the base is written again, under a new name, once the
    delta outgrows its share, and the former one goes."""
    import newsmirror.site.cache as cache_module

    build(archive)
    site = archive / "_site"
    base, data = _base_file(site), _base_file(site).read_bytes()
    _add_post(archive, 9)
    report = build(archive)
    assert report.parsed == 1 and report.rendered_posts >= 1
    assert _base_file(site) == base and base.read_bytes() == data
    delta = marshal.loads((site / CACHE_NAME).read_bytes())
    assert [row[0] for row in delta["posts"]] == ["_posts/2024/06/2024-06-09-第9条.md"]
    assert set(load_build_cache(site).records) == set(Archive(archive).scan_posts())
    assert build(archive).nothing_changed
    monkeypatch.setattr(cache_module, "DELTA_MIN", 0)
    monkeypatch.setattr(cache_module, "DELTA_SHARE", 0.0)
    _add_post(archive, 10)
    assert build(archive).parsed == 1
    assert _base_file(site) != base and not base.exists()
    assert marshal.loads((site / CACHE_NAME).read_bytes())["posts"] == []  # a new base, and an empty delta for it
    assert len(load_build_cache(site).records) == 5 and build(archive).nothing_changed


def _page_of(site: Path, title: str) -> Path:
    (record,) = [r for r in load_build_cache(site).records.values() if r.title == title]
    return site / page_file(record)


def test_a_build_killed_after_writing_a_new_base_leaves_the_last_cache_whole(archive, monkeypatch, every_save_a_new_base):
    """CACHE_NAME is written last: a build killed just before it leaves the cache of the build before, whole, and
    the next build after a post is deleted removes that post's page as an uninterrupted one would."""
    import newsmirror.site.cache as cache_module

    build(archive)
    _add_post(archive, 9)
    build(archive)
    site = archive / "_site"
    before, base = load_build_cache(site), _base_file(site)
    page = _page_of(site, "第0条")
    written = cache_module._write

    def killed_before_the_delta(path: Path, data: dict) -> None:
        if path.name == CACHE_NAME:
            raise KeyboardInterrupt  # what a kill at this moment leaves on disk
        written(path, data)

    monkeypatch.setattr(cache_module, "_write", killed_before_the_delta)
    _add_post(archive, 10)
    with pytest.raises(KeyboardInterrupt):
        build(archive)
    monkeypatch.setattr(cache_module, "_write", written)
    assert len(list(site.glob(f"{BASE_PREFIX}*.cache"))) == 2  # the killed build's new base, not yet named
    assert load_build_cache(site) == before and load_build_cache(site).base.token in base.name
    next(p for p in (archive / "_posts").rglob("*.md") if "第0条" in p.name).unlink()
    report = build(archive)
    assert report.errors == [] and report.deleted >= 1 and not page.exists()
    assert report.parsed == 1  # only the post of the killed build is read again
    assert _base_file(site) and build(archive).nothing_changed


@pytest.mark.parametrize("damage", ["missing", "truncated", "another base", "base gone"])
def test_a_cache_without_its_base_means_a_full_build_that_still_removes_gone_pages(archive, damage):
    """Without a whole cache every post is read again; the outputs the bases list are still known, so the page of
    a post deleted meanwhile goes (with no cache at all it would stay on the site, as where the base itself is gone)."""
    build(archive)
    _add_post(archive, 9)
    build(archive)
    site = archive / "_site"
    page = _page_of(site, "第0条")
    delta = site / CACHE_NAME
    if damage == "missing":
        delta.unlink()
    elif damage == "truncated":
        delta.write_bytes(delta.read_bytes()[:20])
    elif damage == "another base":
        delta.write_bytes(marshal.dumps({**marshal.loads(delta.read_bytes()), "base": "0" * 16}))
    else:
        _base_file(site).unlink()
    loaded = load_build_cache(site)
    assert loaded.records == {} and loaded.fingerprint == ""
    known = damage != "base gone"
    assert (page.relative_to(site).as_posix() in loaded.outputs) == known
    next(p for p in (archive / "_posts").rglob("*.md") if "第0条" in p.name).unlink()
    report = build(archive)
    everything = Archive(archive).scan_posts()
    assert report.parsed == report.rendered_posts == len(everything) and report.errors == []
    assert page.exists() != known and (report.deleted >= 1) == known
    assert build(archive).nothing_changed and load_build_cache(site).records.keys() == everything.keys()


def _short_row(delta: dict, base: dict) -> None:
    delta["posts"] = [("too", "short")]


def _no_pair(delta: dict, base: dict) -> None:
    delta["sections"] = {"outputs": "not a pair"}


def _no_names(delta: dict, base: dict) -> None:
    del delta["section_names"]


def _base_section(delta: dict, base: dict) -> None:
    base["outputs"] = ["not", "a", "dict"]


@pytest.mark.parametrize("damage", [_short_row, _no_pair, _no_names, _base_section])
def test_a_cache_that_does_not_fit_means_a_full_build(archive, damage):
    """A base and delta that belong together but hold rows or entries of another shape are no cache either."""
    build(archive)
    site = archive / "_site"
    delta, base = marshal.loads((site / CACHE_NAME).read_bytes()), marshal.loads(_base_file(site).read_bytes())
    damage(delta, base)
    (site / CACHE_NAME).write_bytes(marshal.dumps(delta))
    _base_file(site).write_bytes(marshal.dumps(base))
    assert load_build_cache(site).records == {}
    (site / QUICK_NAME).unlink()
    report = build(archive)
    assert report.parsed == 3 and report.posts == 3 and report.errors == []
