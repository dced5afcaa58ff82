"""The making of a text (ingest/making.py): whatever changes how a text is made changes it, and nothing else."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

from newsmirror.config import ListConfig, SourceConfig
from newsmirror.ingest import making


def _making_of(package: Path, monkeypatch) -> str:
    monkeypatch.setattr(making, "_PACKAGE", package)
    return making.code_making.__wrapped__()


def test_the_ingest_code_and_library_versions_make_the_making(tmp_path, monkeypatch):
    package = tmp_path / "newsmirror"
    shutil.copytree(Path(making.__file__).parent.parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    first = _making_of(package, monkeypatch)
    assert _making_of(package, monkeypatch) == first
    assert first == making.code_making()  # the copy is this installation's code

    (package / "site" / "build.py").write_text("# the site builder makes no article text\n", encoding="utf-8")
    assert _making_of(package, monkeypatch) == first
    fulltext = package / "ingest" / "fulltext.py"
    fulltext.write_text(fulltext.read_text(encoding="utf-8") + "\n# a rule more\n", encoding="utf-8")
    changed_code = _making_of(package, monkeypatch)
    assert changed_code != first

    real_version = importlib.metadata.version
    installed = real_version("trafilatura")
    for other, same in ((installed + ".99", True), ("99.0", False)):  # a bug-fix release of it, a feature release
        monkeypatch.setattr(importlib.metadata, "version", lambda name, v=other: v if name == "trafilatura" else real_version(name))
        assert (_making_of(package, monkeypatch) == changed_code) is same, other


def test_a_sources_text_settings_make_its_making_and_its_other_settings_do_not():
    source = SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="auto")
    same = making.text_making(source)
    assert making.text_making(SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="auto", tags=["x"],
                                           max_items=5, author="某")) == same  # fmt: skip
    others = [
        SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="always"),
        SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="auto", content_selector="article"),
        SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="auto", remove_selectors=[".ad"]),
        SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="auto", convert="t2s"),
        SourceConfig(name="大纪元", url="https://feed.example/full-rss", fulltext="auto"),
        SourceConfig(name="大纪元", url="https://www.example/news", fulltext="auto", list_page=ListConfig(item="li")),
        SourceConfig(name="大纪元", url="https://www.example/news", fulltext="auto",
                     list_page=ListConfig(item="li", summary="p")),
    ]
    assert len({making.text_making(s) for s in others} | {same}) == 8
    # A page extracted (`add`) is made as by a source that always extracts; a feed's own text owes nothing to the
    # selectors that cut pages.
    assert making.text_making(source, from_page=True) == making.text_making(others[0])
    never = SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="never")
    assert making.text_making(SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="never",
                                           content_selector="article")) == making.text_making(never)  # fmt: skip
    assert all(m.startswith(making.code_making()) for m in [same, *(making.text_making(s) for s in others)])


def test_a_source_is_made_as_before_only_by_this_code_from_the_same_place():
    before = SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="always", remove_selectors=[".ad"],
                          convert="t2s")  # fmt: skip
    now = SourceConfig(name="大纪元", url="https://feed.example/rss", fulltext="auto", content_selector="article")
    earlier = making.source_made_as(now, making.text_making(before))
    assert earlier is not None and making.text_making(earlier) == making.text_making(before)
    assert (earlier.name, earlier.fulltext, earlier.remove_selectors, earlier.content_selector) == ("大纪元", "always", [".ad"], "")
    moved = SourceConfig(name="大纪元", url="https://feed.example/full-rss", fulltext="always")
    assert making.source_made_as(moved, making.text_making(before)) is None  # its texts came from elsewhere
    other_code = "0" * 24 + making.text_making(before)[24:]
    code = making.code_making()
    damaged = (code + "-{not json", code + "-" + "[" * 100_000, code + '-{"fulltext":"always","url":"https://feed.example/rss","list":null,"convert":"rot13"}')
    for unusable in (other_code, code, "", "x-[]", *damaged):
        assert making.source_made_as(now, unusable) is None, unusable
