"""Bytes → text for feeds and pages: one decoder, one table saying where a charset is looked for, in what order.

`codecs_for` maps any charset label (from a feed, a page or a server) to the Python codecs to try; `decode` reads
a document of one kind by that kind's row of `PRECEDENCE`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

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


# ---------------------------------------------------------------------------------------------------------------
# Where a charset label can come from

_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# The last alternative takes a <meta> with no charset whole (no group): failing there instead would rescan the rest
# of the tag from every "<meta" inside it, quadratic in a tag that never ends. _meta_charset skips those matches.
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<meta[^>]*""", re.I
)


def _xml_declaration(data: bytes) -> str | None:
    match = _XML_DECL_ENCODING.match(data[:512])
    return match.group(1).decode("ascii") if match else None


def _meta_charset(data: bytes) -> str | None:
    declared = next((m for m in _META_CHARSET.finditer(data[:4096]) if m.group(1)), None)
    return declared.group(1).decode("ascii", "ignore") if declared else None


LabelSource = Literal["utf-8", "http", "xml-declaration", "meta"]
# Each source: (document bytes, the HTTP charset) → a label, or None when it says nothing.
_LABELS: dict[LabelSource, Callable[[bytes, str | None], str | None]] = {
    "utf-8": lambda data, http: "utf-8",
    "http": lambda data, http: http,
    "xml-declaration": lambda data, http: _xml_declaration(data),
    "meta": lambda data, http: _meta_charset(data),
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_UTF8_BOM = ((codecs.BOM_UTF8, "utf-8"),)
# A document starting with "<" in UTF-16 and no BOM (XML 1.0, appendix F): the start itself says the codec.
_UTF16_STARTS = ((b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))
_FEED_DETECTION = ("gb18030", "cp950", "big5hkscs", "utf_16", "shift_jis", "euc_kr", "cp1252")


# ---------------------------------------------------------------------------------------------------------------
# The precedence, per kind of document


@dataclass(frozen=True, slots=True)
class Precedence:
    """How one kind of document is decoded: a byte-order mark or a telling start decides outright (the mark is
    dropped, the start kept); else each label source in turn, whose codecs must decode the whole document
    without error; else charset_normalizer's guess, with bad bytes replaced."""

    boms: tuple[tuple[bytes, str], ...]
    starts: tuple[tuple[bytes, str], ...]
    labels: tuple[LabelSource, ...]
    wide_labels: bool  # whether a label may name UTF-16 or UTF-32
    detect_among: tuple[str, ...] | None  # charset_normalizer's cp_isolation; None: every codec it knows
    detect_sample: int | None  # bytes detection looks at; None: all


DocumentKind = Literal["feed", "page"]

# Why feeds and pages differ:
# - Feeds: UTF-8 first, because bytes that decode as UTF-8 almost never are anything else, while feeds' labels are
#   often wrong (servers default to ISO-8859-1; CMSes keep a GBK declaration after moving to UTF-8); the XML
#   declaration before the server's word. A UTF-16/32 label is ignored: the BOMs and starts above caught real
#   UTF-16, so a label read in ASCII is wrong. Detection picks among the codecs Chinese-language feeds come in.
# - Pages, as browsers read them: the server's charset first, then the page's <meta>, then UTF-8; a label is
#   believed as given. Only the UTF-8 BOM counts. Pages are larger and mostly markup: detection reads 200 KB.
PRECEDENCE: dict[DocumentKind, Precedence] = {
    "feed": Precedence(_BOMS, _UTF16_STARTS, ("utf-8", "xml-declaration", "http"), False, _FEED_DETECTION, None),
    "page": Precedence(_UTF8_BOM, (), ("http", "meta", "utf-8"), True, None, 200_000),
}


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    codec: str  # the Python codec used


def decode(data: bytes, kind: DocumentKind, http_charset: str | None = None) -> Decoded:
    """A feed's or page's bytes → text, by the precedence of its kind (see PRECEDENCE)."""
    rules = PRECEDENCE[kind]
    for bom, codec in rules.boms:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(codec, errors="replace"), codec)
    for start, codec in rules.starts:
        if data.startswith(start):
            return Decoded(data.decode(codec, errors="replace"), codec)
    tried: set[str] = set()
    for source in rules.labels:
        for codec in codecs_for(_LABELS[source](data, http_charset)):
            if codec in tried or (not rules.wide_labels and codec.startswith(("utf-16", "utf-32"))):
                continue
            tried.add(codec)
            try:
                return Decoded(data.decode(codec), codec)
            except UnicodeDecodeError:
                continue
    return _detected(data, rules)


def _detected(data: bytes, rules: Precedence) -> Decoded:
    from charset_normalizer import from_bytes  # imported here: most documents never need it

    sample = data if rules.detect_sample is None else data[: rules.detect_sample]
    isolation = list(rules.detect_among) if rules.detect_among is not None else None
    best = from_bytes(sample, cp_isolation=isolation).best()
    codec = (codecs_for(best.encoding if best else None) or ["utf-8"])[0]
    return Decoded(data.decode(codec, errors="replace"), codec)


def decode_document(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """A feed's bytes → (text, codec used); `declared`: the HTTP charset."""
    decoded = decode(data, "feed", declared)
    return decoded.text, decoded.codec


def decode_page(content: bytes, charset: str | None = None) -> str:
    """An HTML page's bytes → text; `charset`: the HTTP charset."""
    return decode(content, "page", charset).text
