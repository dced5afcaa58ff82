"""Measure the edit threshold of `newsmirror recheck` (ingest/edits.py, EDIT_MIN_CHARS) on real pages.

    python benchmarks/edit_threshold.py [/work/shared/extraction-dev/html]

Each real page is extracted and made safe as `fetch` does it, then extracted again from two altered copies:
- noise, what a live site changes between two visits without editing the article: the markup re-flowed, every
  script changed, every number outside the article's text changed (dates, counters, scores in sidebars and
  headers), and a view counter inside the article ("阅读 1234" the first time, "阅读 98765" the second);
- an edit: one sentence of the article's longest paragraph rewritten (the base copy has the same counter).
Prints, for both, the changed characters compare_text counts (min, median, max) and how many pages fall on the
wrong side of EDIT_MIN_CHARS.
"""

from __future__ import annotations

import gzip
import random
import re
import statistics
import sys
from pathlib import Path

import lxml.html

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from newsmirror.ingest.edits import EDIT_MIN_CHARS, compare_text  # noqa: E402
from newsmirror.ingest.fulltext import ExtractError, extract_article  # noqa: E402
from newsmirror.ingest.sanitize import html_to_text, sanitize_html  # noqa: E402

PAGES = Path("/work/shared/extraction-dev/html")
DIGITS = re.compile(r"\d+")
SENTENCE = re.compile(r"[^。！？.!?]{12,}[。！？.!?]")


def extracted(page: str, url: str) -> str | None:
    try:
        return sanitize_html(extract_article(page, url).content, base_url=url)
    except ExtractError:
        return None


def longest_paragraph(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    paragraphs = [p for p in tree.iter("p") if p.text and SENTENCE.search(p.text)]
    return max(paragraphs, key=lambda p: len(p.text or ""), default=None)


def with_counter(tree: lxml.html.HtmlElement, views: int) -> None:
    target = longest_paragraph(tree)
    if target is not None:
        counter = lxml.html.fromstring(f"<p class='views'>阅读 {views}</p>")
        target.addprevious(counter)


def noisy(page: str, article: str, rng: random.Random) -> str:
    """The page as a second visit might serve it: `article` (the extracted text) unchanged but for a counter."""
    tree = lxml.html.document_fromstring(page)
    with_counter(tree, 98765)
    text = " ".join(article.split())
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script":
            element.text = f"var t={rng.random()};"
            continue
        if element.tag in ("title", "h1", "meta") or element.get("class") == "views":  # the headline is the article's
            continue
        for part in ("text", "tail"):
            value = getattr(element, part)
            if value and DIGITS.search(value) and " ".join(value.split()) not in text:  # outside the article
                setattr(element, part, DIGITS.sub(lambda m: str(int(m.group()) + 7), value))
    serialised = lxml.html.tostring(tree, encoding="unicode")
    return re.sub(r">\s*<", ">\n    <", serialised)


def edited(page: str, article: str) -> str | None:
    """The page with one sentence of the extracted `article`'s text rewritten (None: no such sentence found)."""
    tree = lxml.html.document_fromstring(page)
    with_counter(tree, 1234)
    text = " ".join(article.split())
    found = [(p, m) for p in tree.iter("p") if p.text for m in [SENTENCE.search(p.text)] if m and " ".join(m.group().split()) in text]
    if not found:
        return None
    target, sentence = max(found, key=lambda pair: len(pair[0].text or ""))
    chinese = bool(re.search(r"[\u4e00-\u9fff]", sentence.group()))
    new = "据最新消息，相关部门已经就此事展开调查。" if chinese else " Officials said on Tuesday the inquiry would continue."
    target.text = (target.text or "").replace(sentence.group(), new, 1)
    return lxml.html.tostring(tree, encoding="unicode")


def base(page: str) -> str:
    tree = lxml.html.document_fromstring(page)
    with_counter(tree, 1234)
    return lxml.html.tostring(tree, encoding="unicode")


def main() -> None:
    folder = next((Path(a) for a in sys.argv[1:] if a != "-v"), PAGES)
    rng = random.Random(13)
    noise_counts, edit_counts = [], []
    for path in sorted(folder.glob("*.html.gz")):
        page = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        url = f"https://example.org/{path.name[:12]}.html"
        first = extracted(base(page), url)
        if first is None:
            continue
        again = extracted(noisy(page, html_to_text(first), rng), url)
        changed = edited(page, html_to_text(first))
        after = extracted(changed, url) if changed else None
        if again is not None:
            noise_counts.append(compare_text(first, again).changed_chars)
        if after is not None:
            edit_counts.append(compare_text(first, after).changed_chars)
        if "-v" in sys.argv:
            print(path.name[:12], "noise", noise_counts[-1] if again else None, "edit", edit_counts[-1] if after else None)
    for name, counts, wrong in (
        ("noise", noise_counts, sum(c >= EDIT_MIN_CHARS for c in noise_counts)),
        ("edit", edit_counts, sum(c < EDIT_MIN_CHARS for c in edit_counts)),
    ):
        print(f"{name}: {len(counts)} pages, changed characters min {min(counts)}, median {statistics.median(counts)},"
              f" max {max(counts)}; zero on {counts.count(0)}; on the wrong side of {EDIT_MIN_CHARS}: {wrong}")


if __name__ == "__main__":
    main()
