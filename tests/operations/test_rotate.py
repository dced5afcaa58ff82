"""Rotation: old posts move to archived/<rotation day>/, with git mv in a repository; dedup still knows them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import post_files, run_cli, write_config
from newsmirror.archive.postformat import post_filename, render_post
from newsmirror.models import Article
from newsmirror.operations.rotate import parse_duration

ISOLATED = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
TODAY = datetime.now(UTC).strftime("%Y-%m-%d")


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **ISOLATED})
    assert result.returncode == 0, result.stderr
    return result.stdout


def article(days_ago: int, n: int) -> Article:
    return Article(
        title=f"第{n}篇 {days_ago} 天前",
        date=datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago),
        author="大纪元",
        link=f"https://www.epochtimes.com/gb/{n}.htm",
        source="大纪元",
        content=f"<p>{n}</p>",
    )


def make_archive(root: Path, feed_url: str = "http://127.0.0.1:9/feed") -> list[Article]:
    write_config(root, [{"name": "大纪元", "url": feed_url}])
    (root / "_posts").mkdir()
    articles = [article(days, n) for n, days in enumerate([1, 30, 119, 121, 200, 400, 1000])]
    for a in articles:
        (root / "_posts" / post_filename(a)).write_text(render_post(a), encoding="utf-8")
    return articles


def rss(items: list[Article]) -> str:
    body = "".join(
        f"<item><title>{a.title}</title><link>{a.link}</link>"
        f"<pubDate>{a.date.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate><description>x</description></item>"
        for a in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{body}</channel></rss>'


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_rotation_in_a_repository_uses_git_mv_and_dedup_still_knows_the_posts(tmp_path, server):
    url = server.add("/feed.xml", "")
    root = tmp_path / "m"
    root.mkdir()
    articles = make_archive(root, url)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "start")

    result = run_cli("rotate", "-C", str(root), "--older-than", "120d", "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["folder"] == f"archived/{TODAY}" and report["used_git"]
    moved = sorted(Path(p).name for p in report["moved"])
    assert moved == sorted(post_filename(a) for a in articles[3:])
    assert sorted(p.name for p in (root / "archived" / TODAY).iterdir()) == moved
    assert sorted(p.name for p in post_files(root)) == sorted(post_filename(a) for a in articles[:3])
    staged = git(root, "status", "--porcelain").splitlines()
    assert len([line for line in staged if line.startswith("R ")]) == 4  # staged as renames: history follows
    listing = (root / "lists" / "大纪元.md").read_text(encoding="utf-8")
    assert f"../archived/{TODAY}/" in listing  # the list links to where the posts are now

    # A feed still carrying the rotated articles: nothing is written again, even with the cache gone.
    server.add("/feed.xml", rss([*articles, article(0, 99)]))
    shutil.rmtree(root / ".newsmirror")
    fetched = run_cli("fetch", "-C", str(root), "--json")
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout)["sources"][0]["new"] == 1
    assert len(list(post_files(root))) == 4


def test_rotation_outside_git_moves_files_and_dry_run_moves_nothing(tmp_path):
    root = tmp_path / "m"
    root.mkdir()
    make_archive(root)
    before = sorted(p.name for p in post_files(root))

    dry = run_cli("rotate", "-C", str(root), "--older-than", "300d", "--dry-run")
    assert dry.returncode == 0 and "Would move 2 posts" in dry.stdout
    assert sorted(p.name for p in post_files(root)) == before

    done = run_cli("rotate", "-C", str(root), "--older-than", "300d", "--json")
    assert done.returncode == 0, done.stderr
    assert not json.loads(done.stdout)["used_git"]
    assert len(list((root / "archived" / TODAY).iterdir())) == 2
    assert len(list(post_files(root))) == 5

    again = run_cli("rotate", "-C", str(root), "--older-than", "300d", "--json")
    assert json.loads(again.stdout)["moved"] == []


def test_an_unreadable_post_is_dated_by_its_file_name(tmp_path):
    root = tmp_path / "m"
    root.mkdir()
    make_archive(root)
    (root / "_posts" / "2001-01-01-broken.md").write_text('---\ntitle: "a\\q"\n---\n')
    result = run_cli("rotate", "-C", str(root), "--older-than", "5000d", "--json")
    assert [Path(p).name for p in json.loads(result.stdout)["moved"]] == ["2001-01-01-broken.md"]


def test_bad_durations_are_one_line_errors(tmp_path):
    root = tmp_path / "m"
    root.mkdir()
    make_archive(root)
    result = run_cli("rotate", "-C", str(root), "--older-than", "soon")
    assert result.returncode == 2 and "--older-than: 'soon' is not a duration" in result.stderr


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("1h", 3600), ("1d", 86400), ("2w", 1209600), ("1.5h", 5400), ("45", 45)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "h", "1y", "-1h", "0s", "1 hour"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_bare_number_uses_the_default_unit():
    assert parse_duration("120", default_unit="d") == timedelta(days=120)


def test_newsmirror_build_still_includes_rotated_posts(tmp_path):
    builder = pytest.importorskip("newsmirror.site.build")
    from newsmirror.config import load_config

    root = tmp_path / "m"
    root.mkdir()
    articles = make_archive(root)
    assert run_cli("rotate", "-C", str(root), "--older-than", "120d").returncode == 0
    assert len(list((root / "archived" / TODAY).iterdir())) == 4
    builder.build_site(load_config(root), with_search=False)
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (root / "_site").rglob("*.html"))
    for a in articles:
        assert a.title in pages  # the rotated ones too


def test_rotation_tells_the_state_where_posts_went_so_they_are_not_read_again(tmp_path, monkeypatch):
    """The moved posts keep their mtime: the state follows the rename (dedup keys too) instead of re-reading them."""
    from newsmirror.archive import state as state_module
    from newsmirror.archive.layout import Archive
    from newsmirror.archive.state import State
    from newsmirror.config import load_config
    from newsmirror.operations.rotate import rotate

    root = tmp_path / "m"
    root.mkdir()
    make_archive(root)
    state = State.open(Archive(root))
    state.sync_with_disk()
    old = next(p for (p,) in state.db.execute("SELECT path FROM posts") if "1000" in p)
    state.db.execute("INSERT INTO keys VALUES ('guid:大纪元\x1fg1000', ?)", (old,))
    state.close()
    headers_read: list[str] = []
    real = state_module.read_front_matter
    monkeypatch.setattr(state_module, "read_front_matter", lambda path: headers_read.append(str(path)) or real(path))

    report = rotate(load_config(root), timedelta(days=300))

    assert len(report.moved) == 2 and headers_read == []
    state = State.open(Archive(root))
    new = old.replace("_posts/", f"archived/{TODAY}/")
    assert state.db.execute("SELECT path FROM keys WHERE key LIKE 'guid:%'").fetchone() == (new,)
    assert state.db.execute("SELECT COUNT(*) FROM posts WHERE path = ?", (new,)).fetchone() == (1,)
    assert state.sync_with_disk() == 0
    state.close()
