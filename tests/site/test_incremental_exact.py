"""An incremental build leaves _site/ exactly as a clean build of the same posts: every page byte for byte, and
every search bundle what Pagefind makes of the clean build's pages of its posts (byte for byte but for the order
of a filter's values, which Pagefind does not fix) — after posts are
added, edited and removed, and with several bundles (small bundle sizes, so that a few posts fill several)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import cbor2
import pytest
from test_site_build import article

from newsmirror.archive.layout import Archive
from newsmirror.config import load_config
from newsmirror.site import build_site, search
from newsmirror.site.cache import load_build_cache
from newsmirror.site.urls import output_path

# Outputs of the build itself rather than pages: the caches, the compiled templates, the search bundles (compared
# by bundle below) and the search page, which names the bundles (checked against them below).
NOT_PAGES = re.compile(r"^(\.newsmirror-[^/]*(/.*)?|pagefind/.*|search\.html)$")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """The status page says when it was built (to the minute): an incremental build and the clean build after it
    may fall on either side of a minute, so both are given the same clock."""
    from newsmirror.site import status

    real = status.status_data
    moment = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(status, "status_data", lambda config, now=None, **kw: real(config, moment, **kw))


@pytest.fixture
def small_bundles(monkeypatch):
    monkeypatch.setattr(search, "SEALED_SIZE", 3)
    monkeypatch.setattr(search, "OPEN_CAP", 3)
    monkeypatch.setattr(search, "MAX_SMALL_SEALED", 1)


def build(root: Path):
    report = build_site(load_config(root), jobs=2, with_search=True)
    assert not report.errors, report.errors
    return report


def pages(site: Path) -> dict[str, bytes]:
    found = {}
    for path in site.rglob("*"):
        rel = path.relative_to(site).as_posix()
        if path.is_file() and not NOT_PAGES.match(rel):
            found[rel] = path.read_bytes()
    return found


def _decoded(path: Path) -> object:
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(b"pagefind_dcd")
    return cbor2.loads(data[len(b"pagefind_dcd") :])


def bundle(folder: Path) -> dict[str, object]:
    """A Pagefind bundle, file by file: the bytes, but for what Pagefind writes in no fixed order (a filter's
    values come out of a hash map) — the filters, decoded, with their values sorted — and for the names that
    carry a hash of those bytes (the filter files', the metadata's), which the metadata and the entry hold."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if not path.is_file():
            continue
        if rel.startswith("filter/"):
            name, values = _decoded(path)  # [filter, [[value, [page, …]], …]]
            found[f"filter {name}"] = sorted(values)
        elif rel.endswith(".pf_meta"):
            meta = _decoded(path)
            found["meta"] = [*meta[:3], [name for name, _hash in meta[3]], *meta[4:]]  # filters: [name, file's hash]
        elif rel == "pagefind-entry.json":
            entry = json.loads(path.read_bytes())
            for language in entry["languages"].values():
                language.pop("hash")
            found[rel] = entry
        else:
            found[rel] = path.read_bytes()
    return found


def bundles_served(monkeypatch) -> list[str]:
    """The bundles the warm Pagefind service (site/indexer.py) is given from now on, not the command, in order."""
    served: list[str] = []
    real = search._run_service
    monkeypatch.setattr(search, "_run_service", lambda ix, stage, fresh: served.append(stage.name) or real(ix, stage, fresh))
    return served


