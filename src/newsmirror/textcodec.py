"""Which Python codecs to try for a charset label that a feed, a page or a server gave (one table for all)."""

from __future__ import annotations

import codecs

# Labels read as the superset browsers use: decoding GBK as GB18030 or Big5 as CP950/Big5-HKSCS loses nothing
# and fails less; ISO-8859-1 and ASCII are Windows-1252 in practice (the WHATWG Encoding Standard says so too).
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "gb2312": ("gb18030",), "gbk": ("gb18030",), "gb_2312-80": ("gb18030",), "x-gbk": ("gb18030",),
    "cp936": ("gb18030",), "euc-cn": ("gb18030",),
    "big5": ("cp950", "big5hkscs"), "big-5": ("cp950", "big5hkscs"), "x-big5": ("cp950", "big5hkscs"),
    "iso-8859-1": ("cp1252",), "latin1": ("cp1252",), "ascii": ("cp1252",), "us-ascii": ("cp1252",),
    "utf8": ("utf-8",),
}  # fmt: skip


def codecs_for(label: str | None) -> list[str]:
    """Python codec names for a charset label, best first; empty for an unknown or missing label."""
    if not label:
        return []
    name = label.strip().strip("\"'").lower()
    found = []
    for candidate in _SUPERSETS.get(name, (name,)):
        try:
            found.append(codecs.lookup(candidate).name)
        except LookupError:
            continue
    return found
