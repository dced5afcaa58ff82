"""`newsmirror reorganize` (issue 15): a flat archive moved into the dated folders fetch writes, with git mv in a
repository, no URL of the built site changed (both builders), the state and lists following, and a reorganize
killed half-way finished by the next one without a post lost or doubled."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from archivehelpers import news, site_urls, tree, write_flat
from conftest import GOLDEN_NAME, GOLDEN_POST, run_cli
from newsmirror.archive.layout import Archive, dated_path
from newsmirror.archive.postformat import post_filename
from newsmirror.archive.state import State
from newsmirror.config import load_config
from newsmirror.operations import moves
from newsmirror.operations.publish import Git, stage_and_commit
from newsmirror.operations.reorganize import reorganize
from newsmirror.operations.writer import write_lists
from newsmirror.scaffold import init_archive
from newsmirror.site import build_site

ISOLATED = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"}  # fmt: skip
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **ISOLATED})
    assert result.returncode == 0, result.stderr
    return result.stdout


def legacy(root: Path, count: int = 60, every: timedelta = timedelta(hours=29)) -> dict[str, bytes]:
    """A flat legacy archive with what reorganize must leave alone: a rotated folder, a file Jekyll does not read as
    a post, and a second file of one name in a sub-folder. Returns the post files by path."""
    init_archive(root, title="镜像")
    write_flat(root, [news(i, every=every) for i in range(count)])
    shutil.copyfile(GOLDEN_POST, root / "_posts" / GOLDEN_NAME)
    (root / "_posts" / "README.md").write_text("not a post\n", encoding="utf-8")
    twin = root / "_posts" / "old" / post_filename(news(0, every=every))
    twin.parent.mkdir()
    twin.write_text((root / "_posts" / twin.name).read_text(encoding="utf-8").replace("/a/0.", "/a/twin."), encoding="utf-8")
    rotated = root / "archived" / "2024-06-01"
    rotated.mkdir(parents=True)
    (rotated / "2020-01-01-旧的.md").write_bytes(GOLDEN_POST.read_bytes().replace(b"2023-10-28", b"2020-01-01"))
    return tree(root)


def expected_after(before: dict[str, bytes], per: str = "month") -> dict[str, bytes]:
    """Where fetch would have written each post: moved by name, the undated and the second twin left in place."""
    after: dict[str, bytes] = {}
    for path, data in sorted(before.items()):
        name = path.rsplit("/", 1)[1]
        target = dated_path(name, per)
        keep = path.startswith("archived/") or target == f"_posts/{name}" or target in after
        after[path if keep else target] = data
    return after


def test_a_flat_archive_moves_into_dated_folders_and_only_folders_change(tmp_path):
    root = tmp_path / "mirror"
    before = legacy(root)
    report = reorganize(load_config(root))
    assert not report.used_git and len(report.moved) == 61 and report.in_place == 0
    assert tree(root) == expected_after(before)  # every post's bytes kept, the archived/ folder untouched
    assert sorted(report.skipped) == [
        "_posts/README.md: the name does not start with a YYYY-MM-DD- date (see `newsmirror doctor`)",
        f"_posts/old/{post_filename(news(0, every=timedelta(hours=29)))}: "
        f"{dated_path(post_filename(news(0, every=timedelta(hours=29))))} exists already",
    ]
    assert not any(p.is_file() for p in (root / "_posts").glob("*.md") if p.name != "README.md")
    # The state follows the files: no row for an old path, every article still known.
    state = State.open(Archive(root))
    try:
        paths = {s.path for s in state.summaries()}
        assert paths == {p for p in expected_after(before) if p.endswith(".md") and not p.endswith("README.md")}
        assert state.path_for_key("https://news5.example/a/5.html".replace("news5", "news2")) == dated_path(
            post_filename(news(5, every=timedelta(hours=29)))
        )
    finally:
        state.close()
    lists = (root / "lists" / "美国之音.md").read_text(encoding="utf-8")
    assert "](../_posts/2024/" in lists and "](../_posts/2024-" not in lists
    again = reorganize(load_config(root))
    assert again.moved == [] and again.in_place == 61 and len(again.skipped) == 2


def test_dry_run_says_what_would_move_and_moves_nothing(tmp_path):
    root = tmp_path / "mirror"
    before = legacy(root, count=10)
    result = run_cli("reorganize", "-C", str(root), "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert len(report["moved"]) == 11 and report["moved"][0] == {"from": f"_posts/{GOLDEN_NAME}", "to": f"_posts/2023/10/{GOLDEN_NAME}"}
    assert tree(root) == before
    text = run_cli("reorganize", "-C", str(root), "--dry-run")
    assert "Would move 11 posts into _posts/YYYY/MM/" in text.stdout and "left in place" in text.stderr
    done = run_cli("reorganize", "-C", str(root))
    assert done.returncode == 0 and "Moved 11 posts" in done.stdout and tree(root) == expected_after(before)


def _build(root: Path) -> set[str]:
    report = build_site(load_config(root), jobs=2, with_search=False)
    assert report.errors == []
    urls = site_urls(root / "_site")
    shutil.rmtree(root / "_site")
    shutil.rmtree(root / ".newsmirror" / "build", ignore_errors=True)
    return urls


def test_no_url_of_the_built_site_changes(tmp_path):
    """newsmirror build: flat, then per month, then per day; the same pages, the archived post included."""
    root = tmp_path / "mirror"
    legacy(root, count=80, every=timedelta(hours=13))
    (root / "_posts" / "README.md").unlink()  # not a post: the builder reports it
    flat = _build(root)
    assert len([u for u in flat if u.startswith(("2024/", "2023/", "2020/"))]) == 83  # the twin at -2
    reorganize(load_config(root))
    assert _build(root) == flat
    config = root / "newsmirror.toml"
    config.write_text(re.sub(r'(?m)^post_folders = "month"', 'post_folders = "day"', config.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    report = reorganize(load_config(root))
    assert len(report.moved) == 81 and all(new.count("/") == 4 for _old, new in report.moved)
    assert _build(root) == flat


def _jekyll(root: Path, destination: Path) -> set[str]:
    done = subprocess.run(["jekyll", "build", "--destination", str(destination)], cwd=root, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not [line for line in output.splitlines() if "warn" in line.lower() or "error" in line.lower()], output
    return {p.relative_to(destination).as_posix() for p in destination.rglob("*") if p.is_file()}


@pytest.mark.jekyll
@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")
def test_no_url_of_the_jekyll_site_changes(tmp_path):
    root = tmp_path / "mirror"
    legacy(root, count=60, every=timedelta(hours=13))
    (root / "_posts" / "README.md").unlink()  # Jekyll would copy it to the site, where it is not news
    shutil.rmtree(root / "_posts" / "old")  # a second post of one name: Jekyll warns of the conflict
    config = load_config(root)
    state = State.open(Archive(root))
    try:
        write_lists(config, state)  # lists/ and sources.md, as fetch leaves them: Jekyll pages too
    finally:
        state.close()
    flat = _jekyll(root, tmp_path / "flat")
    assert sum(1 for u in flat if u.startswith("2024/")) == 60
    assert run_cli("reorganize", "-C", str(root)).returncode == 0
    foldered = _jekyll(root, tmp_path / "foldered")
    assert foldered == flat
    ours = _build(root)
    assert {u for u in flat if u.endswith(".html") and u[:4].isdigit()} <= ours


@needs_git
def test_in_a_repository_posts_move_with_git_mv_and_keep_their_history(tmp_path):
    root = tmp_path / "mirror"
    before = legacy(root, count=30)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    edited = root / "_posts" / post_filename(news(3, every=timedelta(hours=29)))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git(root, "commit", "-qam", "an edit")
    before[f"_posts/{edited.name}"] = edited.read_bytes()

    result = run_cli("reorganize", "-C", str(root), "--json", env=ISOLATED)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["used_git"] and len(report["moved"]) == 31
    status = git(root, "status", "--porcelain", "--", "_posts").splitlines()
    renamed = [line for line in status if line.startswith("R ")]
    assert len(renamed) == 31 and not [line for line in status if line.startswith(("??", " D", "D "))]
    # publish commits it, the moves counted as such (not as rotations, nor as new posts)
    committed, message = stage_and_commit(Git(root), root)
    assert committed and message.startswith("newsmirror: 0 new posts, 31 moved into dated folders")
    history = git(root, "log", "--follow", "--format=%s", "--", dated_path(edited.name)).splitlines()
    assert history == [message.splitlines()[0], "an edit", "start"]
    assert tree(root) == expected_after(before)


def test_an_interrupted_reorganize_is_finished_by_the_next(tmp_path, monkeypatch):
    root = tmp_path / "mirror"
    before = legacy(root, count=40)
    real_rename, calls = os.rename, []

    def dies_half_way(source, target):
        if len(calls) == 20:
            raise KeyboardInterrupt  # the process stops here, as a kill would leave it
        calls.append(source)
        real_rename(source, target)

    monkeypatch.setattr(moves.os, "rename", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        reorganize(load_config(root))
    monkeypatch.setattr(moves.os, "rename", real_rename)
    half = tree(root)
    assert len(half) == len(before) and sorted(half.values()) == sorted(before.values())  # none lost, none doubled
    report = reorganize(load_config(root))
    assert len(report.moved) == 21 and report.in_place == 20
    assert tree(root) == expected_after(before)
    state = State.open(Archive(root))
    try:
        assert {s.path for s in state.summaries()} == {p for p in tree(root) if not p.endswith("README.md")}
    finally:
        state.close()


def killing_git(tmp_path: Path, after_moves: int) -> Path:
    """A folder holding a `git` that runs the real one, then SIGKILLs its caller (newsmirror) once its nth `git mv`
    has finished: the kill lands between two batches on any machine, however fast or loaded."""
    folder = tmp_path / "killing-git"
    folder.mkdir()
    script = folder / "git"
    script.write_text(f"""#!/bin/sh
