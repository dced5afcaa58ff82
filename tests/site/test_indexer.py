"""The Pagefind service that loads the Japanese dictionary while a build renders (site/indexer.py): it indexes a
bundle exactly as the `pagefind` command does, a build starts it only when a new or changed post holds kana and
uses it for that post's bundle, and a service that dies, refuses or answers nonsense costs that bundle alone, with
a one-line reason. The fake services here speak Pagefind's protocol (base64 JSON messages ended by commas)."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_incremental_exact import bundle, bundles_served
from test_site_build import article

from newsmirror.archive.layout import Archive
from newsmirror.config import load_config
from newsmirror.scaffold import init_archive
from newsmirror.site import build_site, indexer, search
from newsmirror.site.indexer import Indexer, IndexerError

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head><body>
<article data-pagefind-body><h1 data-pagefind-meta="title">{title}</h1>
<a data-pagefind-filter="来源:{source}">{source}</a><div class="content"><p>{text}</p></div></article></body></html>"""

# Answers each message as `how` says (argv[1]); writes every message it reads, decoded, to argv[2].
FAKE = """
import base64, json, sys
how, log = sys.argv[1], open(sys.argv[2], "a", encoding="utf-8")
if how == "die":
    sys.exit(3)
if how == "panic":
    sys.stderr.write("thread 'main' panicked at src/service.rs\\nnote: run with RUST_BACKTRACE=1\\n")
    sys.exit(101)
buffer = b""
while True:
    more = sys.stdin.buffer.read1(65536)
    if not more:
        break
    buffer += more
    while b"," in buffer:
        message, buffer = buffer.split(b",", 1)
        sent = json.loads(base64.b64decode(message))
        log.write(json.dumps(sent, ensure_ascii=False) + "\\n"); log.flush()
        kind, number = sent["payload"]["type"], sent["message_id"]
        if kind == "AddDir" and how == "silent":
            continue
        if kind == "AddDir" and how == "garbage":
            sys.stdout.buffer.write(b"not base64 at all!,"); sys.stdout.flush(); continue
        files = [{"path": "pagefind-entry.json", "content": base64.b64encode(b"{}").decode()},
                 {"path": "fragment/zh_1.pf_fragment", "content": base64.b64encode(b"a fragment").decode()}]
        if how == "escape":
            files[1]["path"] = "../../outside.txt"
        payload = {"NewIndex": {"type": "NewIndex", "index_id": 7}, "AddFile": {"type": "IndexedFile"},
                   "AddDir": {"type": "IndexedDir", "page_count": 2}, "GetFiles": {"type": "GetFiles", "files": files}}[kind]
        if kind == "AddDir" and how == "refuse":
            payload = {"type": "Error", "message": "Error: no pages\\nhere"}
        if kind == "AddDir" and how == "no pages":
            payload = {"type": "IndexedDir", "page_count": 0}
        if kind == "AddDir" and how == "wrong answer":
            payload = {"type": "WriteFiles"}
        answer = {"message_id": number, "payload": payload}
        if kind == "AddDir" and how in ("unreadable", "unreadable, named"):  # as Pagefind answers what it cannot parse
            original = json.dumps({"message_id": number}) if how == "unreadable, named" else "{"
            answer = {"payload": {"type": "Error", "message": "could not parse\\n the message", "original_message": original}}
        sys.stdout.buffer.write(base64.b64encode(json.dumps(answer).encode()) + b","); sys.stdout.flush()
"""


def fake_service(tmp_path: Path, monkeypatch, how: str) -> Path:
    """PAGEFIND_BINARY_PATH → a program that acts as `pagefind --service` would, as `how` says; returns its log."""
    program, log = tmp_path / "fake-pagefind", tmp_path / "fake.log"
    program.write_text(f"#!{sys.executable}\nimport sys\nsys.argv[1:] = [{how!r}, {str(log)!r}]\n{FAKE}", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(program))
    return log


def pages(folder: Path) -> Path:
    for name, title, text in [("a", "日本の報道", "東京で記者会見が開かれた。ニュースの続報"), ("b", "美中会谈", "他们不是ガキの使い")]:
        path = folder / "2024" / f"{name}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGE.format(title=title, source="大纪元", text=text), encoding="utf-8")
    return folder


