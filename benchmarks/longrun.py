"""Time the long-running jobs on a generated legacy mirror: import, import --repair, doctor, status, rotate; then
reorganize and size on a flat archive in a git repository.

    python benchmarks/longrun.py                 # 20,000 posts (16,000 in archived/), 1 in 200 broken
    python benchmarks/longrun.py --posts 3000 --flat-posts 3000
    python benchmarks/longrun.py --posts 0       # only the reorganize part: 30,000 flat posts

The reorganize part writes --flat-posts posts (four years, as an existing mirror holds them) flat into _posts/,
commits them to a fresh git repository, and times `reorganize --dry-run`, `reorganize` (git mv), `git commit` of
the moves, `size` (git's own count) and `size` outside git (the zlib estimate); it checks that every post is in its
dated folder with its bytes, and that git sees renames only.

Posts are written with postformat.render_post (the golden format), spread over three sources and two years, with
broken ones among them (an unescaped backslash in a title, an `Invalid Date`, no `from:`). Each command runs as
the real `python -m newsmirror` in a child process; prints wall-clock seconds per command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from newsmirror.archive.postformat import post_filename, render_post  # noqa: E402
from newsmirror.models import Article  # noqa: E402

SOURCES = ["大纪元", "美国之音", "BBC中文"]


def generate(root: Path, count: int) -> int:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    (root / "_posts").mkdir(parents=True)
    broken = 0
    for index in range(count):
        source = SOURCES[index % 3]
        article = Article(
            title=f"{source} 第{index}号新闻 关于北京与华盛顿的会谈",
            date=start + timedelta(minutes=53 * index),
            author=source,
            link=f"https://news{index % 3}.example/a/{index}.html",
            source=source,
            content="<p>" + "正文句子。" * 200 + "</p>",
        )
        folder = root / "_posts" if index >= count * 4 // 5 else root / "archived" / f"2025-0{1 + index % 9}-01"
        folder.mkdir(parents=True, exist_ok=True)
        text = render_post(article)
        if index % 200 == 7:
            broken += 1
            kind = (index // 200) % 3
            if kind == 0:
                text = text.replace(text.split("\n")[2], f'title: "C:\\Users\\{index}"')
            elif kind == 1:
                text = text.replace(text.split("\n")[3], "date: Invalid Date")
            else:
                text = text.replace(text.split("\n")[5] + "\n", "")
        (folder / post_filename(article)).write_text(text, encoding="utf-8")
    (root / "subs.json").write_text(json.dumps([{"site": s, "url": f"https://feeds.example/{i}"} for i, s in enumerate(SOURCES)]))
    (root / "allurls.dat").write_text("\n".join(f"https://gone.example/{i}" for i in range(count // 2)) + "\n")
    return broken


def timed(*args: str, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "newsmirror", *args], capture_output=True, text=True,
                            env={**os.environ, **(env or {})})  # fmt: skip
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--flat-posts", type=int, default=30_000)
    options = parser.parse_args()
    if options.posts:
        legacy_jobs(options.posts)
    if options.flat_posts:
        reorganize_jobs(options.flat_posts)


def legacy_jobs(posts: int) -> None:
    work = HERE / "_work" / "longrun"
    shutil.rmtree(work, ignore_errors=True)
    broken = generate(work, posts)
    print(f"legacy mirror: {posts} posts, {broken} broken, {posts // 2} allurls.dat lines")
    for label, args in [
        ("import", ["import", str(work), "--json"]),
        ("import --repair", ["import", str(work), "--repair", "--json"]),
        ("import again (nothing to do)", ["import", str(work), "--json"]),
        ("doctor", ["doctor", "-C", str(work), "--json"]),
        ("status", ["status", "-C", str(work), "--json"]),
        ("rotate --older-than 365d", ["rotate", "-C", str(work), "--older-than", "365d", "--json"]),
    ]:
        seconds, result = timed(*args)
        note = ""
        if args[0] == "import":
            report = json.loads(result.stdout)
            note = f"{len(report['broken'])} unreadable, {sum(b['repaired'] for b in report['broken'])} repaired"
        elif args[0] == "doctor":
            report = json.loads(result.stdout)
            note = f"{report['errors']} errors, {report['warnings']} warnings"
        elif args[0] == "rotate":
            note = f"{len(json.loads(result.stdout)['moved'])} moved"
        print(f"{label:32s} {seconds:7.2f} s  {note}")


GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "bench",
           "GIT_AUTHOR_EMAIL": "bench@example.org", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.org", "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "gc.auto",
           "GIT_CONFIG_VALUE_0": "0"}  # fmt: skip  (no background gc while the repository is measured)


def git(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})
    return time.perf_counter() - started


def generate_flat(root: Path, count: int) -> dict[str, bytes]:
    """`count` posts over four years, all in _posts/ as a legacy mirror holds them; their bytes by name."""
    subprocess.run([sys.executable, "-m", "newsmirror", "init", str(root)], check=True, capture_output=True)
    start, step = datetime(2022, 1, 1, tzinfo=UTC), timedelta(days=4 * 365) / count
    written = {}
    for index in range(count):
        source = SOURCES[index % 3]
        article = Article(title=f"{source} 第{index}号新闻 关于北京与华盛顿的会谈", date=start + step * index, author=source,
                          link=f"https://news{index % 3}.example/a/{index}.html", source=source,
                          content="<p>" + "正文句子。" * 200 + "</p>", tags=[source], categories=[source])  # fmt: skip
        name = post_filename(article)
        text = render_post(article).encode("utf-8")
        (root / "_posts" / name).write_bytes(text)
        written[name] = text
    return written


def reorganize_jobs(count: int) -> None:
    from newsmirror.archive.layout import dated_path

    work = HERE / "_work" / "longrun-flat"
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(work.parent / "longrun-flat.git", ignore_errors=True)
    work.mkdir(parents=True)
    written = generate_flat(work, count)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    committed = git(work, "commit", "-qm", "flat")
    print(f"flat archive: {count} posts in _posts/, committed in {committed:.1f} s")
    for label, args in [
        ("reorganize --dry-run", ["reorganize", "-C", str(work), "--dry-run", "--json"]),
        ("reorganize (git mv)", ["reorganize", "-C", str(work), "--json"]),
        ("reorganize again (nothing to do)", ["reorganize", "-C", str(work), "--json"]),
    ]:
        seconds, result = timed(*args)
        report = json.loads(result.stdout)
        print(f"{label:32s} {seconds:7.2f} s  {len(report['moved'])} moved, {report['in_place']} in place")
    status = subprocess.run(["git", "status", "--porcelain", "--", "_posts"], cwd=work, capture_output=True, text=True).stdout
    renames = sum(1 for line in status.splitlines() if line.startswith("R "))
    right = all((work / dated_path(name)).read_bytes() == data for name, data in written.items())
    print(f"{'':32s} git sees {renames} renames and {len(status.splitlines()) - renames} other changes; "
          f"every post in its folder, bytes unchanged: {right}")  # fmt: skip
    print(f"{'git commit of the moves':32s} {git(work, 'commit', '-qm', 'reorganize'):7.2f} s")
    for label, root in [("size (in the repository)", work), ("size (no repository)", None)]:
        if root is None:  # and git must not find the repository this benchmark lies in
            (work / ".git").rename(work.parent / "longrun-flat.git")
        seconds, result = timed("size", "-C", str(work), "--json", env={"GIT_CEILING_DIRECTORIES": str(work.parent)})
        report = json.loads(result.stdout)
        largest = report["directories"][0]
        in_git = "" if report["git_packed_bytes"] is None else (
            f", git: {report['git_packed_bytes'] / 2**20:.0f} MB packs + {report['git_loose_bytes'] / 2**20:.0f} MB loose")
        print(f"{label:32s} {seconds:7.2f} s  {report['disk_bytes'] / 2**20:.0f} MB on disk, "
              f"{report['packed_bytes'] / 2**20:.1f} MB as git stores the files{in_git}; fullest folder "
              f"{largest['path']} ({largest['entries']} entries); advice: {report['advice'] or 'none'}")  # fmt: skip


if __name__ == "__main__":
    main()
