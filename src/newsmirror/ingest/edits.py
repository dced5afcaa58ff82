"""Whether a later version of an article is an edit: its text compared with the text kept, not its markup.

Both sides are the article's HTML as newsmirror extracts it (the feed's content or the page's full text, made
safe): block tags become paragraph breaks, white space is dropped (Chinese has none between words, and re-flowed
markup is no edit), and what is left is compared paragraph by paragraph, then character by character inside the
paragraphs that differ (difflib: linear in the unchanged paragraphs, quadratic only in the changed ones).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from newsmirror.ingest.sanitize import html_to_text

# Differences smaller than this many characters (white space not counted) are noise, not an edit. Measured by
# benchmarks/edit_threshold.py on the 88 real pages of /work/shared/extraction-dev/: each page extracted, then
# extracted again after (a) the noise of a second visit (markup re-flowed, scripts changed, every number outside
# the article's text changed, a view counter "阅读 1234" → "阅读 98765" inside the article) and (b) one sentence
# of the article rewritten. Noise: 0 changed characters on 25 of 81 pages, 5 (the counter) on 51, 51 to 226 on 5
# pages whose extraction took in or moved a whole block when the rest of the page changed (no character count
# tells those from edits); one rewritten sentence: 34 or more on 71 of 72 pages (median 106; 0 on one page whose
# sentence the extraction never kept). 12 lies between the counter and the smallest edit.
EDIT_MIN_CHARS = 12

_BLOCK_TAG = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|dl|dt|dd|blockquote|figure|figcaption|pre|table|thead|tbody|tr|td|th|section|"
    r"article|header|footer|aside|br|hr)\b[^<>]*>",  # [^<>]: a tag never rescans the rest of the text
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def paragraphs(html: str) -> list[str]:
    """The article's text, one string a block, white space folded to one space, empty blocks dropped."""
    text = html_to_text(_BLOCK_TAG.sub("\n", _SPACE.sub(" ", html)))  # the source's line breaks are only space
    blocks = (_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return [block for block in blocks if block]


@dataclass(frozen=True, slots=True)
class TextChange:
    changed_chars: int  # characters inserted, deleted or replaced (the larger side of each change), no white space

    @property
    def is_edit(self) -> bool:
        return self.changed_chars >= EDIT_MIN_CHARS


def _dense(block: str) -> str:
    return _SPACE.sub("", block)


def compare_text(old_html: str, new_html: str) -> TextChange:
    """How much of the text changed between two versions of an article."""
    old = [_dense(b) for b in paragraphs(old_html)]
    new = [_dense(b) for b in paragraphs(new_html)]
    changed = 0
    blocks = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in blocks.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old[i1:i2]), "".join(new[j1:j2])
        if not before or not after:
            changed += len(before) + len(after)
            continue
        chars = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for op, a1, a2, b1, b2 in chars.get_opcodes():
            if op != "equal":
                changed += max(a2 - a1, b2 - b1)
    return TextChange(changed)