def test_the_service_indexes_pages_with_kana_exactly_as_the_command(tmp_path):
    stage = pages(tmp_path / "stage")
    warm = Indexer.start()
    try:
        warm.index(stage, tmp_path / "by-service")
    finally:
        warm.close()
    subprocess.run(search.pagefind_command(stage, tmp_path / "by-command"), check=True, capture_output=True)
    made = bundle(tmp_path / "by-service")
    assert made == bundle(tmp_path / "by-command")
    assert made["pagefind-entry.json"]["languages"]["zh"]["page_count"] == 2  # the scratch page is not in it


def test_the_service_is_told_the_scratch_page_first_and_the_bundle_after(tmp_path, monkeypatch):
    log = fake_service(tmp_path, monkeypatch, "answer")
    warm = Indexer.start()
    assert warm.index(tmp_path / "stage", tmp_path / "out") == 2
    warm.close()
    sent = [json.loads(line)["payload"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert [p["type"] for p in sent] == ["NewIndex", "AddFile", "NewIndex", "AddDir", "GetFiles"]
    assert "の" in sent[1]["file_contents"] and sent[1]["index_id"] == 0
    assert sent[3]["index_id"] == sent[4]["index_id"] == 7  # the id the service gave, not the one assumed
    assert sent[3]["path"] == str(tmp_path / "stage")
    # The files as the service gave them, written here (it answers WriteFiles before its files are whole).
    assert (tmp_path / "out" / "fragment" / "zh_1.pf_fragment").read_bytes() == b"a fragment"
    assert (tmp_path / "out" / "pagefind-entry.json").read_bytes() == b"{}"
    assert warm.process.returncode is not None  # closed: no process left behind


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("die", "pagefind exited with status 3"),
        ("panic", "pagefind exited with status 101: note: run with RUST_BACKTRACE=1"),
        ("refuse", "Error: no pages here"),
        ("no pages", "Pagefind indexed no page"),
        ("wrong answer", "pagefind answered outside its protocol"),
        ("garbage", "pagefind answered outside its protocol"),
        ("unreadable", "pagefind could not read a message: could not parse the message"),
        ("unreadable, named", "could not parse the message"),
        ("silent", "pagefind did not answer within 0.5 s"),
        ("escape", "pagefind named a file outside its bundle: ../../outside.txt"),
    ],
)
def test_a_service_that_fails_gives_one_line(tmp_path, monkeypatch, how, reason):
    fake_service(tmp_path, monkeypatch, how)
    monkeypatch.setattr(indexer, "ANSWER_WITHIN", 0.5)
    warm = Indexer.start()
    if how in ("die", "panic"):
        warm.process.wait()  # dead before it is written to: the writes fail too
    with pytest.raises(IndexerError) as failed:
        warm.index(tmp_path / "stage", tmp_path / "out")
    warm.close()  # even with bytes a dead process never read
    assert str(failed.value) == reason
    assert warm.process.returncode is not None
    assert not (tmp_path.parent / "outside.txt").exists()


def _two_bundles(site: Path) -> tuple[search.Plan, dict[str, str]]:
    state: search.BundleState = {"bundles": {}, "order": [], "sigs": {}, "next": 0, "open": [], "japanese": ["b1"]}
    url_to_out = {}
    for name in ("b1", "b2"):
        pages(site / name)
        url_to_out[f"/{name}/2024/a.html"] = f"{name}/2024/a.html"
        state["bundles"][name], state["order"] = [f"/{name}/2024/a.html"], [*state["order"], name]
    return search.Plan(state, {"b1", "b2"}), url_to_out


