"""The sanitizer's quick look for SVG and MathML names (issue 12): where it says "none", rewriting them would have
changed nothing, so skipping it keeps the output; it never says "none" where one stands."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from newsmirror.ingest.sanitize import _FOREIGN_TAG, _may_name_foreign_tags, sanitize_html

PIECES = ["<", "</", ">", "/", " ", "\t", "\u3000", "path", "PATH", "tspan", "annotation-xml", "ſet", "\u212a", "ı", "İ",
          "g", "set", "x", "-", "<a", "文字", "\n"]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_where_the_quick_look_finds_no_foreign_name_rewriting_changes_nothing(text):
    if not _may_name_foreign_tags(text):
        assert _FOREIGN_TAG.sub(r"<\1span", text) == text


def test_it_finds_foreign_names_in_every_case_and_behind_a_stray_lt():
    for text in ("<tspan>", "</PATH>", "<a<g/>", "<ſet x>", "<\u212ax>", "x<annotation-xml\n"):
        assert _may_name_foreign_tags(text), text
    for text in ("<p>文字</p>", "<pathology>", "<g-x>", "<path", "a < path"):
        assert not _may_name_foreign_tags(text), text


def test_the_output_is_that_of_the_full_rewrite():
    assert sanitize_html("<h2><tspan>图表</tspan>标题</h2>") == "<h2><span>图表</span>标题</h2>"
    assert sanitize_html("<p>没有<b>外来</b>名字</p>") == "<p>没有<b>外来</b>名字</p>"
