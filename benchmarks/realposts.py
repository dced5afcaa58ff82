"""The real archive in ../shared/realposts/: unpacking it and reading its posts, of whichever generator generation.

The archive's posts come in four layouts: "current" (the mirror format newsmirror writes: a `comments:` line, a
`<!--millis-->` line, the `[title](link)` line and the content inside `<div>…</div>`), "no comments:" (the same
body, written before the generator had a `comments:` line), "NaN millis" (that, with `<!--NaN-->`), and "legacy"
(an older generator: the page's HTML right after the front matter).
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsmirror.archive.postformat import (
    PostFormatError,
    as_datetime,
    parse_front_matter,
    source_of,
    split_front_matter,
)

ROOT = Path(__file__).resolve().parent.parent
TARBALL = ROOT.parent / "shared" / "realposts" / "oped2-posts.tar.xz"

_CURRENT_BODY = re.compile(
    r"\A<!--(?P<millis>[^\n]*?)-->\n(?P<line>[^\n]*)\n------\n\n<div>\n(?P<content>.*)\n</div>\n?\Z", re.DOTALL
)


@dataclass(slots=True)
class RealPost:
    name: str  # the file name in _posts/
    text: str  # the whole file
    header: str  # the front matter's lines, without the --- lines
    body: str  # everything after the front matter
    title: str
    link: str
    date: datetime
    author: str
    source: str
    comments: bool | None  # None: no comments: line (the legacy layout)
    layout: str  # "current" | "no comments:" | "NaN millis" | "legacy"
    content: str  # the article HTML: inside <div>…</div>, or the whole legacy body


def unpack(tarball: Path, into: Path) -> Path:
    """Unpack the real archive into `into`; returns its _posts/ directory."""
    subprocess.run(["tar", "-xJf", str(tarball), "-C", str(into)], check=True)
    return into / "_posts"


def split_body(body: str) -> tuple[str, str]:
    """(layout, article HTML) of a post's body."""
    match = _CURRENT_BODY.match(body)
    if match is None:
        return "legacy", body
    layout = "current" if match.group("millis").isdigit() else "NaN millis"
    return layout, match.group("content")


def read_post(path: Path) -> RealPost:
    """One post file; raises PostFormatError (or UnicodeDecodeError) when it cannot be read."""
    text = path.read_text(encoding="utf-8")
    header, body = split_front_matter(text)
    data = parse_front_matter(header)
    date = as_datetime(data.get("date"))
    link = data.get("from")
    if date is None or not isinstance(link, str) or not link.strip():
        raise PostFormatError("no usable date or from:")
    layout, content = split_body(body)
    comments = data.get("comments")
    if layout == "current" and comments is None:
        layout = "no comments:"
    return RealPost(
        name=path.name, text=text, header=header, body=body, title=str(data.get("title") or ""),
        link=link, date=date, author=str(data.get("author") or ""), source=source_of(data),
        comments=None if comments is None else bool(comments), layout=layout, content=content,
    )


def read_posts(posts_dir: Path) -> tuple[list[RealPost], list[tuple[str, str]]]:
    """Every readable post (by file name) and the (name, reason) of every one that is not."""
    posts, problems = [], []
    for path in sorted(posts_dir.iterdir()):
        try:
            posts.append(read_post(path))
        except (PostFormatError, UnicodeDecodeError) as exc:
            problems.append((path.name, str(exc)))
    return posts, problems


def every_kth(posts: list[RealPost], wanted: int | None) -> list[RealPost]:
    """A deterministic sample of about `wanted` posts: every k-th (all when `wanted` is None or too big)."""
    if not wanted or wanted >= len(posts):
        return posts
    step = len(posts) / wanted
    return [posts[int(i * step)] for i in range(wanted)]


def split_duplicates(posts: list[RealPost]) -> tuple[list[RealPost], dict[str, list[str]]]:
    """The posts whose from: is unique in the archive, and {from: [names]} for those that repeat."""
    by_link: dict[str, list[RealPost]] = defaultdict(list)
    for post in posts:
        by_link[post.link].append(post)
    unique = [group[0] for group in by_link.values() if len(group) == 1]
    repeated = {link: [p.name for p in group] for link, group in by_link.items() if len(group) > 1}
    return sorted(unique, key=lambda p: p.name), repeated
