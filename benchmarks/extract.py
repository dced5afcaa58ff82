"""Extraction quality and cost over the fixture article pages (tests/fixtures/pages/).

For each page: token-level precision/recall/F1 of the extracted body against the hand-checked body
(NAME.expected.txt), for trafilatura alone and for newsmirror's extractor; then the means, and articles per
second for extraction and for sanitizing. Tokens: each CJK character is a token, each Latin word or number is one.

    python benchmarks/extract.py [--repeat N] [--corpus tuned|heldout|both|blind|all]

The tuned pages (tests/fixtures/pages/) are the ones the extractor was tuned on, so their figures say little about
unseen pages; the held-out pages (tests/fixtures/pages_heldout/, other outlets and layouts, never tuned on) are
reported in a second table, with no content_selector, as a source without one would be extracted.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

from newsmirror.ingest.encoding import decode_page
from newsmirror.ingest.fulltext import extract_article, trafilatura_only
from newsmirror.ingest.sanitize import html_to_text, sanitize_html

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
HELDOUT = PAGES.parent / "pages_heldout"
# Written without looking at the extractor or its output; measured only after a round of extractor work, so it is
# left out of the default ("both") and printed only by --corpus blind or all.
BLIND = PAGES.parent / "pages_blind"
sys.path.insert(0, str(PAGES))
from make_pages import SELECTORS  # noqa: E402

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]|[A-Za-z0-9]+(?:['.][A-Za-z0-9]+)*")


def tokens(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(text))


def scores(expected: str, got: str) -> tuple[float, float, float]:
    want, have = tokens(expected), tokens(got)
    common = sum((want & have).values())
    precision = common / max(1, sum(have.values()))
    recall = common / max(1, sum(want.values()))
    f1 = 0.0 if common == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def url_for(name: str) -> str:
    return f"https://news.example.org/{name}.html"


def quality_table(folder: Path, selectors: dict[str, str]) -> int:
    """Prints per-page P/R/F1 for trafilatura alone and for newsmirror, then the mean F1s; returns the page count."""
    rows = []
    print(f"{'page':32} {'trafilatura P/R/F1':>22} {'newsmirror P/R/F1':>22}")
    for path in sorted(folder.glob("*.html")):
        name = path.stem
        expected = (folder / f"{name}.expected.txt").read_text(encoding="utf-8")
        raw = path.read_bytes()
        base = scores(expected, html_to_text(trafilatura_only(decode_page(raw), url_for(name))))
        ours_html = extract_article(raw, url_for(name), content_selector=selectors.get(name, "")).content
        ours = scores(expected, html_to_text(sanitize_html(ours_html, url_for(name))))
        rows.append((name, base, ours))
        print(f"{name:32} {base[0]:6.3f} {base[1]:6.3f} {base[2]:6.3f}   {ours[0]:6.3f} {ours[1]:6.3f} {ours[2]:6.3f}")
    count = len(rows)
    mean_base = sum(r[1][2] for r in rows) / count
    mean_ours = sum(r[2][2] for r in rows) / count
    print(f"{'mean F1 (' + str(count) + ' pages)':32} {mean_base:>20.3f}   {mean_ours:>20.3f}")
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="passes over the corpus for the speed figures")
    parser.add_argument("--corpus", choices=("tuned", "heldout", "both", "blind", "all"), default="both",
                        help="tuned: the pages the extractor was tuned on; heldout: pages it never saw; blind: pages written "
                             "without seeing it, measured after a round of work; both: tuned+heldout; all: the three")  # fmt: skip
    args = parser.parse_args()
    if args.corpus in ("tuned", "both", "all"):
        tuned(args.repeat)
    if args.corpus in ("heldout", "both", "all"):
        print("\nheld-out pages (tests/fixtures/pages_heldout/, never tuned on; no content_selector):")
        quality_table(HELDOUT, {})
    if args.corpus in ("blind", "all"):
        print("\nblind pages (tests/fixtures/pages_blind/, written without seeing the extractor; no content_selector):")
        quality_table(BLIND, {})


def tuned(repeat: int) -> None:
    pages = sorted(PAGES.glob("*.html"))
    count = quality_table(PAGES, SELECTORS)

    raws = [(p.read_bytes(), url_for(p.stem), SELECTORS.get(p.stem, "")) for p in pages]
    started = time.perf_counter()
    bodies = []
    for _ in range(repeat):
        bodies = [extract_article(raw, url, content_selector=sel).content for raw, url, sel in raws]
    extraction = count * repeat / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(repeat * 10):
        for body, (_, url, _) in zip(bodies, raws, strict=True):
            sanitize_html(body, url)
    sanitizing = count * repeat * 10 / (time.perf_counter() - started)
    print(f"extraction: {extraction:.1f} articles/s; sanitizing: {sanitizing:.0f} articles/s")


if __name__ == "__main__":
    main()
