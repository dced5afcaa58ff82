"""Time the long-running jobs on a generated legacy mirror: import, import --repair, doctor, status, rotate.

    python benchmarks/longrun.py                 # 20,000 posts (16,000 in archived/), 1 in 200 broken
    python benchmarks/longrun.py --posts 3000

Posts are written with postformat.render_post (the golden format), spread over three sources and two years, with
broken ones among them (an unescaped backslash in a title, an `Invalid Date`, no `from:`). Each command runs as
the real `python -m newsmirror` in a child process; prints wall-clock seconds per command.
"""

from __future__ import annotations

import argparse
import json
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


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "newsmirror", *args], capture_output=True, text=True)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    options = parser.parse_args()
    work = HERE / "_work" / "longrun"
    shutil.rmtree(work, ignore_errors=True)
    broken = generate(work, options.posts)
    print(f"legacy mirror: {options.posts} posts, {broken} broken, {options.posts // 2} allurls.dat lines")
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


if __name__ == "__main__":
    main()
