"""Which Python codecs to try for a charset label that a feed, a page or a server gave (one table for all)."""

from __future__ import annotations

import codecs
import re

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


_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_document(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes → (text, codec used). Order: BOM, UTF-8, XML declaration, HTTP charset, then detection."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec
    if data[:2] == b"<\x00":
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if data[:2] == b"\x00<":
        return data.decode("utf-16-be", errors="replace"), "utf-16-be"
    candidates: list[str] = []
    match = _XML_DECL_ENCODING.match(data[:512])
    # UTF-8 first: bytes that decode as UTF-8 almost never are anything else, while declarations are often wrong
    # (servers default to ISO-8859-1; CMSes keep a GBK declaration after moving to UTF-8).
    for name in ("utf-8", match.group(1).decode("ascii") if match else None, declared):
        for codec in codecs_for(name):
            if codec not in candidates and not codec.startswith(("utf-16", "utf-32")):
                candidates.append(codec)
    for codec in candidates:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "cp950", "big5hkscs", "utf_16", "shift_jis", "euc_kr", "cp1252"]).best()
    if best is not None and best.encoding:
        codec = (codecs_for(best.encoding) or [best.encoding])[0]
        return data.decode(codec, errors="replace"), codec
    return data.decode("utf-8", errors="replace"), "utf-8"


# The last alternative takes a <meta> with no charset whole (no group): failing there instead would rescan the rest
# of the tag from every "<meta" inside it, quadratic in a tag that never ends. decode_page skips those matches.
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<meta[^>]*""", re.I
)


def decode_page(content: bytes, charset: str | None = None) -> str:
    """Bytes of an HTML page → text: the HTTP charset, else the page's <meta> charset, else detection."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    declared = next((m for m in _META_CHARSET.finditer(content[:4096]) if m.group(1)), None)
    for label in (charset, declared.group(1).decode("ascii", "ignore") if declared else None):
        for codec in codecs_for(label):
            try:
                return content.decode(codec)
            except UnicodeDecodeError:
                continue
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    codec = (codecs_for(best.encoding if best else None) or ["utf-8"])[0]
    return content.decode(codec, errors="replace")
