"""Script conversion through the official OpenCC bindings: phrase-aware, every configured conversion available."""

from __future__ import annotations

import pytest

from newsmirror.config import CONVERSIONS
from newsmirror.ingest.convert import convert_html, convert_text


@pytest.mark.parametrize(("conversion", "text", "expected"), [
    ("s2t", "头发干燥，皇后在后面", "頭髮乾燥，皇后在後面"),  # one simplified character, several traditional ones
    ("t2s", "頭髮乾燥，經濟與外交", "头发干燥，经济与外交"),
    ("s2tw", "这是软件", "這是軟件"),
    ("s2twp", "这是软件和鼠标", "這是軟體和滑鼠"),  # Taiwan's words, not only its characters
    ("tw2sp", "軟體與滑鼠", "软件与鼠标"),
    ("s2hk", "为什么", "為什麼"),
    ("tw2s", "什麼", "什么"),  # opencc-python-reimplemented gave 什幺 (178 times in 400 real posts)
])  # fmt: skip
def test_conversions(conversion, text, expected):
    assert convert_text(text, conversion) == expected


def test_every_configured_conversion_loads():
    for conversion in CONVERSIONS:
        assert convert_text("汉字", conversion) in {"汉字", "漢字"}


def test_html_keeps_tags_and_addresses():
    html = '<p title="发">头发</p><a href="https://x.example/头发">干燥</a><'
    assert convert_html(html, "s2t") == '<p title="发">頭髮</p><a href="https://x.example/头发">乾燥</a><'
    assert convert_text("", "s2t") == "" and convert_html("<b>发</b>", "") == "<b>发</b>"