def test_a_failed_service_run_falls_back_on_the_command(tmp_path, monkeypatch):
    site = tmp_path / "_site"
    plan, url_to_out = _two_bundles(site)
    real = indexer.pagefind_executable()
    log = fake_service(tmp_path, monkeypatch, "refuse")
    monkeypatch.setattr(search, "pagefind_executable", lambda: real)  # the command runs the real Pagefind
    warnings: list[str] = []
    problems = search.index_bundles(site, plan, url_to_out, 2, lambda d, t: None, Indexer.start(), warnings=warnings)
    assert problems == []
    assert warnings == ["search bundle b1: the Pagefind service failed: Error: no pages here; the command was run instead"]
    asked = [json.loads(line)["payload"] for line in log.read_text(encoding="utf-8").splitlines()]
    assert [p["path"] for p in asked if p["type"] == "AddDir"] == [str((site / ".search-stage" / "b1").resolve())]
    for name in ("b1", "b2"):
        assert bundle(site / "pagefind" / name)["pagefind-entry.json"]["languages"]["zh"]["page_count"] == 1


def test_when_the_command_fails_too_the_bundle_on_disk_stays_and_the_reason_is_the_commands(tmp_path, monkeypatch):
    site = tmp_path / "_site"
    plan, url_to_out = _two_bundles(site)
    old = site / "pagefind" / "b1"
    old.mkdir(parents=True)
    (old / "pagefind-entry.json").write_text("the last good index")
    fake_service(tmp_path, monkeypatch, "die")
    monkeypatch.setattr(search, "pagefind_command", lambda stage, out: [sys.executable, "-c", "print('Error: said by the command'); raise SystemExit(2)"])
    problems = search.index_bundles(site, plan, url_to_out, 2, lambda d, t: None, Indexer.start())
    assert problems == ["search bundle b1: pagefind failed: Error: said by the command",
                        "search bundle b2: pagefind failed: Error: said by the command"]  # fmt: skip
    assert (old / "pagefind-entry.json").read_text() == "the last good index"
    assert sorted(p.name for p in (site / "pagefind").iterdir()) == ["b1"]


