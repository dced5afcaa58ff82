"""Fidelity to the real archive: feeds rebuilt from a real mirror's posts, fetched by the real `newsmirror fetch`,
and what it writes compared with the original posts.

    python benchmarks/fidelity.py [--posts N] [--keep DIR] [--show CLASS] [--unpacked DIR]

The real archive (../shared/realposts/oped2-posts.tar.xz, unpacked into a temporary directory unless --unpacked
names an unpacked copy) becomes one RSS 2.0 feed per source (the post's first category), served from 127.0.0.1:
title, link (`from:`), date, author (left out when it is the source name, newsmirror's default), the article HTML
as one line, guid = link. Posts whose `from:` repeats in the archive, or that cannot be read, are left out.

Printed, against the originals: the share of posts whose file name is identical, whose front matter is
identical, whose body is equivalent (same visible text, image sources and link targets once both sides are joined
into one line as the mirror format does, parsed with lxml), and every remaining difference by class with one
example each. Documented deviations (Windows-safe names, tracking pixels dropped, decoded entities, …) are classes
of their own. The archive was written by several generations of the Node.js generator: every figure is also
given per layout ("current" is the mirror format newsmirror writes; see realposts.py). Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lxml import html as lxml_html
from realposts import TARBALL, RealPost, every_kth, read_posts, split_body, split_duplicates, unpack

from newsmirror.archive.identity import canonical_url
from newsmirror.archive.postformat import (
    as_datetime,
    epoch_millis,
    format_date,
    join_content_lines,
    parse_front_matter,
    split_front_matter,
)
from newsmirror.ingest.articles import title_text
from newsmirror.ingest.embeds import frame_address, frame_label, player_embed
from newsmirror.ingest.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

LAYOUTS = ("current", "no comments:", "NaN millis", "legacy")
DEFAULT_LIMITS = {"max_items": 500, "max_title_chars": 1000, "max_bytes": 20 * 1024 * 1024}
AUTHOR_LIMIT, CONTENT_LIMIT = 200, 2_000_000  # newsmirror.pipeline's fixed limits
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

# ---------------------------------------------------------------------------------------------------------------
# Feeds from posts


def item_xml(post: RealPost) -> str:
    """One RSS item as the post's original feed would have carried it."""
    author = "" if post.author == post.source else f"<dc:creator>{escape(post.author)}</dc:creator>"
    content = join_content_lines(post.content)
    body = f"<content:encoded>{escape(content)}</content:encoded>" if content else ""
    return (
        f"<item><title>{escape(post.title)}</title><link>{escape(post.link)}</link>"
        f'<guid isPermaLink="true">{escape(post.link)}</guid><dc:date>{format_date(post.date)}</dc:date>'
        f"{author}{body}</item>"
    )


def feed_xml(source: str, posts: list[RealPost]) -> bytes:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>{escape(source)}</title><link>https://example.org/</link><description>real posts</description>"
    )
    items = "\n".join(item_xml(p) for p in sorted(posts, key=lambda p: p.date, reverse=True))
    return (head + items + "</channel></rss>\n").encode("utf-8")


def by_source(posts: list[RealPost]) -> dict[str, list[RealPost]]:
    groups: dict[str, list[RealPost]] = defaultdict(list)
    for post in posts:
        groups[post.source].append(post)
    return dict(sorted(groups.items()))


class FeedServer:
    """The feeds on a real HTTP server on 127.0.0.1, in a thread."""

    def __init__(self, feeds: dict[str, bytes]):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                body = feeds.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ---------------------------------------------------------------------------------------------------------------
# The run


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_config(root: Path, server: FeedServer, groups: dict[str, list[RealPost]]) -> None:
    """One source per original source name; limits out of the way of real items (each hit is reported)."""
    lines = [
        "[site]", "mirror_images = false", "",
        "[fetch]", "max_items = 0", "max_title_chars = 0", f"max_bytes = {2**31}", "timeout = 600", "retries = 0",
        "item_time_limit = 60", "",
    ]  # fmt: skip
    for index, (source, posts) in enumerate(groups.items()):
        comments = all(p.comments is not False for p in posts)
        lines += [
            "[[sources]]", f"name = {toml_string(source)}", f"url = {toml_string(server.url(f'/feed/{index}.xml'))}",
            f"comments = {'true' if comments else 'false'}", 'fulltext = "never"', "mirror_images = false",
            "max_items = 0", "",
        ]  # fmt: skip
    (root / "newsmirror.toml").write_text("\n".join(lines), encoding="utf-8")


