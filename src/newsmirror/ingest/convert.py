"""Traditional ⇄ Simplified Chinese conversion through OpenCC's dictionaries."""

from __future__ import annotations

import re
from functools import cache

_CONVERSIONS = ("hk2s", "s2hk", "s2t", "s2tw", "s2twp", "t2hk", "t2s", "t2tw", "tw2s", "tw2sp")
# Tags; also a "<" that no ">" follows, up to the end (convert_html gives it back to the text before it): matching
# it at once, rather than failing after every such "<" and rescanning the rest each time, keeps this linear.
_TAG_OR_TEXT = re.compile(r"(<[^>]*(?:>|\Z))")


def known_conversions() -> tuple[str, ...]:
    return _CONVERSIONS


@cache
def _converter(conversion: str):
    from opencc import OpenCC

    return OpenCC(conversion)


def convert_text(text: str, conversion: str) -> str:
    return _converter(conversion).convert(text) if conversion and text else text


def convert_html(html: str, conversion: str) -> str:
    """Convert the text of an HTML fragment, leaving tags and attributes (URLs) untouched."""
    if not conversion or not html:
        return html
    converter = _converter(conversion)
    parts = _TAG_OR_TEXT.split(html)
    if len(parts) > 1 and not parts[-2].endswith(">"):  # "<…" to the end is no tag: text, as it always was
        parts[-3:] = ["".join(parts[-3:])]
    return "".join(part if part.startswith("<") else converter.convert(part) for part in parts)
