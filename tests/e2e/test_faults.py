"""Injected faults: the process killed mid-run, a full disk, a read-only archive or state."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import hostile
from conftest import GOLDEN_POST, post_files, run_cli, write_config
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import parse_post
from newsmirror.archive.state import State

BODY = "<p>" + "这是一段足够长的新闻正文，用来让每篇文章有几千字节。" * 30 + "</p>"


def feeds_for(server, count: int, items: int, generation: int = 0, delays: list[float] | None = None) -> set[str]:
    """Serve `count` feeds; generation g holds items of generations 0..g, so every run has new work to do."""
    links = set()
    for f in range(count):
        entries = []
        for g in range(generation + 1):
            for i in range(items):
                link = f"https://faults.example/{f}/{g}/{i}.html"
                links.add(link)
                entries.append(hostile.item(f"来源{f}第{g}批第{i}篇", link, body=BODY))
        server.add(f"/feed{f}.xml", hostile.rss(entries), delay=delays[f] if delays else 0.0)
    return links


def assert_every_post_is_whole(root: Path) -> list:
    posts = []
    for path in post_files(root):
        if path.name.startswith("."):
            continue  # a killed run's temporary file: hidden, never a post, removed by the next run
        text = path.read_text(encoding="utf-8")
        assert text.endswith("</div>\n"), f"partial post {path.name}"
        posts.append(parse_post(text, path))
    return posts


def test_sigkill_at_random_points_loses_and_duplicates_nothing(server, tmp_path):
    """At least 20 runs killed at random moments (feeds answer after random delays, so kills land while waiting
    for the network as well as while writing), then one run to completion: nothing partial, missing or twice."""
    # Feeds grow to ~1,600 items here: no [fetch] max_items, so that every item is due.
    write_config(tmp_path, [{"name": f"来源{f}", "url": server.url(f"/feed{f}.xml")} for f in range(6)],
                 extra="[fetch]\nmax_items = 0")
    rng = random.Random(20261126)
    env = {**os.environ, "PYTHONUTF8": "1"}
    kills = generation = 0
    while kills < 20 and generation < 40:
        delays = [rng.uniform(0.0, 0.8) for _ in range(6)]
        links = feeds_for(server, count=6, items=40, generation=generation, delays=delays)  # 240 new posts a run
        generation += 1
        process = subprocess.Popen(
            [sys.executable, "-m", "newsmirror", "fetch", "-C", str(tmp_path), "--wait", "10"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            process.wait(timeout=rng.uniform(0.3, 1.3))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        if (tmp_path / "_posts").exists():
            assert_every_post_is_whole(tmp_path)
        state = State.open(Archive(tmp_path))  # opens, passes quick_check, or is set aside and rebuilt
        state.close()
    assert kills >= 20, f"only {kills} of {generation} runs were killed mid-way"

    for f in range(6):  # the last run without waits
        server.routes[f"/feed{f}.xml"].delay = 0.0
    final = run_cli("fetch", "-C", str(tmp_path), "--json", timeout=300)
    assert final.returncode == 0, final.stderr
    posts = assert_every_post_is_whole(tmp_path)
    assert sorted(p.link for p in posts) == sorted(links)  # none missing, none twice
    assert not [p for p in post_files(tmp_path, hidden=True) if p.name.startswith(".")]
    again = run_cli("fetch", "-C", str(tmp_path), "--json")
    assert json.loads(again.stdout)["new_posts"] == 0


@pytest.fixture
def small_mount(tmp_path):
    """A tiny tmpfs of our own (root only, as on CI); skipped where mounting is not allowed."""
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount_point)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_gives_a_clear_error_and_keeps_earlier_posts(server, small_mount):
    root = small_mount / "archive"
    (root / "_posts").mkdir(parents=True)
    earlier = root / "_posts" / "2023-10-28-布林肯王毅会谈逾7小时 盘点美中冲突领域.md"
    earlier.write_bytes(GOLDEN_POST.read_bytes())
    feeds_for(server, count=1, items=200)  # ~1 MB of posts for 400 KB of disk
    write_config(root, [{"name": "满", "url": server.url("/feed0.xml")}])

    result = run_cli("fetch", "-C", str(root), "--json")
    assert "No space left on device" in result.stderr or "disk is full" in result.stderr, result.stderr
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stderr, result.stderr  # a one-line error, not a crash
    assert any(line.startswith("error 满") for line in result.stderr.splitlines()), result.stderr
    assert earlier.read_bytes() == GOLDEN_POST.read_bytes()
    posts = assert_every_post_is_whole(root)
    assert 1 < len(posts) < 201
    leftovers = [p.name for p in post_files(root, hidden=True) if p.name.startswith(".")]
    assert not leftovers, leftovers


def test_read_only_archive_is_a_clear_error(server, small_mount):
    root = small_mount / "archive"
    url = server.add("/g.xml", hostile.rss([hostile.item("只读测试", "https://ro.example/1")]))
    write_config(root, [{"name": "只读", "url": url}])
    assert run_cli("fetch", "-C", str(root)).returncode == 0
    before = {p.name: p.read_bytes() for p in post_files(root)}
    server.add("/g.xml", hostile.rss([hostile.item("只读测试", "https://ro.example/1"), hostile.item("新的", "https://ro.example/2")]))
    subprocess.run(["mount", "-o", "remount,ro", str(small_mount)], check=True)

    result = run_cli("fetch", "-C", str(root))
    assert result.returncode == 1
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error") and "Read-only file system" in line, result.stderr
    assert {p.name: p.read_bytes() for p in post_files(root)} == before


def test_read_only_state_is_a_clear_error(server, tmp_path):
    url = server.add("/g.xml", hostile.rss([hostile.item("状态只读", "https://ro.example/s")]))
    write_config(tmp_path, [{"name": "状态", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    state_dir = tmp_path / ".newsmirror"
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(state_dir)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        fetched = run_cli("fetch", "-C", str(tmp_path))
        assert fetched.returncode == 1
        assert "Read-only file system" in fetched.stderr and fetched.stderr.startswith("error"), fetched.stderr
    finally:
        subprocess.run(["umount", "-l", str(state_dir)], check=False)
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0  # and all is well once it is writable again


def test_a_killed_runs_temporary_files_are_removed_by_the_next_run(server, tmp_path):
    url = server.add("/g.xml", hostile.rss([hostile.item("清理", "https://faults.example/clean")]))
    write_config(tmp_path, [{"name": "清理", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    leftovers = [
        tmp_path / "_posts" / ".new.abcd1234.tmp",
        tmp_path / "lists" / ".清理.md.x1y2.tmp",
        tmp_path / "assets" / "images" / "ab" / ".abcdef.jpg.z9.tmp",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("half-written", encoding="utf-8")
    clean_exit = run_cli("fetch", "-C", str(tmp_path))
    assert clean_exit.returncode == 0 and all(p.exists() for p in leftovers)  # the last run ended cleanly: no sweep
    (tmp_path / ".newsmirror" / "lock").write_text("pid 999999", encoding="utf-8")  # as a SIGKILLed run leaves it
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    assert not any(p.exists() for p in leftovers)


def test_posts_are_linked_from_unnamed_files_where_linux_allows(tmp_path):
    """The O_TMPFILE path really runs here (not only its fallback): no name exists until the content is whole."""
    import newsmirror.files as archive

    if not archive._O_TMPFILE:
        pytest.skip("no O_TMPFILE on this platform")
    target = tmp_path / "post.md"
    assert archive._create_from_unnamed_file(target, b"whole") is True
    assert archive._create_from_unnamed_file(target, b"again") is False  # never replaces a post
    assert target.read_bytes() == b"whole" and os.listdir(tmp_path) == ["post.md"]
    assert target.stat().st_mode & 0o777 == 0o644 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