def run_fetch(root: Path) -> tuple[dict, float, str]:
    """The real command, as a user runs it: (its JSON report, wall-clock seconds, standard error)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARIABLES}
    env["PYTHONUTF8"] = "1"
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "newsmirror", "fetch", "-C", str(root), "--json"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = {"sources": [], "warnings": [f"no JSON report (exit status {result.returncode})"]}
    return report, elapsed, result.stderr


@dataclass(slots=True)
class Written:
    name: str
    text: str
    header: str
    body: str
    front: dict


def read_written(posts_dir: Path) -> dict[str, Written]:
    """The posts the run wrote, by their from: address (in _posts/ or its dated folders: the name is compared)."""
    written = {}
    for path in sorted(posts_dir.rglob("*.md")) if posts_dir.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        header, body = split_front_matter(text)
        front = parse_front_matter(header)
        written[str(front.get("from") or "")] = Written(path.name, text, header, body, front)
    return written


def match_written(posts: list[RealPost], written: dict[str, Written]) -> dict[str, Written | None]:
    """Each original's written post (by from:, else by canonical address), or None."""
    by_canonical = {canonical_url(link): post for link, post in written.items()}
    return {p.name: written.get(p.link) or by_canonical.get(canonical_url(p.link)) for p in posts}


# ---------------------------------------------------------------------------------------------------------------
# Explaining a difference: the documented transformations, applied one by one to the original value


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LOOKS_HTML = re.compile(r"<[A-Za-z/!]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+\d*);")
_WINDOWS_FORMS = str.maketrans({"\\": "＼", ":": "：", "*": "＊", "?": "？", '"': "＂", "<": "＜", ">": "＞", "|": "｜"})