def test_pagefind_settings_around_the_build_change_no_bundle(tmp_path, monkeypatch):
    """The command would read PAGEFIND_* variables and a pagefind.yml where it runs; the service reads neither.
    Neither is let in, so a bundle is the same whichever made it."""
    stage = tmp_path / "stage"
    pages(stage / "b1")  # at the paths the build stages them
    warm = Indexer.start()
    warm.index(stage, tmp_path / "by-service")
    warm.close()
    elsewhere = tmp_path / "where-the-build-runs"
    elsewhere.mkdir()
    (elsewhere / "pagefind.yml").write_text("exclude_selectors:\n  - p\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "p")
    site = tmp_path / "_site"
    shutil.copytree(stage, site)
    problem = search._index_bundle(site, "b1", ["/b1/2024/a.html", "/b1/2024/b.html"],
                                   {"/b1/2024/a.html": "b1/2024/a.html", "/b1/2024/b.html": "b1/2024/b.html"}, None)  # fmt: skip
    assert problem is None
    made = bundle(site / "pagefind" / "b1")
    assert made == bundle(tmp_path / "by-service")
    text = b"".join(gzip.decompress(v) for k, v in made.items() if k.startswith("fragment/")).decode("utf-8", "replace")
    assert "記者会見" in text.replace("\u200b", "")  # the paragraphs indexed, not excluded


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_a_process_forked_from_the_build_lets_go_of_the_service_pipes(tmp_path):
    warm = Indexer.start()
    try:
        fds = [warm.process.stdin.fileno(), warm.process.stdout.fileno()]
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_fd_targets, args=(fds, queue))
        child.start()
        child.join(30)
        assert queue.get(timeout=5) == [os.devnull, os.devnull]
        assert all(os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:") for fd in fds)  # the build's stay
    finally:
        warm.close()


def _fd_targets(fds: list[int], queue) -> None:
    queue.put([os.readlink(f"/proc/self/fd/{fd}") for fd in fds])


def test_a_build_starts_the_service_only_for_a_new_post_with_kana_and_indexes_its_bundle_with_it(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    posts = Archive(root)
    for i in range(3):
        posts.write_post(article(i))
    posts.write_post(article(9, content="<p>日本語のニュース</p>"))
    started: list[Indexer] = []
    real_start = Indexer.start

    def start() -> Indexer:
        started.append(real_start())
        return started[-1]

    monkeypatch.setattr(indexer.Indexer, "start", staticmethod(start))
    used = bundles_served(monkeypatch)

    def build():
        report = build_site(load_config(root), jobs=2, with_search=True)
        assert not report.errors, report.errors
        return load_build_cache_search(root)

    first = build()  # no build before it: every post file is read (they are few), one holds kana
    assert len(started) == 1 and used == first["japanese"]
    started.clear(), used.clear()
    posts.write_post(article(3))
    build()  # a new post without kana
    assert (len(started), used) == (0, [])
    kana = next(p for p in (root / "_posts").rglob("*.md") if "日本語" in p.read_text(encoding="utf-8"))
    os.utime(kana, ns=(kana.stat().st_mtime_ns + 10**9,) * 2)
    build()  # the post with kana touched, its text the same: nothing to index, no service
    assert (len(started), used) == (0, [])
    broken = root / "_posts" / "2024-05-03-坏的.md"
    broken.write_text("---\ntitle: [unclosed\n---\n<p>東京のニュース</p>\n", encoding="utf-8")

    def build_with_broken() -> None:
        report = build_site(load_config(root), jobs=2, with_search=True)
        assert len(report.errors) == 1 and "坏的" in report.errors[0], report.errors

    build_with_broken()
    assert len(started) == 1 and used == []  # new, so read: its kana start the service, never used
    started[0].process.wait(timeout=10)  # and closed
    started.clear()
    posts.write_post(article(4))
    build_with_broken()
    assert (len(started), used) == (0, [])  # the broken post unchanged since the last build: not read again
    broken.unlink()
    posts.write_post(article(10, content="<p>東京のニュース</p>"))
    after = build()
    assert len(started) == 1 and used == after["japanese"] == first["japanese"]  # its bundle, by the warm service
    assert started[0].process.returncode is not None  # closed
    build_site(load_config(root), jobs=2, with_search=False)  # no search: no service
    assert len(started) == 1


def load_build_cache_search(root: Path) -> dict:
    from newsmirror.site.cache import load_build_cache

    return dict(load_build_cache(root / "_site").search)


def test_kana_is_looked_for_in_a_few_unknown_files_only(tmp_path, monkeypatch):
    from newsmirror.site import build as site_build

    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    posts = Archive(root)
    for i in range(3):
        posts.write_post(article(i, content="<p>日本語のニュース</p>" if i == 2 else "<p>新闻</p>"))
    scanned = Archive(root).scan_posts()
    assert site_build._kana_added(root, scanned, None, {}) is True
    monkeypatch.setattr(site_build, "KANA_PROBE", 2)  # more files unknown than that: a rebuild that large
    assert site_build._kana_added(root, scanned, None, {}) is False


def test_the_build_warns_when_the_service_fails_and_the_command_makes_good(tmp_path):
    """`newsmirror build` with a Pagefind whose service mode dies (the command mode is the real one): the bundle of
    posts with kana is indexed all the same, and the report says what happened, as a warning, not an error."""
    from conftest import run_cli

    real = indexer.pagefind_executable()
    program = tmp_path / "pagefind-without-service"
    program.write_text(f"#!{sys.executable}\nimport os, sys\nif '--service' in sys.argv:\n    sys.exit(3)\n"
                       f"os.execv({real[-1]!r}, [{real[-1]!r}, *sys.argv[1:]])\n", encoding="utf-8")  # fmt: skip
    program.chmod(0o755)
    root = tmp_path / "mirror"
    init_archive(root, title="测试镜像")
    posts = Archive(root)
    posts.write_post(article(1))
    posts.write_post(article(2, content="<p>日本語のニュース</p>"))
    built = run_cli("build", "-C", str(root), env={"PAGEFIND_BINARY_PATH": str(program)})
    assert built.returncode == 0, built.stderr
    assert "error" not in built.stderr
    (japanese,) = load_build_cache_search(root)["japanese"]
    assert f"warning search bundle {japanese}: the Pagefind service failed: pagefind exited with status 3; the " \
           "command was run instead" in " ".join(built.stderr.split())  # fmt: skip
    assert bundle(root / "_site" / "pagefind" / japanese)["pagefind-entry.json"]["languages"]["zh"]["page_count"] == 1
