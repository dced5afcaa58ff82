r"""Extraction quality and cost over the fixture article pages (tests/fixtures/pages/).

For each page: token-level precision/recall/F1 of the extracted body against the hand-checked body
(NAME.expected.txt), for trafilatura alone and for newsmirror's extractor; then the means, and articles per
second for extraction and for sanitizing. Tokens: each CJK character is a token, each Latin word or number is one.

    python benchmarks/extract.py [--repeat N] [--corpus tuned|heldout|both|blind|all|real] [--dev DIR]

--corpus real scores the real pages of shared/extraction-dev/ (or --dev DIR) exactly as its README says (the
article-extraction-benchmark's score): the text of the extracted HTML with block tags as line breaks, `\w+` tokens,
4-token shingles matched as multisets per page, precision and recall the means over pages (a page with no predicted,
or no true, shingle left out of that mean), F1 from the two means. newsmirror's `add` path (extract_article, then
the sanitizer) is scored beside plain trafilatura `extract()` with its defaults, in the same run; then the worst 15
pages, and the speed of both: per process (one core, the pages one after another), and on this machine with the
operations' own pool of worker processes (newsmirror.workers.WorkerPool, --workers, default 2: the machine's cores),
each page extracted and then sanitized in a worker as `newsmirror fetch` does. Each figure is the median of --repeat
passes (the pool's first pass, which starts the workers and imports the libraries, is not counted), and the speeds
are also given as ratios to trafilatura's, measured in the same run: the machine is shared, the ratios move less.

The tuned pages (tests/fixtures/pages/) are the ones the extractor was tuned on, so their figures say little about
unseen pages; the held-out pages (tests/fixtures/pages_heldout/, other outlets and layouts, never tuned on) are
reported in a second table, with no content_selector, as a source without one would be extracted.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import lxml.html

from newsmirror.ingest.encoding import decode_page
from newsmirror.ingest.fulltext import ExtractError, extract_article, trafilatura_only
from newsmirror.ingest.sanitize import html_to_text, sanitize_html
from newsmirror.workers import WorkerPool

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
HELDOUT = PAGES.parent / "pages_heldout"
# Written without looking at the extractor or its output; measured only after a round of extractor work, so it is
# left out of the default ("both") and printed only by --corpus blind or all.
BLIND = PAGES.parent / "pages_blind"
DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "extraction-dev"
sys.path.insert(0, str(PAGES))
from make_pages import REMOVE_SELECTORS, SELECTORS  # noqa: E402

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


def quality_table(folder: Path, selectors: dict[str, str], removed: dict[str, list[str]] | None = None) -> int:
    """Prints per-page P/R/F1 for trafilatura alone and for newsmirror, then the mean F1s; returns the page count."""
    removed = removed or {}
    rows = []
    print(f"{'page':32} {'trafilatura P/R/F1':>22} {'newsmirror P/R/F1':>22}")
    for path in sorted(folder.glob("*.html")):
        name = path.stem
        expected = (folder / f"{name}.expected.txt").read_text(encoding="utf-8")
        raw = path.read_bytes()
        base = scores(expected, html_to_text(trafilatura_only(decode_page(raw), url_for(name))))
        settings = {"content_selector": selectors.get(name, ""), "remove_selectors": removed.get(name, [])}
        ours_html = extract_article(raw, url_for(name), **settings).content
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
    parser.add_argument("--dev", type=Path, default=DEV, help="the real pages with ground truth (--corpus real)")
    parser.add_argument("--workers", type=int, default=WORKERS, help="worker processes for the machine's figure (--corpus real)")
    parser.add_argument("--corpus", choices=("tuned", "heldout", "both", "blind", "all", "real"), default="both",
                        help="tuned: the pages the extractor was tuned on; heldout: pages it never saw; blind: pages written "
                             "without seeing it, measured after a round of work; both: tuned+heldout; all: the three; "
                             "real: the real pages of shared/extraction-dev/ under the benchmark's score")  # fmt: skip
    args = parser.parse_args()
    if args.corpus == "real":
        real(args.dev, args.repeat, args.workers)
        return
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
    count = quality_table(PAGES, SELECTORS, REMOVE_SELECTORS)

    raws = [(p.read_bytes(), url_for(p.stem), SELECTORS.get(p.stem, ""), REMOVE_SELECTORS.get(p.stem, [])) for p in pages]
    started = time.perf_counter()
    bodies = []
    for _ in range(repeat):
        bodies = [extract_article(raw, url, content_selector=sel, remove_selectors=rm).content for raw, url, sel, rm in raws]
    extraction = count * repeat / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(repeat * 10):
        for body, (_, url, _, _) in zip(bodies, raws, strict=True):
            sanitize_html(body, url)
    sanitizing = count * repeat * 10 / (time.perf_counter() - started)
    print(f"extraction: {extraction:.1f} articles/s; sanitizing: {sanitizing:.0f} articles/s")


# ---------------------------------------------------------------------------------------------------------------
# The real pages (shared/extraction-dev/), under the article-extraction-benchmark's own score

_WORD = re.compile(r"\w+")
# Block-level elements: each starts and ends a line in the text of the extracted HTML; inline ones (a, b, span…)
# join what they hold to the words around them, as a browser shows them.
_BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "caption",
    "summary", "iframe", "img", "video", "audio",
))  # fmt: skip


def block_text(fragment: str) -> str:
    """The text of an HTML fragment with block tags as line breaks (the README's "text of the extracted HTML")."""
    if not fragment.strip():
        return ""
    parts: list[str] = []

    def walk(element: lxml.html.HtmlElement) -> None:
        block = isinstance(element.tag, str) and element.tag in _BLOCK_TAGS
        parts.append("\n" if block else "")
        if isinstance(element.tag, str) and element.text:  # comments and processing instructions show nothing
            parts.append(element.text)
        for child in element:
            walk(child)
        parts.append("\n" if block else "")
        if element.tail:
            parts.append(element.tail)

    walk(lxml.html.fragment_fromstring(fragment, create_parent="div"))
    return "".join(parts)


def shingles(text: str, size: int = 4) -> Counter[str]:
    """The benchmark's shingles: runs of `size` \\w+ tokens (a shorter text is one shingle of all its tokens)."""
    words = _WORD.findall(text)
    return Counter(" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1)) if words[i : i + size])


@dataclass(slots=True)
class PageScore:
    key: str
    url: str
    precision: float | None  # None: nothing predicted (left out of the mean precision)
    recall: float | None  # None: no true text (left out of the mean recall)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def page_score(key: str, url: str, truth: str, predicted: str) -> PageScore:
    want, have = shingles(truth), shingles(predicted)
    true_positive = sum((want & have).values())
    false_positive = sum(have.values()) - true_positive
    false_negative = sum(want.values()) - true_positive
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else None
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else None
    return PageScore(key, url, precision, recall)


def overall(rows: list[PageScore]) -> tuple[float, float, float]:
    """(F1, precision, recall): the means over pages, F1 from the two means."""
    precisions = [r.precision for r in rows if r.precision is not None]
    recalls = [r.recall for r in rows if r.recall is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return (0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)), precision, recall


@dataclass(slots=True)
class DevPage:
    key: str
    url: str
    raw: bytes
    truth: str


def dev_pages(folder: Path) -> list[DevPage]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((folder / "html").glob("*.html.gz")):
        key = path.name.split(".")[0]
        pages.append(DevPage(key, truth[key]["url"], gzip.decompress(path.read_bytes()), truth[key]["articleBody"]))
    return pages


def newsmirror_text(page: DevPage) -> str:
    """What `newsmirror add` writes of the page, as text; "" when it writes no post."""
    try:
        extracted = extract_article(page.raw, page.url)
    except ExtractError:
        return ""
    return block_text(sanitize_html(extracted.content, page.url))


def trafilatura_text(page: DevPage) -> str:
    import trafilatura

    return trafilatura.extract(page.raw, url=page.url) or ""  # its defaults: plain text output


def timed(extract: Callable[[DevPage], str], pages: list[DevPage], repeat: int) -> tuple[list[str], float, float]:
    """The texts, and the median articles per second over `repeat` passes, in this process: per second of wall
    time, and per second of this process's CPU time (which other work on a busy machine changes less)."""
    texts: list[str] = []
    rates, cpu_rates = [], []
    for _ in range(max(1, repeat)):
        started, cpu_started = time.perf_counter(), time.process_time()
        texts = [extract(page) for page in pages]
        rates.append(len(pages) / (time.perf_counter() - started))
        cpu_rates.append(len(pages) / max(1e-9, time.process_time() - cpu_started))
    return texts, statistics.median(rates), statistics.median(cpu_rates)


WORKERS = 2  # this machine's cores: the pool the operations start has one worker per core (at most 4)
TARGET = 150.0  # articles per second on this machine (issue 11)


async def _newsmirror_in_pool(pool: WorkerPool, page: DevPage) -> str:
    """`newsmirror add`'s path through the pool: the page extracted in a worker, its body sanitized in a worker."""
    try:
        extracted = await pool.run(extract_article, page.raw, page.url)
    except ExtractError:
        return ""
    return await pool.run(sanitize_html, extracted.content, page.url)


async def _trafilatura_in_pool(pool: WorkerPool, page: DevPage) -> str:
    import trafilatura

    return await pool.run(trafilatura.extract, page.raw, url=page.url) or ""


def pooled(extract: Callable, pages: list[DevPage], repeat: int, workers: int) -> tuple[list[str], float]:
    """The results, and the median articles per second over `repeat` passes with `workers` worker processes of
    newsmirror.workers.WorkerPool, all pages submitted at once (the pool runs as many calls as it has workers)."""

    async def passes() -> tuple[list[str], float]:
        async with WorkerPool(size=workers, limit=60.0) as pool:
            results = await asyncio.gather(*(extract(pool, page) for page in pages))  # starts and warms the workers
            rates = []
            for _ in range(max(1, repeat)):
                started = time.perf_counter()
                results = await asyncio.gather(*(extract(pool, page) for page in pages))
                rates.append(len(pages) / (time.perf_counter() - started))
        return list(results), statistics.median(rates)

    return asyncio.run(passes())


def real(folder: Path, repeat: int, workers: int = WORKERS) -> None:
    pages = dev_pages(folder)
    ours, our_rate, our_cpu_rate = timed(newsmirror_text, pages, repeat)
    base, base_rate, base_cpu_rate = timed(trafilatura_text, pages, repeat)
    ours_pooled, our_pool_rate = pooled(_newsmirror_in_pool, pages, repeat, workers)
    base_pooled, base_pool_rate = pooled(_trafilatura_in_pool, pages, repeat, workers)
    if [block_text(html) for html in ours_pooled] != ours or base_pooled != base:
        print("warning: the pool's results differ from this process's")
    ours_rows = [page_score(p.key, p.url, p.truth, text) for p, text in zip(pages, ours, strict=True)]
    base_rows = [page_score(p.key, p.url, p.truth, text) for p, text in zip(pages, base, strict=True)]
    print(f"{len(pages)} real pages of {folder} (the benchmark's score)")
    print(f"{'extractor':34} {'F1':>6}  {'P':>6}  {'R':>6}  {'no post':>8} {'per process':>12} {f'{workers} processes':>12}")
    for name, rows, texts, rate, pool_rate in (("newsmirror add", ours_rows, ours, our_rate, our_pool_rate),
                                               ("trafilatura extract() defaults", base_rows, base, base_rate, base_pool_rate)):  # fmt: skip
        f1, precision, recall = overall(rows)
        empty = sum(1 for text in texts if not _WORD.search(text))
        print(f"{name:34} {f1:6.4f} {precision:6.4f} {recall:6.4f} {empty:8d} {rate:10.1f}/s {pool_rate:10.1f}/s")
    print(f"speed: articles per second, median of {max(1, repeat)} passes; newsmirror/trafilatura {our_rate / base_rate:.2f} "
          f"per process, {our_pool_rate / base_pool_rate:.2f} with {workers} worker processes (newsmirror.workers)")  # fmt: skip
    print(f"per second of CPU time in one process: newsmirror {our_cpu_rate:.1f}, trafilatura {base_cpu_rate:.1f} "
          f"(so at most {workers * our_cpu_rate:.0f} and {workers * base_cpu_rate:.0f}/s with {workers} workers on "
          f"{workers} idle cores)")  # fmt: skip
    verdict = "met" if our_pool_rate >= TARGET else "NOT met"
    print(f"target {TARGET:.0f} articles/s on this machine ({workers} worker processes): {verdict} ({our_pool_rate:.1f}/s)")
    print("\nshortest against trafilatura (newsmirror's words / trafilatura's; P/R of newsmirror, then of trafilatura):")
    lengths = [len(_WORD.findall(text)) / max(1, len(_WORD.findall(anchor))) for text, anchor in zip(ours, base, strict=True)]
    for ratio, row, anchor in sorted(zip(lengths, ours_rows, base_rows, strict=True), key=lambda t: t[0])[:3]:
        print(f"{row.key[:12]} {ratio:5.2f}   {row.precision or 0:6.3f} {row.recall or 0:6.3f}   "
              f"{anchor.precision or 0:6.3f} {anchor.recall or 0:6.3f}  {row.url[:70]}")  # fmt: skip
    print("\nworst 15 pages for newsmirror (P/R/F1, then trafilatura's):")
    for row, anchor in sorted(zip(ours_rows, base_rows, strict=True), key=lambda pair: pair[0].f1)[:15]:
        print(f"{row.key[:12]} {row.precision or 0:6.3f} {row.recall or 0:6.3f} {row.f1:6.3f}   "
              f"{anchor.precision or 0:6.3f} {anchor.recall or 0:6.3f} {anchor.f1:6.3f}  {row.url[:70]}")  # fmt: skip


if __name__ == "__main__":
    main()