def decoded(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", text)) if _LOOKS_HTML.search(text) else text


TITLE_STEPS = [
    ("title: control characters dropped (XML forbids them)", lambda t: _XML_FORBIDDEN.sub("", t)),
    ("title: entities decoded / tags stripped", decoded),
    ("title: trimmed; line break/tab → space; controls, BOM dropped", title_text),
]
NAME_STEPS = [("Windows-safe file name (full-width forms)", lambda t: t.translate(_WINDOWS_FORMS))]
AUTHOR_STEPS = [
    ("author entities decoded", decoded),
    ("author: trimmed; line break/tab → space; controls dropped", title_text),
    ("author: name taken from 'email (Name)'", lambda a: re.sub(r"^\S+@\S+\s*\((.+)\)$", r"\1", a).strip()),
]


def explain(original: str, written: str, steps, finish=lambda v: v) -> list[str]:
    """The labels of the steps that change `original` on its way to `written`; "… other" when they do not get there."""
    labels, value = [], original
    for label, step in steps:
        changed = step(value)
        if finish(changed) != finish(value):
            labels.append(label)
        value = changed
    return labels if finish(value) == written else [*labels, "other"]


# ---------------------------------------------------------------------------------------------------------------
# File names


def name_rule(title: str) -> str:
    """The mirror format's name for a title: its first 50 characters, `/` as `--`."""
    return title[:50].replace("/", "--")


def name_differences(post: RealPost, name: str) -> list[tuple[str, str]]:
    if name == post.name:
        return []
    found = []
    detail = f"{post.name!r} → {name!r}"
    if name[:10] != post.name[:10]:
        legacy = post.layout == "legacy" and not re.search(r"(Z|[+-]00:?00)$", header_lines(post.header).get("date", "Z"))
        found.append(("legacy name: the local day of a date with a UTC offset" if legacy else "date (UTC day)", detail))
    if post.name[11:-3] != name_rule(post.title):
        found.append(("legacy name: not the title's first 50 characters", detail))
    part = name[11:-3]
    suffix = re.fullmatch(r"(.*)-(\d+)", part)
    expected = name_rule(post.title)
    if suffix and not expected.endswith(suffix.group(0)[-len(suffix.group(2)) - 1 :]):
        found.append(("name taken: -N suffix", detail))
        part = suffix.group(1)
    labels = explain(post.title, part, TITLE_STEPS + NAME_STEPS, finish=name_rule)
    if not post.title.strip():
        labels = ["empty title written as （无标题）"]
    if labels == ["other"] and found:
        labels = []  # the date or the legacy name is the whole story
    found += [("name " + label if label == "other" else label, detail) for label in labels]
    return found


# ---------------------------------------------------------------------------------------------------------------
# Front matter


def header_lines(header: str) -> dict[str, str]:
    lines = {}
    for line in header.splitlines():
        key = line.split(":", 1)[0]
        lines.setdefault(key, line)
    return lines


def header_differences(post: RealPost, written: Written) -> list[tuple[str, str]]:
    if written.header == post.header:
        return []
    original, new = header_lines(post.header), header_lines(written.header)
    found = []
    for key in dict.fromkeys([*original, *new]):
        if original.get(key) != new.get(key):
            detail = f"{original.get(key)!r} → {new.get(key)!r}"
            found += [(label, detail) for label in key_differences(key, post, written)]
    if not found and list(original) != list(new):
        found.append(("header: key order", f"{list(original)} → {list(new)}"))
    return found


def key_differences(key: str, post: RealPost, written: Written) -> list[str]:
    value = written.front.get(key)
    if key == "comments":
        return ["legacy header: no comments: line"] if post.comments is None else ["comments value"]
    if key == "title":
        return explain_value(post.title, value, TITLE_STEPS, "title", header_lines(post.header).get(key, ""))
    if key == "author":
        return explain_value(post.author, value, AUTHOR_STEPS, "author", header_lines(post.header).get(key, ""))
    if key == "date":
        return [date_difference(post, value)]
    if key in ("tags", "categories"):
        return [list_difference(key, parse_front_matter(post.header).get(key), value)]
    if key == "from":
        return ["from: YAML quoting"] if value == post.link else ["from: address changed"]
    return [f"header: {key}"]


def explain_value(original: str, value: object, steps, what: str, raw: str) -> list[str]:
    if value == original:
        if re.sub(r"^(\w+):\s+", r"\1: ", raw).rstrip() == f"{what}: {value}":
            return [f"rebuild: {what} line has spaces that YAML drops (the feed's value is unknown)"]
        return [f"{what}: YAML quoting/escaping"]
    if what == "title" and not original.strip():
        return ["empty title written as （无标题）"]
    return [f"{what}: other" if label == "other" else label for label in explain(original, str(value), steps)]


def date_difference(post: RealPost, value: object) -> str:
    raw = header_lines(post.header).get("date", "")
    if as_datetime(value) != post.date:
        return "date: a different instant"
    if re.fullmatch(r"date: \d{4}-\d\d-\d\d", raw):
        return "date: legacy date-only form, written as midnight UTC"
    return "date: legacy UTC-offset form, written in UTC with milliseconds (same instant)"


def list_difference(key: str, original: object, value: object) -> str:
    if original == value:
        return f"{key}: YAML quoting"
    if isinstance(original, list) and isinstance(value, list) and [str(v).replace(" ", "") for v in original] == [
        str(v).replace(" ", "") for v in value
    ]:
        return "source name spaces"
    return f"{key}: other"


# ---------------------------------------------------------------------------------------------------------------
# Bodies: layout, then the article HTML compared parsed


# The original's elements that a reader does not see, then those the sanitizer removes with what they hold: each
# stage is taken out of the original in turn, so that a difference it explains is named after it.
_HIDDEN = ("script", "style", "template", "head", "title")
_SANITIZER_REMOVES = ("textarea", "select", "button", "svg", "math", "noembed", "noframes", "xmp")
_EMBEDS = ("iframe", "embed", "object", "applet", "frame", "frameset")
_SVG_MATHML_NAMES = (
    "g", "path", "rect", "circle", "ellipse", "line", "polygon", "polyline", "text", "tspan", "textpath", "use",
    "defs", "desc", "symbol", "marker", "mask", "pattern", "clippath", "lineargradient", "radialgradient", "stop",
    "filter", "metadata", "switch", "view", "mi", "mn", "mo", "ms", "mtext", "mrow", "mfrac", "msqrt", "mroot",
    "msub", "msup", "msubsup", "mtable", "mtr", "mtd", "semantics", "annotation",
)  # fmt: skip
STAGES = (
    ("noscript content dropped (not shown where scripts run)", ("noscript",)),
    ("element removed with its content", _SANITIZER_REMOVES),
    ("iframe/embed dropped", _EMBEDS),
    ("text in SVG/MathML-named tags outside <svg> dropped", _SVG_MATHML_NAMES),
)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_LAZY = ("data-src", "data-lazy-src", "data-original", "data-actualsrc", "data-url", "data-echo")


@dataclass(slots=True)
class Content:
    """What a reader gets of an article's HTML."""

    text: str = ""
    images: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    embeds: list[str] = field(default_factory=list)
    image_attributes: dict[str, dict] = field(default_factory=dict)
    lazy_sources: list[str] = field(default_factory=list)  # data-src, srcset, … of every image


def parse_tree(markup: str):
    return lxml_html.document_fromstring("<html><body><div>" + markup + "</div></body></html>").find("body")


def measure(body) -> Content:
    if body is None:
        return Content()
    images = [img for img in body.iter("img") if img.get("src", "").strip()]
    return Content(
        text=_HTML_SPACE.sub(" ", "".join(body.itertext())).strip(),
        images=[img.get("src").strip() for img in images],
        links=[a.get("href", "").strip() for a in body.iter("a") if a.get("href") is not None],
        embeds=[e.get("src") or e.get("data") or "" for e in body.iter(*_EMBEDS)],
        image_attributes={img.get("src").strip(): dict(img.attrib) for img in images},
        lazy_sources=[c for img in body.iter("img") for c in lazy_candidates(dict(img.attrib))],
    )


def drop(body, tags: tuple[str, ...]) -> bool:
    """Take the elements out of the tree (their tails stay); whether there were any."""
    found = list(body.iter(*tags)) if body is not None else []
    for element in found:
        if element.getparent() is not None:
            element.drop_tree()
    return bool(found)


def original_views(markup: str, base: str) -> list[tuple[str, Content]]:
    """The original as the reader sees it, then with each sanitizer stage taken out in turn: [(stage, content)]."""
    body = parse_tree(markup) if markup.strip() else None
    if body is not None:
        drop(body, _HIDDEN)
    views = [("", measure(body))]
    for label, tags in STAGES:
        if tags == _EMBEDS and frames_to_links(body, base):
            views.append((FRAME_LINK, measure(body)))
        if tags == ("noscript",) and body is not None and noscript_copies_only(body, base):
            label = NOSCRIPT_COPY
        if drop(body, tags):
            views.append((label, measure(body)))
    return views


FRAME_LINK = "frame that is no player kept as a link to its address"
NOSCRIPT_COPY = "noscript fallback dropped: a copy of an image shown beside it"


def noscript_copies_only(body, base: str) -> bool:
    """Whether every <noscript> holds only images that the article shows outside it too (a lazy-loading plugin's
    fallback, as WordPress/Jetpack writes it): dropping it loses nothing but a second copy."""
    outside = set()
    for img in body.iter("img"):
        if not any(parent.tag == "noscript" for parent in img.iterancestors()):
            outside.update(safe_join(base, c) for c in [img.get("src", "").strip(), *lazy_candidates(dict(img.attrib))] if c)
    for noscript in body.iter("noscript"):
        # lxml reads a noscript's content as markup (scripting off), so its images are elements here
        images = [safe_join(base, img.get("src", "").strip()) for img in noscript.iter("img")]
        text = "".join(t for t in noscript.itertext()).strip()
        if text or not images or not set(images) <= outside:
            return False
    return True


def frames_to_links(body, base: str) -> bool:
    """Each iframe that is no allowed player and shows an http(s) address replaced by a link to that address, named
    by its title or the address (the README's rule); whether there were any."""
    found = [frame for frame in body.iter("iframe") if not player_embed(frame.attrib, base)] if body is not None else []
    replaced = False
    for frame in found:
        address = frame_address(frame.attrib, base)
        if not address or frame.getparent() is None:
            continue
        link = lxml_html.Element("a", href=address)
        link.text = " ".join(frame.get("title", "").split()) or frame_label(address)
        link.tail = frame.tail
        frame.getparent().replace(frame, link)
        replaced = True
    return replaced


def body_differences(post: RealPost, written: Written) -> tuple[list, list]:
    """(differences of the body's layout and bytes, differences of what a reader gets of the article)."""
    if written.body == post.body:
        return [], []
    _, content = split_body(written.body)
    content = content.replace('{{ "{" }}', "{")
    found = layout_differences(post, written)
    if content == post.content:
        return found, []
    joined = join_content_lines(post.content)
    if content == joined:
        return [*found, ("content lines joined (legacy multi-line content)", "")], []
    new = measure(parse_tree(content) if content.strip() else None)
    differences = content_differences(original_views(joined, post.link), new, post.link)
    return [*found, *markup_classes(joined, content)], differences


def in_text(change):
    """`change` applied to the text between tags only."""
    return lambda markup: re.sub(r"(?<=>)[^<]+|^[^<]+", lambda m: change(m.group()), markup)


_TRACKING_PIXEL_TAG = re.compile(r"<img\b(?=[^>]*\bwidth=[\"']?[01]\b)(?=[^>]*\bheight=[\"']?[01]\b)[^>]*>")
MARKUP_STEPS = [
    ("", lambda m: _TRACKING_PIXEL_TAG.sub("", m)),  # counted as "tracking pixel dropped" already
    ("U+00A0 written as &nbsp;", lambda m: m.replace("\xa0", "&nbsp;")),
    ("void elements' ' />' written as '>'", lambda m: re.sub(r"\s*/>", ">", m)),
    ("&#39; / &quot; / &#34; in text written as ' and \"", in_text(lambda t: re.sub(r"&(#39|quot|#34);", lambda r: "'" if r.group(1) == "#39" else '"', t))),
]


def markup_classes(original: str, new: str) -> list[tuple[str, str]]:
    """Why the markup differs where a reader sees the same: the allowlist, or the serializer's own habits."""
    outside = outside_allowlist(original)
    if outside:
        return [("markup outside the allowlist dropped", f"{', '.join(sorted(outside)[:6])}: {markup_diff(original, new)}")]
    if MARKUP_STEPS[0][1](original) == new:
        return []  # written back as the source wrote it, less its tracking pixels (counted with the images)
    found, value = [], original
    for label, step in MARKUP_STEPS:
        changed = step(value)
        if changed != value and label:
            found.append((f"clean markup re-serialised: {label}", markup_diff(value, changed)))
        value = changed
    if value != new:
        found.append(("clean markup re-serialised: other", markup_diff(value, new)))
    return found


def outside_allowlist(markup: str) -> set[str]:
    """The tags and attributes of `markup` that the sanitizer's allowlist does not hold."""
    found = set()
    for element in parse_tree(markup).iter():
        if not isinstance(element.tag, str):
            found.add("<!--comment-->")
            continue
        if element.tag not in ALLOWED_TAGS and element.tag not in ("body",):
            found.add(f"<{element.tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(element.tag, set()) | ALLOWED_ATTRIBUTES["*"]
        found.update(f"{element.tag}[{name}]" for name in element.attrib if name not in allowed)
    return found


def layout_differences(post: RealPost, written: Written) -> list[tuple[str, str]]:
    found = []
    if '{{ "{" }}' in written.body:
        found.append(("Liquid braces escaped", ""))
    if post.layout == "legacy":
        return [*found, ("legacy body layout (no <!--millis-->, [title](link) line, <div>)", "")]
    original_lines, new_lines = post.body.split("\n", 2), written.body.split("\n", 2)
    if original_lines[0] != new_lines[0]:
        label = "<!--NaN--> in the original" if post.layout == "NaN millis" else millis_label(post, original_lines[0])
        found.append((label, f"{original_lines[0]!r} → {new_lines[0]!r}"))
    if original_lines[1] != new_lines[1] and written.front.get("title") == post.title:
        found.append(("link line escaping", f"{original_lines[1][:160]!r} → {new_lines[1][:160]!r}"))
    return found


def millis_label(post: RealPost, line: str) -> str:
    if line != f"<!--{epoch_millis(post.date)}-->":
        return "rebuild: the original's <!--millis--> is not its date: (the feed's date is unknown)"
    return "millis line"


def markup_diff(original: str, new: str) -> str:
    """The first place two markups part, with some context."""
    at = next((i for i, (a, b) in enumerate(zip(original, new, strict=False)) if a != b), min(len(original), len(new)))
    return f"{original[max(0, at - 40) : at + 60]!r} → {new[max(0, at - 40) : at + 60]!r}"


def content_differences(views: list[tuple[str, Content]], new: Content, base: str) -> list[tuple[str, str]]:
    found = []
    for aspect, reason in (("text", None), ("images", image_reason), ("links", link_reason)):
        found += aspect_differences(aspect, views, new, base, reason)
    found += embed_differences(views[0][1].embeds, new.embeds)
    return found


def aspect_differences(aspect: str, views, new: Content, base: str, reason) -> list[tuple[str, str]]:
    """Nothing when the original shows the same; else the stages that explain the difference, else its details."""
    wanted = getattr(new, aspect)
    seen = getattr(views[0][1], aspect)
    if seen == wanted:
        return []
    labels = []
    for label, view in views[1:]:
        if getattr(view, aspect) != seen:
            labels.append(label)
            seen = getattr(view, aspect)
        if seen == wanted:
            detail = describe(getattr(views[0][1], aspect), wanted)
            return [(f"{label} ({aspect})", detail) for label in labels]
    if aspect == "text":
        return [("visible text other", markup_diff(seen, wanted))]
    return list_differences(aspect[:-1], views[-1][1], wanted, base, reason)


def describe(original: object, new: object) -> str:
    if isinstance(original, str):
        return markup_diff(original, str(new))
    missing = list((Counter(original) - Counter(new)).elements())
    return f"{[a[:100] for a in missing[:2]]} dropped"


def list_differences(what: str, original: Content, new: list[str], base: str, reason) -> list[tuple[str, str]]:
    before = getattr(original, what + "s")
    missing, added = Counter(before) - Counter(new), Counter(new) - Counter(before)
    if not missing and not added:
        return [(f"{what}s reordered", "")]
    found: dict[str, str] = {}
    for address, count in missing.items():
        label, replacement = reason(address, base, added, original)
        found.setdefault(label, f"{address[:120]!r} → {replacement[:120]!r}")
        added[replacement] -= count
    for address in +added:
        found.setdefault(added_reason(what, address, base, original), f"{address[:120]!r}")
    return list(found.items())


def added_reason(what: str, address: str, base: str, original: Content) -> str:
    if address in {safe_join(base, a) for a in getattr(original, what + "s")}:
        return f"{what} repeated by HTML5 parsing (an <a> reopened around a block)"
    if what == "image" and address in {safe_join(base, c) for c in original.lazy_sources}:
        return "lazy image: the real address taken from data-src/srcset"
    return f"{what} added"


def safe_join(base: str, address: str) -> str:
    try:
        return urljoin(base, address)
    except ValueError:
        return ""


def lazy_candidates(attributes: dict) -> list[str]:
    candidates = [attributes.get(name, "").strip() for name in _LAZY]
    for name in ("srcset", "data-srcset", "data-lazy-srcset"):
        candidates += [c.strip().split()[0] for c in attributes.get(name, "").split(",") if c.strip()]
    return [c for c in candidates if c]


def image_reason(address: str, base: str, added: Counter, original: Content) -> tuple[str, str]:
    attributes = original.image_attributes.get(address, {})
    if (joined := safe_join(base, address)) in added:
        return "relative image address made absolute", joined
    for candidate in lazy_candidates(attributes):
        if (joined := safe_join(base, candidate)) in added:
            return "lazy image: the real address taken from data-src/srcset", joined
    if {attributes.get("width", "").strip(), attributes.get("height", "").strip()} <= {"0", "1", "1px"}:
        return "tracking pixel dropped", "(dropped)"
    if address.lower().startswith("data:"):
        return "data: image dropped", "(dropped)"
    return "image dropped other", "(dropped)"


_NOT_IN_HOST = set(' %<>[]^|"{}`\\')


def invalid_host(address: str) -> bool:
    """Whether an http(s) address has a host that no browser accepts (so the sanitizer cannot keep it)."""
    try:
        host = urlsplit(address.strip()).hostname or ""
        if not host or _NOT_IN_HOST & set(host):
            return True
        host.encode("idna")
    except (ValueError, UnicodeError):
        return True
    return False


def link_reason(address: str, base: str, added: Counter, original: Content) -> tuple[str, str]:
    if (joined := safe_join(base, address)) in added:
        return "relative link made absolute", joined
    match = re.match(r"^\s*([A-Za-z][\w+.-]*):", address)
    scheme = match.group(1).lower() if match else ""
    if scheme and scheme not in ("http", "https", "mailto"):
        return f"link with {scheme}: dropped", "(dropped)"
    if invalid_host(address):
        return "invalid-host link dropped (no browser could open it)", "(dropped)"
    return "link target other", "(dropped)"


def embed_differences(original: list[str], new: list[str]) -> list[tuple[str, str]]:
    if original == new:
        return []
    if len(new) < len(original):
        return [("iframe/embed dropped", f"{[a[:80] for a in original if a not in new][:3]}")]
    return [("video player rewritten to its privacy-friendly address", f"{original[:2]} → {new[:2]}")]


# ---------------------------------------------------------------------------------------------------------------
# Figures


DOCUMENTED = (
    "title: trimmed", "author: trimmed",
    "Windows-safe", "name taken", "author entities decoded", "source name spaces", "tracking pixel", "relative ",
    "lazy image", "video player", "iframe/embed dropped", "frame that is no player", "noscript fallback dropped",
    "invalid-host link", "empty title written as", "title: entities decoded", "element removed with its content", "link with javascript",
    "link with ", "data: image", "Liquid braces", "link line escaping",
    "markup outside the allowlist", "title: YAML", "author: YAML", "from: YAML", "tags: YAML", "categories: YAML",
)  # fmt: skip
LEGACY = ("legacy", "<!--NaN-->", "content lines joined", "date: legacy")
ARTEFACT = ("rebuild:",)  # what the original feed held cannot be told from the post
# Neither visible text, image sources nor link targets: not counted against an equivalent body.
NOT_SEEN = ("iframe/embed dropped", "video player", "noscript")


def kind(label: str) -> str:
    """"documented" (a deviation the README names), "legacy" (the original is in an older layout), "artefact" (of
    rebuilding the feed from the post), or "" (undocumented)."""
    if label.startswith(DOCUMENTED):
        return "documented"
    if label.startswith(ARTEFACT):
        return "artefact"
    return "legacy" if label.startswith(LEGACY) else ""


@dataclass(slots=True)
class Outcome:
    post: RealPost
    written: Written | None
    classes: list[tuple[str, str, str]] = field(default_factory=list)  # (part, class, detail)

    def labels(self, *parts: str) -> list[str]:
        return [label for part, label, _ in self.classes if part in parts]


def compare(post: RealPost, written: Written | None) -> Outcome:
    outcome = Outcome(post, written)
    if written is None:
        outcome.classes.append(("post", "no post written", ""))
        return outcome
    layout, content = body_differences(post, written)
    parts = (("name", name_differences(post, written.name)), ("header", header_differences(post, written)),
             ("body", layout), ("content", content))  # fmt: skip
    for part, found in parts:
        outcome.classes += [(part, label, detail) for label, detail in found]
    return outcome


def passes(outcome: Outcome, parts: tuple[str, ...], allowed: tuple[str, ...]) -> bool:
    """Whether the post was written and its `parts` differ only by classes of the `allowed` kinds (for the
    article's content, differences a reader does not see never count)."""
    if outcome.written is None:
        return False
    unseen = parts == ("content",)
    return all(kind(label) in allowed or (unseen and label.startswith(NOT_SEEN)) for label in outcome.labels(*parts))


EXCUSED = ("documented", "legacy", "artefact")
FIGURES = (
    ("file name identical", ("name",), ()),
    ("  + documented deviations", ("name",), ("documented",)),
    ("  + legacy, artefacts", ("name",), EXCUSED),
    ("header identical", ("header",), ()),
    ("  + documented deviations", ("header",), ("documented",)),
    ("  + legacy, artefacts", ("header",), EXCUSED),
    ("body equivalent", ("content",), ()),
    ("  + documented deviations", ("content",), ("documented",)),
    ("body identical (bytes)", ("body", "content"), ()),
    ("  + documented, legacy, artef.", ("body", "content"), EXCUSED),
    ("post identical (bytes)", ("name", "header", "body", "content"), ()),
    ("  + documented, legacy, artef.", ("name", "header", "body", "content"), EXCUSED),
)


def share(outcomes: list[Outcome], parts: tuple[str, ...], allowed: tuple[str, ...]) -> str:
    if not outcomes:
        return "—"
    hits = sum(passes(o, parts, allowed) for o in outcomes)
    return f"{hits / len(outcomes):6.1%} ({hits})"


def print_figures(outcomes: list[Outcome]) -> None:
    groups = {"all": outcomes} | {layout: [o for o in outcomes if o.post.layout == layout] for layout in LAYOUTS}
    print("\nshares of posts; '+ …' rows also count posts whose only differences are of those kinds")
    print(f"{'':32}" + "".join(f"{name:>16}" for name in groups))
    print(f"{'posts compared':32}" + "".join(f"{len(g):>16}" for g in groups.values()))
    print(f"{'no post written':32}" + "".join(f"{sum(o.written is None for o in g):>16}" for g in groups.values()))
    for label, parts, allowed in FIGURES:
        print(f"{label:32}" + "".join(f"{share(g, parts, allowed):>16}" for g in groups.values()))


def print_classes(outcomes: list[Outcome]) -> None:
    counts: Counter = Counter()
    by_layout: dict[tuple[str, str], Counter] = defaultdict(Counter)
    examples: dict[tuple[str, str], str] = {}
    for outcome in outcomes:
        for part, label in dict.fromkeys((p, c) for p, c, _ in outcome.classes):
            counts[part, label] += 1
            by_layout[part, label][outcome.post.layout] += 1
        for part, label, detail in outcome.classes:
            examples.setdefault((part, label), f"{outcome.post.name}  {detail}".strip())
    print("\ndifferences by class: part, kind (documented: a deviation the README names; legacy: the original's")
    print("older layout; artefact: of rebuilding feeds from posts; blank: undocumented), class,")
    print("posts (" + " / ".join(LAYOUTS) + "), one example each:")
    order = {"post": 0, "name": 1, "header": 2, "body": 3, "content": 4}
    for (part, label), count in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1])):
        layouts = " / ".join(str(by_layout[part, label][layout]) for layout in LAYOUTS)
        print(f"  {part:7} {kind(label):10} {label:64} {count:5}  ({layouts})")
        print(f"         e.g. {examples[part, label][:400]}")


