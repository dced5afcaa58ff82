"""Traditional ⇄ Simplified Chinese conversion through OpenCC (the official C++ bindings, `opencc` on PyPI).

The conversions a source may name are config.CONVERSIONS. OpenCC is imported on the first conversion, not with
this module: most runs convert nothing."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opencc import OpenCC

# Tags; also a "<" that no ">" follows, up to the end (convert_html gives it back to the text before it): matching
# it at once, rather than failing after every such "<" and rescanning the rest each time, keeps this linear.
_TAG_OR_TEXT = re.compile(r"(<[^>]*(?:>|\Z))")


@cache
def _converter(conversion: str) -> OpenCC:
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
