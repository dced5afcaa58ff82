"""Which code and settings made an article's text: what `recheck` must know before it calls a difference an edit.

`recheck` makes an article's text again and compares it with the text kept. Made by other code (a newer
newsmirror, trafilatura or nh3) or under other settings (a source's `content_selector`, `convert`, …), the same
page gives another text, and the difference is no edit. `text_making` names the making: a digest of the ingest
stage's own source files, the feature releases (x.y) of the libraries that shape the text, and the source's
settings that do (the address, list-page selectors, `fulltext`, page-cutting selectors, `convert`).

A change of how pages are cut or texts converted is undone for the comparison: recheck makes the text again the
earlier way too (source_made_as). After any other change, a check whose text differs from the one kept by an
edit's worth, whether the change or an edit made it so, takes the new text as the baseline instead of comparing
(operations/recheck.py): an edit made since the post's last check is then not recorded. A change left out costs,
where it changes a text, an edit recorded that never happened. Bug-fix releases of the libraries are left out:
they come most often and seldom change a text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from functools import lru_cache
from pathlib import Path

from newsmirror.config import CONVERSIONS, SourceConfig

# The distributions whose versions shape a text: extraction (trafilatura and what it runs), parsing, sanitizing,
# decoding, script conversion.
LIBRARIES = ("trafilatura", "justext", "lxml", "lxml_html_clean", "readability-lxml", "nh3", "feedparser",
             "charset-normalizer", "opencc")  # fmt: skip
_PACKAGE = Path(__file__).resolve().parent.parent  # newsmirror/
# The ingest stage, the URL rules and records it uses, and the post format a text is written in and read back from.
_CODE = ("ingest", "urlsafety.py", "models.py", "archive/postformat.py")


@lru_cache(maxsize=1)
def code_making() -> str:
    """A digest of the text-making code and library versions of this installation (once a process)."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.blake2b(digest_size=12)
    for part in _CODE:
        path = _PACKAGE / part
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(_PACKAGE).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            found = _feature_release(version(name))
        except PackageNotFoundError:
            found = "-"
        digest.update(f"{name}={found}\0".encode())
    return digest.hexdigest()


def _feature_release(number: str) -> str:
    """"6.1.3" → "6.1" (see the module's docstring)."""
    return ".".join(number.split(".")[:2])


def text_making(source: SourceConfig | None, from_page: bool = False) -> str:
    """The making of the texts of `source`'s posts as this installation makes them now; `from_page`: of a text
    extracted from the article's page whatever the source's `fulltext` says (`newsmirror add`). The code's digest,
    then the settings themselves (JSON), so that recheck can make a text again the earlier way (source_made_as)."""
    if source is None:
        return code_making()
    settings = _settings(source, "always" if from_page else source.fulltext)
    return f"{code_making()}-{json.dumps(settings, ensure_ascii=False, sort_keys=True, separators=(',', ':'))}"


def _settings(source: SourceConfig, fulltext: str) -> dict[str, object]:
    """Where the text comes from (the address, a list page's selectors), how a page is cut (not for a source whose
    texts are its feed's alone), and the script conversion."""
    settings: dict[str, object] = {"fulltext": fulltext, "url": source.url, "convert": source.convert,
                                   "list": asdict(source.list_page) if source.list_page else None}  # fmt: skip
    if fulltext != "never":
        settings |= {"content_selector": source.content_selector, "remove_selectors": list(source.remove_selectors)}
    return settings


def source_made_as(source: SourceConfig, making: str) -> SourceConfig | None:
    """`source` with the settings `making` (text_making's) made its texts under, where that making is this code's
    and its texts came from the same place (address and list page) and differ only in how pages were cut, whether
    they were, or the conversion: a text made that way again is comparable with the one kept. None otherwise."""
    code, _, settings_json = making.partition("-")
    if code != code_making() or not settings_json:
        return None
    try:
        earlier = json.loads(settings_json)
    except (ValueError, RecursionError):  # the state cache damaged
        return None
    current = _settings(source, source.fulltext)
    if not isinstance(earlier, dict) or (earlier.get("url"), earlier.get("list")) != (current["url"], current["list"]):
        return None
    fulltext = earlier.get("fulltext")
    if fulltext not in ("never", "auto", "always") or earlier.get("convert") not in ("", *CONVERSIONS):
        return None
    content_selector, remove_selectors = earlier.get("content_selector", ""), earlier.get("remove_selectors", [])
    if not isinstance(content_selector, str) or not isinstance(remove_selectors, list):
        return None
    return replace(source, fulltext=fulltext, convert=earlier["convert"], content_selector=content_selector,
                   remove_selectors=[str(s) for s in remove_selectors])  # fmt: skip