LOOKED_FOR = (
    "title whitespace folded", "link line escaping", "tracking pixel dropped", "Windows-safe file name",
    "source name spaces", "author entities decoded", "iframe/embed dropped", "date", "no post written",
)  # fmt: skip


def print_not_found(outcomes: list[Outcome]) -> None:
    seen = {label for o in outcomes for _, label, _ in o.classes}
    missing = [name for name in LOOKED_FOR if not any(label.startswith(name) for label in seen)]
    print(f"\nclasses looked for and not found: {', '.join(missing) or 'none'}")


def print_allowlist_drops(outcomes: list[Outcome]) -> None:
    """What the allowlist takes out of posts in the current layout (the byte-for-byte target), by posts."""
    counts: Counter = Counter()
    for outcome in outcomes:
        if outcome.post.layout in ("current", "no comments:") and "markup outside the allowlist dropped" in outcome.labels("body"):
            counts.update(outside_allowlist(join_content_lines(outcome.post.content)))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
    top = ", ".join(f"{item} {count}" for item, count in ranked)
    print(f"allowlist drops in current and no-comments: posts (posts each): {top or 'none'}")


def show_class(outcomes: list[Outcome], wanted: str) -> None:
    chosen = [o for o in outcomes if any(wanted.lower() in label.lower() for _, label, _ in o.classes)][:5]
    print(f"\n{len(chosen)} example(s) of class {wanted!r}:")
    for outcome in chosen:
        new = outcome.written.text if outcome.written else ""
        name = outcome.written.name if outcome.written else "(none)"
        diff = difflib.unified_diff(
            outcome.post.text.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"original/{outcome.post.name}", tofile=f"written/{name}",
        )  # fmt: skip
        sys.stdout.writelines(diff)
        print()


