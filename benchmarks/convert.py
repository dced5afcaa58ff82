"""Script conversion on real posts: OpenCC's speed (characters/s, per conversion), what pre-converting a 30,000-post
site would cost, and how close the site's 简/繁 switch (character tables, site/hanzi.py) comes to OpenCC's phrase-aware
conversion. `python benchmarks/convert.py POSTS_DIR [--posts N] [--repeat R]` (POSTS_DIR: an unpacked _posts/)."""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import time
from pathlib import Path

from newsmirror.archive.postformat import parse_post
from newsmirror.config import CONVERSIONS
from newsmirror.ingest.convert import convert_text
from newsmirror.site.hanzi import character_table, hanzi_script


def bodies(folder: Path, count: int) -> list[str]:
    paths = sorted(folder.rglob("*.md"))
    random.Random(16).shuffle(paths)
    return [parse_post(p.read_text(encoding="utf-8"), p).content for p in paths[:count]]


def rate(texts: list[str], conversion: str, repeat: int) -> float:
    chars = sum(map(len, texts))
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            convert_text(text, conversion)
        runs.append(chars / (time.perf_counter() - started))
    return statistics.median(runs)


def agreement(texts: list[str], conversion: str) -> float:
    """Share of the CJK characters that the character table converts as OpenCC does (same-length outputs only)."""
    table = character_table(conversion)
    same = total = 0
    for text in texts:
        full = convert_text(text, conversion)
        if len(full) != len(text):
            continue
        for char, expected in zip(text, full, strict=True):
            if "\u3400" <= char <= "\u9fff":
                total += 1
                same += table.get(char, char) == expected
    return same / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("posts", type=Path)
    parser.add_argument("--posts", dest="count", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    texts = bodies(args.posts, args.count)
    chars = sum(map(len, texts))
    print(f"{len(texts)} real post bodies, {chars:,} characters; median of {args.repeat} runs")
    for conversion in CONVERSIONS:
        speed = rate(texts, conversion, args.repeat)
        per_post = chars / len(texts)
        print(f"  {conversion:6} {speed / 1e6:6.2f} M chars/s  → 30,000 such posts in {30_000 * per_post / speed:6.1f} s")
    script = hanzi_script().encode()
    print(f"switch script: {len(script):,} bytes, {len(gzip.compress(script)):,} gzipped")
    for conversion in ("s2t", "t2s"):
        print(f"  {conversion}: the character table agrees with OpenCC on {agreement(texts, conversion):.2%} of CJK characters")


if __name__ == "__main__":
    main()