def fragments(site: Path) -> list[dict]:
    """Every post Pagefind indexed, in any bundle: its URL, text, filters and meta."""
    found = []
    for path in (site / "pagefind").glob("*/fragment/*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        found.append(json.loads(data[len(b"pagefind_dcd") :]))
    return sorted(found, key=lambda f: f["url"])


def clean_build(root: Path, into: Path) -> Path:
    """The same archive built from nothing."""
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(root, into, ignore=shutil.ignore_patterns("_site"))
    build(into)
    return into / "_site"


def assert_bundles_are_pagefinds_output(incremental: Path, clean: Path, tmp: Path) -> None:
    """Each bundle of the incremental build is byte for byte Pagefind's index of the clean build's pages of its
    posts, and the search page merges exactly the bundles on disk."""
    state = load_build_cache(incremental).search
    order = state["order"]
    assert sorted(p.name for p in (incremental / "pagefind").iterdir()) == sorted(order)
    search_page = (incremental / "search.html").read_text(encoding="utf-8")
    assert re.findall(r"/pagefind/(b\d+)/", search_page) == [order[0], order[0], order[0], *order[1:]]
    for name in order:
        stage, out = tmp / f"stage-{name}", tmp / f"index-{name}"
        for url in state["bundles"][name]:
            (stage / output_path(url)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(clean / output_path(url), stage / output_path(url))
        subprocess.run(search.pagefind_command(stage, out), check=True, capture_output=True)
        assert bundle(incremental / "pagefind" / name) == bundle(out), name


def assert_same_as_clean(root: Path, tmp: Path, step: str) -> None:
    incremental = root / "_site"
    clean = clean_build(root, tmp / f"clean-{step}")
    assert "更新于 2024-06-01 12:00 UTC" in (incremental / "status.html").read_text(encoding="utf-8")  # the pinned clock
    assert pages(incremental) == pages(clean)
    assert fragments(incremental) == fragments(clean)
    urls = [f["url"] for f in fragments(incremental)]
    assert len(urls) == len(set(urls)) == len(list((root / "_posts").rglob("*.md")))
    assert_bundles_are_pagefinds_output(incremental, clean, tmp / step)


def test_incremental_builds_match_a_clean_build(tmp_path, small_bundles, monkeypatch):
    from newsmirror.scaffold import init_archive

    served = bundles_served(monkeypatch)

    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    posts = Archive(root)
    for i in range(7):
        posts.write_post(article(i, "美国之音" if i % 2 else "大纪元"))
    posts.write_post(article(20, content="<p>他们不是ガキの使い，唐纳德・特朗普说</p>"))  # kana: a bundle of its own
    build(root)
    state = load_build_cache(root / "_site").search
    assert len(state["order"]) == 4 and [len(state["bundles"][b]) for b in state["japanese"]] == [1]
    assert served == state["japanese"]  # its bundle indexed by the warm service
    served.clear()

    for i in range(7, 10):  # three new posts: a new open bundle, and a new page of a list
        posts.write_post(article(i, "大纪元"))
    posts.write_post(article(21, content="<p>日本語のニュース</p>"))  # joins the bundle of posts with kana
    report = build(root)
    assert report.parsed == 4 and 0 < len(report.indexed_bundles) < 5
    state = load_build_cache(root / "_site").search
    assert state["japanese"][0] in report.indexed_bundles and len(state["bundles"][state["japanese"][0]]) == 2
    assert served == state["japanese"]  # the new post with kana: its bundle indexed by the warm service
    assert_same_as_clean(root, tmp_path, "added")

    edited = next((root / "_posts").rglob("*第2条*"))
    edited.write_text(edited.read_text(encoding="utf-8").replace("第二段", "改过的第二段：新闻自由"), encoding="utf-8")
    report = build(root)
    assert report.parsed == 1 and len(report.indexed_bundles) == 1
    assert_same_as_clean(root, tmp_path, "edited")
    assert any("新闻自由" in f["content"].replace("\u200b", "") for f in fragments(root / "_site"))  # words: ZWSP

    next((root / "_posts").rglob("*第4条*")).unlink()
    report = build(root)
    assert report.deleted >= 1
    assert_same_as_clean(root, tmp_path, "removed")
    assert not any("第4条" in f["url"] for f in fragments(root / "_site"))


def test_nothing_changed_after_an_incremental_build_writes_nothing(tmp_path, small_bundles):
    from newsmirror.scaffold import init_archive

    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    posts = Archive(root)
    for i in range(4):
        posts.write_post(article(i))
    build(root)
    posts.write_post(article(9))
    build(root)
    before = {p: p.stat().st_mtime_ns for p in (root / "_site").rglob("*") if p.is_file()}
    report = build(root)
    assert report.nothing_changed
    assert {p: p.stat().st_mtime_ns for p in (root / "_site").rglob("*") if p.is_file()} == before
