"""Jinja2 environment and the per-post rendering that runs in worker processes.

Templates come from the archive's `_templates/` first (a user's override of any file), then the package's own.
A worker is forked with the Renderer already made (site/pool.py), renders a chunk of posts and writes each page
itself, so post bodies never travel between processes.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qs, urlsplit

from newsmirror.archive.postformat import PostFormatError, post_content
from newsmirror.config import Config
from newsmirror.files import write_if_changed
from newsmirror.ingest.embeds import is_youtube_video_id
from newsmirror.site.urls import href
from newsmirror.urlsafety import http_link

if TYPE_CHECKING:  # Jinja2 is imported with the environment: a build with nothing changed never loads it
    from jinja2 import Environment, Template
    from markupsafe import Markup

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
USER_TEMPLATES = "_templates"  # in the archive; Jekyll ignores folders starting with "_"
# Compiled templates under _site/, kept between builds: compiling them costs ~0.5 s a build (and again in each
# worker process). Jinja checks each entry against its template's source and the Python version.
BYTECODE_DIR = ".newsmirror-templates"


def site_context(config: Config) -> dict:
    """What every template sees: `site` (the [site] settings) and `base` (the baseurl as a link prefix)."""
    s = config.site
    base = s.baseurl.rstrip("/")
    return {
        "site": {
            "title": s.title,
            "description": s.description,
            "url": s.url.rstrip("/"),
            "baseurl": base,
            "language": s.language,
            "comments_provider": s.comments_provider,
            "comments_repo": s.comments_repo,
            "comments_repo_id": s.comments_repo_id,
            "comments_category": s.comments_category,
            "comments_category_id": s.comments_category_id,
        },
        "base": href("", base) if base else "",
    }


def make_env(root: Path, site_dir: Path | None = None) -> Environment:
    from jinja2 import (
        BaseLoader,
        ChoiceLoader,
        Environment,
        FileSystemBytecodeCache,
        FileSystemLoader,
        PackageLoader,
        select_autoescape,
    )

    loaders: list[BaseLoader] = []
    user = root / USER_TEMPLATES
    if user.is_dir():
        loaders.append(FileSystemLoader(str(user)))
    loaders.append(PackageLoader("newsmirror.site", "templates"))
    bytecode = None
    if site_dir is not None:
        (site_dir / BYTECODE_DIR).mkdir(parents=True, exist_ok=True)
        bytecode = FileSystemBytecodeCache(str(site_dir / BYTECODE_DIR))
    env = Environment(
        loader=ChoiceLoader(loaders),
        bytecode_cache=bytecode,
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
    from markupsafe import Markup

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
    return next((c for c in candidates if is_youtube_video_id(c)), None)


def date_strings(timestamp: float) -> tuple[str, str, str]:
    """(ISO 8601, day, day and minute) in UTC, the zone the permalinks use."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%d"),
        moment.strftime("%Y-%m-%d %H:%M UTC"),
    )


class Link(NamedTuple):  # a NamedTuple: sent to worker processes, and tuples pickle several times faster
    """A link to another page: a post's previous and next post, its tags."""

    title: str
    href: str


@dataclass(slots=True)
class PostJob:
    """What a worker needs to render one post page besides the file itself."""

    rel: str
    out: str  # path under _site
    href: str
    source: str
    source_href: str
    prev: Link | None
    next: Link | None
    tags: list[Link]  # (tag, its page)
    title: str
    timestamp: float
    author: str
    link: str
    comments: bool
    history: dict | None = None  # edits and deletion at the source (site/history.post_history)


class PostOutcome(NamedTuple):  # sent back from worker processes: a NamedTuple too
    rel: str
    error: str | None  # why the page could not be rendered, or None


class Renderer:
    """Renders the site's pages from the archive at `root` into `site_dir`, with the site context (site_context).

    Made once per build, before the build's worker processes fork from it (site/pool.py): each worker has the
    Jinja environment ready, and the environment never travels between processes.
    """

    def __init__(self, root: Path, site_dir: Path, context: dict) -> None:
        self.root = root
        self.site_dir = site_dir
        self.context = context
        self.env = make_env(root, site_dir)

    def template(self, name: str) -> Template:
        return self.env.get_template(name)

    def has_template(self, name: str) -> bool:
        try:
            self.template_source(name)
        except Exception:
            return False
        return True

    def template_source(self, name: str) -> str:
        assert self.env.loader is not None
        return self.env.loader.get_source(self.env, name)[0]

    def template_names(self) -> list[str]:
        return self.env.list_templates()

    def render_posts(self, jobs: list[PostJob]) -> list[PostOutcome]:
        """A pool task: render and write each post's page."""
        template = self.template("post.html")
        results: list[PostOutcome] = []
        for job in jobs:
            try:
                # The header was parsed in the scan (the job carries it): only the body, without a second YAML
                # parse (a quarter of the time per post).
                content = post_content((self.root / job.rel).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, PostFormatError) as exc:
                results.append(PostOutcome(job.rel, str(exc)))
                continue
            page = template.render(**self.context, post=post_view(job, content))
            write_if_changed(self.site_dir / job.out, page)
            results.append(PostOutcome(job.rel, None))
        return results


def post_view(job: PostJob, content: str) -> dict:
    """What post.html sees as `post`."""
    iso, _day, minute = date_strings(job.timestamp)
    link = http_link(job.link)  # only an http(s) address becomes the 原文 link (a post's from: is third-party)
    return {
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
        "tags": [{"name": tag.title, "href": tag.href} for tag in job.tags],
        "prev": {"title": job.prev.title, "href": job.prev.href} if job.prev else None,
        "next": {"title": job.next.title, "href": job.next.href} if job.next else None,
        "href": job.href,
        "history": job.history,
    }
