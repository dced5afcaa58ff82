"""Jinja2 environment and the per-post rendering that runs in worker processes.

Templates come from the archive's `_templates/` first (a user's override of any file), then the package's own.
A worker is forked with the environment and the site context already set, renders a chunk of posts and writes
each page itself, so post bodies never travel between processes.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape
from markupsafe import Markup

from newsmirror.archive.postformat import PostFormatError, post_content
from newsmirror.files import write_if_changed
from newsmirror.urlsafety import http_link

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
USER_TEMPLATES = "_templates"  # in the archive; Jekyll ignores folders starting with "_"


def make_env(root: Path) -> Environment:
    loaders = []
    user = root / USER_TEMPLATES
    if user.is_dir():
        loaders.append(FileSystemLoader(str(user)))
    loaders.append(PackageLoader("newsmirror.site", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["pagefind_filter"] = pagefind_filter_value
    return env


def pagefind_filter_value(value: object) -> Markup:
    """`value` for the VALUE of a `data-pagefind-filter="name:VALUE"` attribute, so that the search page shows it
    as the text it is (`{{ post.source|pagefind_filter }}`).

    Pagefind 1.5 decodes character references in a filter value twice (the attribute's own HTML decoding, then its
    normalisation: `a &amp;amp; b` is stored as `a & b`), and Pagefind UI puts filter names and values into the
    page as HTML (innerHTML). So the value is HTML-escaped three times: Pagefind stores it escaped once, and the
    filter panel shows a source named `<img src=x onerror=…>` as those characters. (Meta values, such as the title,
    are shown as text and excerpts are escaped by Pagefind itself: those take the usual single escaping.)"""
    text = str(value)
    for _ in range(3):
        text = html.escape(text, quote=True)
    return Markup(text)


def template_fingerprint(root: Path) -> str:
    """Changes when any template (the package's or the user's) changes: then every page is rendered again."""
    digest = hashlib.blake2b(digest_size=16)
    for folder in (PACKAGE_TEMPLATES, root / USER_TEMPLATES, Path(__file__).parent / "static"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


_YOUTUBE = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com|youtube-nocookie\.com|youtu\.be)/", re.IGNORECASE)
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def youtube_id(link: str) -> str | None:
    """The video id of a YouTube watch / short / youtu.be link, else None."""
    if not _YOUTUBE.match(link):
        return None
    parts = urlsplit(link)
    candidates = parse_qs(parts.query).get("v", [])
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname and parts.hostname.endswith("youtu.be") and segments:
        candidates.append(segments[0])
    elif len(segments) >= 2 and segments[0] in ("shorts", "embed", "live", "v"):
        candidates.append(segments[1])
    return next((c for c in candidates if _VIDEO_ID.match(c)), None)


def date_strings(timestamp: float) -> tuple[str, str, str]:
    """(ISO 8601, day, day and minute) in UTC, the zone the permalinks use."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%d"),
        moment.strftime("%Y-%m-%d %H:%M UTC"),
    )


@dataclass(slots=True)
class PostJob:
    """What a worker needs to render one post page besides the file itself."""

    rel: str
    out: str  # path under _site
    href: str
    source: str
    source_href: str
    prev: tuple[str, str] | None  # (title, href)
    next: tuple[str, str] | None
    tags: list[tuple[str, str]]  # (name, href)
    title: str
    timestamp: float
    author: str
    link: str
    comments: bool


# Set in the parent before the pool forks (and in the parent itself for small builds).
_STATE: dict = {}


def init_worker(root: str, site_dir: str, context: dict) -> None:
    _STATE["root"] = Path(root)
    _STATE["site_dir"] = Path(site_dir)
    _STATE["context"] = context
    _STATE["env"] = make_env(Path(root))


def render_posts(jobs: list[PostJob]) -> list[tuple[str, str | None]]:
    """Render and write each post; returns (rel, error or None) per job."""
    env = _STATE["env"]
    template = env.get_template("post.html")
    root: Path = _STATE["root"]
    site_dir: Path = _STATE["site_dir"]
    context = _STATE["context"]
    results: list[tuple[str, str | None]] = []
    for job in jobs:
        try:
            # The header was parsed in the scan (the job carries it): only the body, without a second YAML parse
            # (a quarter of the time per post).
            content = post_content((root / job.rel).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PostFormatError) as exc:
            results.append((job.rel, str(exc)))
            continue
        iso, _day, minute = date_strings(job.timestamp)
        link = http_link(job.link)  # only an http(s) address becomes the 原文 link (a post's from: is third-party)
        view = {
            "title": job.title,
            "date_iso": iso,
            "date_str": minute,
            "author": job.author,
            "show_author": bool(job.author) and job.author != job.source,
            "source": job.source,
            "source_href": job.source_href,
            "link": link,
            "content": content,
            "youtube_id": youtube_id(link) if link else None,
            "comments": job.comments,
            "tags": [{"name": name, "href": href} for name, href in job.tags],
            "prev": {"title": job.prev[0], "href": job.prev[1]} if job.prev else None,
            "next": {"title": job.next[0], "href": job.next[1]} if job.next else None,
            "href": job.href,
        }
        html = template.render(**context, post=view)
        write_if_changed(site_dir / job.out, html)
        results.append((job.rel, None))
    return results