# ---------------------------------------------------------------------------------------------------------------


def limit_hits(posts: list[RealPost], feeds: dict[str, bytes], groups: dict[str, list[RealPost]]) -> list[str]:
    """The real items (and feeds) that newsmirror's default volume limits would cut."""
    hits = []
    for source, items in groups.items():
        if len(items) > DEFAULT_LIMITS["max_items"]:
            hits.append(f"{source}: {len(items)} items in one feed > [fetch] max_items {DEFAULT_LIMITS['max_items']}")
    for path, body in feeds.items():
        if len(body) > DEFAULT_LIMITS["max_bytes"]:
            hits.append(f"feed {path}: {len(body) / 2**20:.1f} MiB > [fetch] max_bytes 20 MiB")
    checks = (
        ("title", lambda p: len(p.title), DEFAULT_LIMITS["max_title_chars"]),
        ("author", lambda p: len(p.author), AUTHOR_LIMIT),
        ("content", lambda p: len(join_content_lines(p.content)), CONTENT_LIMIT),
    )
    for what, size, limit in checks:
        over = [p.name for p in posts if size(p) > limit]
        if over:
            hits.append(f"{len(over)} real item(s) with a {what} over {limit} characters, e.g. {over[0]}")
        else:
            hits.append(f"no real item has a {what} over {limit} characters (longest {max(map(size, posts))})")
    return hits


