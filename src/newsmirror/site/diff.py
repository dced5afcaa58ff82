"""A readable diff of two versions of an article: their text (ingest/edits.paragraphs, the rule the comparison
uses) paragraph by paragraph, and inside a changed paragraph word by word (a Chinese character is a word), with
<del> and <ins>. Plain HTML: no script needed to read it. difflib does the matching; its autojunk heuristic is
off, since in a long article it would take the commonest characters for junk and the diff would be wrong."""

from __future__ import annotations

import difflib
import html
import re

from newsmirror.ingest.edits import paragraphs

# A run of letters or digits of a script written with spaces, one CJK character, a run of white space, or any
# other single character: what is marked as inserted or deleted.
_TOKEN = re.compile(
    r"(?:(?![\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f])\w)+|\s+|."
)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _marked(kind: str, text: str) -> str:
    return f"<{kind}>{html.escape(text)}</{kind}>" if text else ""


def _paragraph_diff(old: str, new: str) -> str:
    a, b = _tokens(old), _tokens(new)
    parts: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(html.escape("".join(a[i1:i2])))
        else:
            parts.append(_marked("del", "".join(a[i1:i2])) + _marked("ins", "".join(b[j1:j2])))
    return "".join(parts)


def diff_html(old_html: str, new_html: str) -> str:
    """The changes from `old_html` to `new_html` as paragraphs of escaped text with <del> and <ins>; unchanged
    paragraphs are kept for context."""
    old, new = paragraphs(old_html), paragraphs(new_html)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [f"<p>{html.escape(p)}</p>" for p in old[i1:i2]]
        elif tag == "replace" and i2 - i1 == j2 - j1:
            out += [f'<p class="changed">{_paragraph_diff(o, n)}</p>' for o, n in zip(old[i1:i2], new[j1:j2], strict=True)]
        elif tag == "replace":
            out.append(f'<p class="changed">{_paragraph_diff(chr(10).join(old[i1:i2]), chr(10).join(new[j1:j2]))}</p>')
        elif tag == "delete":
            out += [f'<p class="removed">{_marked("del", p)}</p>' for p in old[i1:i2]]
        else:
            out += [f'<p class="added">{_marked("ins", p)}</p>' for p in new[j1:j2]]
    return "\n".join(out)
