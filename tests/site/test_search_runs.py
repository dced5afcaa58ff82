"""The Pagefind runs of a build: a free core never waits for a long run, and a failed run leaves the bundle on
disk as it was and says why. Pagefind is replaced here by small Python programs that behave like it (the real one
is run by test_incremental_exact.py and test_site_build.py)."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import pytest

from newsmirror.site import indexer, search

# Stands in for Pagefind: argv = [site, output, behaviour]; writes the entry file Pagefind writes last.
FAKE = """
import pathlib, sys, time
site, out, how = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
flag = site.parent.parent / "flag"
if how == "wait":  # ends only once the third run has started: a scheduler that waits for it first never gets there
    deadline = time.monotonic() + 30
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not flag.exists():
        sys.exit("waited in vain")
if how == "flag":
    flag.write_text("started")
if how == "fail":
    print("Error: something Pagefind says\\nError: the last line")
    sys.exit(3)
out.mkdir(parents=True)
(out / "pagefind-entry.json").write_text(how)
"""


def _fake_pagefind(monkeypatch, behaviour: dict[str, str]) -> None:
    def command(site: Path, output: Path) -> list[str]:
        return [sys.executable, "-c", FAKE, str(site), str(output), behaviour[site.name]]

    monkeypatch.setattr(search, "pagefind_command", command)


def _site(tmp_path: Path, bundles: list[str]) -> tuple[Path, search.Plan, dict[str, str]]:
    site = tmp_path / "_site"
    url_to_out = {}
    state: search.BundleState = {"bundles": {}, "order": [], "sigs": {}, "next": 0, "open": [], "japanese": []}
    for bundle in bundles:
        url = f"/{bundle}/post.html"
        url_to_out[url] = f"{bundle}/post.html"
        (site / bundle).mkdir(parents=True)
        (site / bundle / "post.html").write_text("<p>正文</p>", encoding="utf-8")
        state["bundles"][bundle] = [url]
        state["order"].append(bundle)
    return site, search.Plan(state, set(bundles)), url_to_out


def test_a_free_core_takes_the_next_bundle_while_a_long_run_goes_on(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1", "b2", "b3"])
    _fake_pagefind(monkeypatch, {"b1": "wait", "b2": "quick", "b3": "flag"})
    finished: list[int] = []
    problems = search.index_bundles(site, plan, url_to_out, 2, lambda done, total: finished.append(done))
    assert problems == [] and finished == [1, 2, 3]
    assert {b: (site / "pagefind" / b / "pagefind-entry.json").read_text() for b in plan.state["order"]} == {
        "b1": "wait", "b2": "quick", "b3": "flag"}  # fmt: skip
    assert not (site / search.STAGE_DIR).exists()


def test_a_failed_run_keeps_the_bundle_on_disk_and_says_why(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1", "b2"])
    old = site / "pagefind" / "b1"
    old.mkdir(parents=True)
    (old / "pagefind-entry.json").write_text("the last good index")
    _fake_pagefind(monkeypatch, {"b1": "fail", "b2": "quick"})
    problems = search.index_bundles(site, plan, url_to_out, 2, lambda done, total: None)
    assert problems == ["search bundle b1: pagefind failed: Error: the last line"]
    assert (old / "pagefind-entry.json").read_text() == "the last good index"
    assert (site / "pagefind" / "b2" / "pagefind-entry.json").read_text() == "quick"
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == ["b1", "b2"]  # no .new left behind
    assert not (site / search.STAGE_DIR).exists()


def test_a_bundle_with_no_page_on_disk_is_reported_not_a_crash(tmp_path, monkeypatch):
    site, plan, _ = _site(tmp_path, ["b1"])
    _fake_pagefind(monkeypatch, {"b1": "fail"})
    assert search.index_bundles(site, plan, {}, 2, lambda done, total: None) == [
        "search bundle b1: pagefind failed: Error: the last line"]  # fmt: skip


def test_pagefind_runs_as_the_wheels_binary_not_through_python(monkeypatch):
    """`python -m pagefind` only finds the binary and execs it; run directly it starts ~0.3 s sooner each run."""
    import subprocess

    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    command = indexer.pagefind_executable()
    assert len(command) == 1 and Path(command[0]).is_file() and command[0] != sys.executable
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("pagefind")


def test_the_binary_is_the_one_the_pagefind_package_finds_without_importing_asyncio(monkeypatch, tmp_path):
    """The lookup is restated (indexer._pagefind_binary) to keep asyncio out of the hourly build's path to its first
    Pagefind run: it must find what pagefind.service.get_executable finds, with and without PAGEFIND_BINARY_PATH."""
    import subprocess

    from pagefind.service import get_executable

    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    assert indexer.pagefind_executable() == [str(get_executable())]
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "my-pagefind"))
    assert indexer.pagefind_executable() == [str(get_executable())] == [str(tmp_path / "my-pagefind")]
    probe = "import sys; from newsmirror.site.indexer import pagefind_executable; pagefind_executable(); print('asyncio' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_pagefind_binary_path_overrides_the_wheel(monkeypatch, tmp_path):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "my-pagefind"))
    assert search.pagefind_command(tmp_path / "s", tmp_path / "o")[0] == str(tmp_path / "my-pagefind")


def test_a_page_gone_before_it_is_staged_costs_its_bundle_alone(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1", "b2"])
    _fake_pagefind(monkeypatch, {"b1": "quick", "b2": "quick"})
    (site / "b1" / "post.html").unlink()
    problems = search.index_bundles(site, plan, url_to_out, 2, lambda done, total: None)
    assert len(problems) == 1 and problems[0].startswith("search bundle b1: pagefind failed: No such file or directory")
    assert (site / "pagefind" / "b2" / "pagefind-entry.json").read_text() == "quick"
    assert not (site / search.STAGE_DIR).exists()


def test_a_fault_in_one_run_is_that_bundles_problem_and_the_others_are_indexed(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1", "b2"])
    _fake_pagefind(monkeypatch, {"b1": "quick", "b2": "quick"})
    real = search._index_bundle

    def faulty(site_dir, bundle, *rest, **kw):
        if bundle == "b1":
            raise RuntimeError("a bug")
        return real(site_dir, bundle, *rest, **kw)

    monkeypatch.setattr(search, "_index_bundle", faulty)
    assert search.index_bundles(site, plan, url_to_out, 2, lambda done, total: None) == [
        "search bundle b1: RuntimeError: a bug"]  # fmt: skip
    assert (site / "pagefind" / "b2" / "pagefind-entry.json").read_text() == "quick"


def test_a_fault_of_the_index_thread_is_reported_not_taken_for_a_complete_index():
    index = search.BackgroundIndex(lambda stop, warnings: 1 / 0)
    assert index.wait() == ["search index: ZeroDivisionError: division by zero"]


def test_a_stopped_build_starts_no_further_run(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1", "b2", "b3"])
    monkeypatch.setattr(search, "pagefind_command", lambda s, o: [sys.executable, "-c", "import time; time.sleep(1)"])
    index = search.BackgroundIndex(partial(search.index_bundles, site, plan, url_to_out, 1, lambda done, total: None))
    index.cancel()  # at once: b1 may have started, b2 and b3 do not
    problems = index.wait()
    assert "search bundle b3: not indexed: the build stopped" in problems
    assert not (site / "pagefind" / "b3").exists()


def test_an_interrupted_wait_starts_no_further_run(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1", "b2", "b3"])
    monkeypatch.setattr(search, "pagefind_command", lambda s, o: [sys.executable, "-c", "import time; time.sleep(1)"])
    index = search.BackgroundIndex(partial(search.index_bundles, site, plan, url_to_out, 1, lambda done, total: None))
    thread_join = index._thread.join

    def interrupted() -> None:
        raise KeyboardInterrupt

    index._thread.join = interrupted  # Ctrl-C while the build waits for the index
    with pytest.raises(KeyboardInterrupt):
        index.wait()
    thread_join()
    assert "search bundle b3: not indexed: the build stopped" in index.problems


def test_a_relative_site_folder_is_indexed_as_an_absolute_one(tmp_path, monkeypatch):
    site, plan, url_to_out = _site(tmp_path, ["b1"])
    _fake_pagefind(monkeypatch, {"b1": "quick"})
    monkeypatch.chdir(tmp_path)
    assert search.index_bundles(Path("_site"), plan, url_to_out, 2, lambda done, total: None) == []
    assert (site / "pagefind" / "b1" / "pagefind-entry.json").read_text() == "quick"