'{shutil.which("git")}' "$@"; status=$?
if [ "$1" = mv ]; then
  echo >> '{folder / "moves"}'
  [ "$(wc -l < '{folder / "moves"}')" -ge {after_moves} ] && kill -KILL $PPID
fi
exit $status
""")
    script.chmod(0o755)
    return folder


@needs_git
@pytest.mark.slow
def test_a_killed_reorganize_in_a_repository_is_finished_by_the_next(tmp_path):
    root = tmp_path / "mirror"
    before = legacy(root, count=3000, every=timedelta(hours=3))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    kills = killing_git(tmp_path, after_moves=2)
    env = {**os.environ, **ISOLATED, "PATH": f"{kills}{os.pathsep}{os.environ['PATH']}"}
    child = subprocess.run(["python", "-m", "newsmirror", "reorganize", "-C", str(root)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)  # fmt: skip
    assert child.returncode == -signal.SIGKILL
    half = tree(root)
    assert len(half) == len(before) and sorted(half.values()) == sorted(before.values())
    moved = sum(1 for path in half if path.count("/") == 3)
    assert 0 < moved < 3001, moved  # killed half-way
    done = run_cli("reorganize", "-C", str(root), "--json", env=ISOLATED)
    assert done.returncode == 0, done.stderr
    assert tree(root) == expected_after(before)
    status = git(root, "status", "--porcelain", "--", "_posts").splitlines()
    assert len([line for line in status if line.startswith("R ")]) == 3001 and not [s for s in status if s.startswith("??")]