def load(args: argparse.Namespace, scratch: Path) -> list[RealPost]:
    posts_dir = Path(args.unpacked) / "_posts" if args.unpacked else unpack(TARBALL, scratch)
    posts, problems = read_posts(posts_dir)
    layouts = Counter(p.layout for p in posts)
    print(f"real archive: {len(posts) + len(problems)} posts ({', '.join(f'{n} {k}' for k, n in layouts.items())})")
    print(f"unreadable, left out: {len(problems)}" + "".join(f"\n  {name}: {why}" for name, why in problems))
    unique, repeated = split_duplicates(posts)
    left_out = sum(len(names) for names in repeated.values())
    example = next(iter(repeated.items()), ("", []))
    print(f"from: repeats, left out: {left_out} posts sharing {len(repeated)} addresses, e.g. {example[0]} {example[1]}")
    chosen = every_kth(unique, args.posts)
    print(f"compared: {len(chosen)} posts" + (f" (every {len(unique) / len(chosen):.2f}th)" if args.posts else ""))
    return chosen


def run(posts: list[RealPost], root: Path) -> dict[str, Written]:
    groups = by_source(posts)
    feeds = {f"/feed/{i}.xml": feed_xml(source, items) for i, (source, items) in enumerate(groups.items())}
    print(f"served: {len(groups)} feeds, {sum(map(len, feeds.values())) / 2**20:.1f} MiB: "
          + ", ".join(f"{s} {len(items)}" for s, items in groups.items()))  # fmt: skip
    for hit in limit_hits(posts, feeds, groups):
        print(f"limits: {hit}")
    server = FeedServer(feeds)
    try:
        write_config(root, server, groups)
        report, seconds, stderr = run_fetch(root)
    finally:
        server.stop()
    print_run(report, seconds, stderr)
    return read_written(root / "_posts")


