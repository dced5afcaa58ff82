"""Extraction on held-out pages (tests/fixtures/pages_heldout/): outlets and layouts the extractor was not tuned on.

The guard is recall in order: the share of the hand-checked body's tokens that the extracted text contains in the
same order (a common subsequence found by difflib, which is a lower bound of the longest one, so the figure can
only be understated). Tokens as in benchmarks/extract.py: each CJK character, each Latin word or number.

Thresholds are set from what was measured on 2026-11-26 (python benchmarks/extract.py --corpus heldout), not from
a wish: first 12 of the 14 pages kept >= 0.978 of their body in order, amp_page 0.954 and singtao_gallery 0.863;
after <amp-img> and gallery figures were handled, all 14 pages measured 1.000, so the floor was raised to 0.98 for
every page (a little under the measured figure, so that getting worse fails). Precision (boilerplate kept) is not
asserted here: it is reported by the benchmark.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

import pytest

from newsmirror.ingest.fulltext import extract_article
from newsmirror.ingest.sanitize import html_to_text, sanitize_html

HELDOUT = Path(__file__).parents[1] / "fixtures" / "pages_heldout"
sys.path.insert(0, str(HELDOUT))

from heldout_articles import ARTICLES  # noqa: E402
from make_heldout import OUTLETS, expected_lines  # noqa: E402

NAMES = sorted(ARTICLES)
RECALL_FLOOR = 0.98
# Known shortfalls, measured: the page's floor sits a little under today's figure so that getting worse fails.
KNOWN_SHORTFALL: dict[str, float] = {}  # none since galleries and AMP figures are handled (all pages 1.000 measured)

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]|[A-Za-z0-9]+(?:['.][A-Za-z0-9]+)*")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def recall_in_order(expected: str, got: str) -> float:
    want, have = tokens(expected), tokens(got)
    matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(want))


def test_recall_in_order_measures_order_and_loss():
    assert recall_in_order("甲乙丙丁", "甲乙丙丁") == 1.0
    assert recall_in_order("甲乙丙丁", "丁丙乙甲") == 0.25  # all tokens present, but only one in order
    assert recall_in_order("甲乙丙丁", "导航甲乙评论") == 0.5
    assert recall_in_order("one two three", "One two") == pytest.approx(2 / 3)


def test_the_corpus_is_held_out_and_varied():
    assert len(NAMES) >= 12
    assert len({a["outlet"] for a in ARTICLES.values()}) == len(NAMES)  # one page per outlet or site type
    assert {a.get("charset", "utf-8") for a in ARTICLES.values()} >= {"utf-8", "big5", "gb2312"}
    tuned = {p.stem for p in (HELDOUT.parent / "pages").glob("*.html")}
    assert not tuned & set(NAMES)
    for name in NAMES:
        paragraphs = sum(1 for kind, *_ in ARTICLES[name]["blocks"] if kind == "p")
        assert 7 <= paragraphs <= 25, name


@pytest.mark.parametrize("name", NAMES)
def test_fixture_files_are_what_the_generator_writes(name):
    article = ARTICLES[name]
    charset = article.get("charset", "utf-8")
    codec = {"big5": "big5hkscs", "gb2312": "gbk"}.get(charset, charset)
    assert (HELDOUT / f"{name}.html").read_bytes() == OUTLETS[article["outlet"]](article, charset).encode(codec, "xmlcharrefreplace")
    assert (HELDOUT / f"{name}.expected.txt").read_text(encoding="utf-8").splitlines() == expected_lines(article["blocks"])


@pytest.mark.parametrize("name", NAMES)
def test_held_out_body_recall_in_order(name):
    url = f"https://news.example.org/{name}.html"
    article = extract_article((HELDOUT / f"{name}.html").read_bytes(), url)
    text = html_to_text(sanitize_html(article.content, url))
    expected = (HELDOUT / f"{name}.expected.txt").read_text(encoding="utf-8")
    recall = recall_in_order(expected, text)
    floor = KNOWN_SHORTFALL.get(name, RECALL_FLOOR)
    assert recall >= floor, f"{name}: only {recall:.3f} of the body's tokens extracted in order (floor {floor})"
