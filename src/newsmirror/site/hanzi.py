"""The 原文 / 简体 / 繁體 switch's script: static/hanzi.js with OpenCC's character tables filled in at build time.

Why a script over pre-converted pages: a second copy of every page doubles the site (and its search index) for
readers who mostly never switch; the tables are ~40 KB once, cached by the browser. It converts character by
character (OpenCC's phrase rules need its dictionaries: megabytes), which is exact for 繁→简 but for 简→繁 picks
one reading of characters with several (发 → 發, never 髮): benchmarks/hanzi.py measures how close it comes to
OpenCC on the real posts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SCRIPT = Path(__file__).parent / "static" / "hanzi.js"
# CJK Unified Ideographs and Extension A: every character OpenCC's single-character tables map.
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


def character_table(conversion: str) -> dict[str, str]:
    """Each CJK character that OpenCC's `conversion` changes when it stands alone → what it becomes."""
    from newsmirror.ingest.convert import convert_text

    chars = [chr(code) for first, last in CJK_RANGES for code in range(first, last + 1)]
    converted = convert_text("\n".join(chars), conversion).split("\n")  # one a line: no phrase joins two
    if len(converted) != len(chars):
        raise ValueError(f"OpenCC {conversion}: {len(converted)} lines back for {len(chars)}")
    return {char: to for char, to in zip(chars, converted, strict=True) if to != char and len(to) == 1}


def hanzi_inputs() -> str:
    """What the script is made from (its template and OpenCC's version): the output's signature."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        opencc = version("opencc")
    except PackageNotFoundError:
        opencc = "?"
    return f"{SCRIPT.read_text(encoding='utf-8')}\x01{opencc}"


@cache
def hanzi_script() -> str:
    """The script with both tables in (pairs of characters in one string each: the smallest form to ship)."""
    text = SCRIPT.read_text(encoding="utf-8")
    for placeholder, conversion in (("__T2S__", "t2s"), ("__S2T__", "s2t")):
        text = text.replace(placeholder, "".join(a + b for a, b in sorted(character_table(conversion).items())))
    return text