def print_run(report: dict, seconds: float, stderr: str) -> None:
    print(f"newsmirror fetch: {seconds:.1f} s, {report.get('new_posts', 0)} posts written")
    for source in report.get("sources", []):
        for line in source.get("errors", []) + source.get("warnings", []):
            print(f"  {source['name']}: {line[:300]}")
    for line in report.get("warnings", []):
        print(f"  run: {line[:300]}")
    if not report.get("sources"):
        print(stderr[-3000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=None, help="a sample of about N posts (every k-th)")
    parser.add_argument("--keep", metavar="DIR", help="keep the run's archive in DIR (new or empty)")
    parser.add_argument("--show", metavar="CLASS", help="print up to 5 posts of a class as unified diffs")
    parser.add_argument("--unpacked", metavar="DIR", help="an unpacked copy of the real archive (holds _posts/)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="newsmirror-fidelity-"))
    root = Path(args.keep).resolve() if args.keep else scratch / "archive"
    if args.keep and root.exists() and any(root.iterdir()):
        sys.exit(f"--keep {root}: not empty (the run needs an archive of its own)")
    try:
        root.mkdir(parents=True, exist_ok=True)
        posts = load(args, scratch)
        written = run(posts, root)
        matched = match_written(posts, written)
        outcomes = [compare(p, matched[p.name]) for p in posts]
        unmatched = len(written) - sum(w is not None for w in matched.values())
        print(f"written posts matching no original: {unmatched}")
        print_figures(outcomes)
        print_classes(outcomes)
        print_not_found(outcomes)
        print_allowlist_drops(outcomes)
        if args.show:
            show_class(outcomes, args.show)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if args.keep:
            print(f"\nthe run's archive is kept in {root}")


if __name__ == "__main__":
    main()
