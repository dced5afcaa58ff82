"""Sanitizing cost: articles per second for the golden post's body, the extracted fixture articles, and a mix of
hostile HTML. `python benchmarks/sanitize.py [--repeat N]`"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from newsmirror.ingest.fulltext import extract_article
from newsmirror.ingest.sanitize import sanitize_html

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"


def rate(bodies: list[str], repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for body in bodies:
            sanitize_html(body, "https://news.example.org/a/1.html")
    return len(bodies) * repeat / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    golden = (ROOT / "tests" / "fixtures" / "000_48fe70f85b61edb0.txt").read_text(encoding="utf-8")
    golden_body = re.search(r"<div>\n(.*)\n</div>", golden, re.S).group(1)
    extracted = [extract_article(p.read_bytes(), f"https://news.example.org/{p.stem}.html").content for p in sorted(PAGES.glob("*.html"))]
    import sys

    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "ingest")]  # conftest helpers, and the hostile corpus
    from test_sanitize_hostile import HOSTILE

    hostile = ["<p>正文</p>" + "".join(HOSTILE[i : i + 10]) for i in range(0, len(HOSTILE), 10)]
    print(f"golden post body ({len(golden_body)} chars): {rate([golden_body], args.repeat * 5):.0f} articles/s")
    print(f"extracted fixture articles ({len(extracted)}): {rate(extracted, args.repeat):.0f} articles/s")
    print(f"hostile fragments ({len(hostile)}): {rate(hostile, args.repeat):.0f} fragments/s")


if __name__ == "__main__":
    main()
