"""`newsmirror build`: the archive's posts → static HTML in _site/, incrementally, on every core.

One build is: scan (stat every post) → parse what changed (worker processes) → place every post at its Jekyll
URL (keeping both posts where Jekyll's slugs collide) → render the post pages whose inputs changed → render the
list pages, feeds, sitemap and pages whose inputs changed → drop outputs that no longer exist → update the
Pagefind bundles holding changed posts → save the cache. The cache (_site/.newsmirror-build.pickle) remembers
each post's parsed header and each output's input signature, so a build with nothing changed writes nothing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from newsmirror import __version__
from newsmirror.archive.indexes import list_file_name
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import PostFormatError, parse_post
from newsmirror.config import Config
from newsmirror.files import write_if_changed
from newsmirror.site import render, search
from newsmirror.site.urls import filename_date, href, output_path, page_name, post_url, with_suffix

SITE_DIR = "_site"
CACHE_NAME = ".newsmirror-build.pickle"
QUICK_NAME = ".newsmirror-build-quick.pickle"  # just enough to see that nothing changed, without the big cache
CACHE_VERSION = 6
PARALLEL_MIN = 200  # fewer posts than this are parsed/rendered in this process: a pool costs more than it saves
LIST_PER_PAGE = 100  # entries per source, tag and month page
FEED_ENTRIES = 20
SITEMAP_MAX = 50_000  # URLs per sitemap file (the protocol's limit)

Progress = Callable[[str, int, int], None]

# Extra pages: every template `pages/<name>.html` (the package's, or the archive's `_templates/pages/`) is built
# to `/<name>.html` with the common context (site, sources, tags, months, search, posts_total, data = _data/*);
# the status page also gets the sources' health (_page_context).


class BuildError(Exception):
    """The build cannot run at all (no archive, unwritable _site); str() is one line."""


@dataclass(slots=True)
class PostRecord:
    """A post's header as the site needs it; cached between builds."""

    rel: str
    mtime_ns: int
    size: int
    digest: str
    title: str
    timestamp: float  # UTC seconds
    author: str
    link: str
    source: str
    tags: list[str]
    comments: bool
    base_url: str  # Jekyll's URL for it
    url: str = ""  # the URL it got (base_url, or base_url with -2… where Jekyll's would collide)
    month: str = ""  # YYYY-MM (UTC)
    # Display strings, computed once per post and URL (they cost more than everything else per post):
    # (url, base, href, ISO date, day, source page href)
    shown: tuple | None = None


@dataclass
class BuildReport:
    posts: int = 0
    parsed: int = 0
    rendered_posts: int = 0
    written: int = 0  # other files written (lists, feeds, pages, …)
    deleted: int = 0
    indexed_bundles: list[str] = field(default_factory=list)
    indexed_posts: int = 0
    collisions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    nothing_changed: bool = False

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# ---------------------------------------------------------------------------------------------------------------
# parsing (runs in workers)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def _parse_one(root: Path, rel: str, mtime_ns: int, size: int) -> PostRecord | tuple[str, str]:
    """The post's record, or (rel, the report's line) when it cannot be used."""
    path = root / rel
    try:
        data = path.read_bytes()
        post = parse_post(data.decode("utf-8"), path)
    except (OSError, UnicodeDecodeError, PostFormatError) as exc:
        return rel, f"{rel}: {exc}"
    name = path.name
    date = post.date or filename_date(name)
    if date is None:
        return rel, f"{rel}: no date (neither a date: line nor a YYYY-MM-DD- file name)"
    source = post.source or post.author or "未分类"
    try:
        base_url = post_url(name, date, post.front_matter)
    except (TypeError, ValueError) as exc:
        return rel, f"{rel}: cannot place the post: {exc}"
    return PostRecord(
        rel=rel,
        mtime_ns=mtime_ns,
        size=size,
        digest=_digest(data),
        title=post.title or name,
        timestamp=date.timestamp(),
        author=post.author,
        link=post.link,
        source=source,
        tags=post.tags,
        comments=post.comments,
        base_url=base_url,
    )


def _parse_chunk(items: list[tuple[str, int, int]]) -> list[PostRecord | tuple[str, str]]:
    root = render._STATE["root"]
    return [_parse_one(root, rel, mtime, size) for rel, mtime, size in items]


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------------------------
# the cache


def _load_cache(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            cache = pickle.load(handle)  # our own file under _site, written by this module
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return {}
    if not isinstance(cache, dict) or cache.get("version") != CACHE_VERSION:
        return {}
    return cache


_RECORD_FIELDS = PostRecord.__slots__


def _records_out(records: dict[str, PostRecord]) -> list[tuple]:
    # Tuples pickle several times faster than slotted dataclasses.
    return [tuple(getattr(r, f) for f in _RECORD_FIELDS) for r in records.values()]


def _records_in(rows: list[tuple]) -> dict[str, PostRecord]:
    return {row[0]: PostRecord(*row) for row in rows}


def _save_cache(path: Path, cache: dict) -> None:
    from newsmirror.files import atomic_write_bytes

    atomic_write_bytes(path, pickle.dumps(cache, protocol=pickle.HIGHEST_PROTOCOL))


def _sig(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# the build


@dataclass(slots=True)
class _Entry:
    """A post as list pages show it."""

    title: str
    href: str
    date_iso: str
    date_str: str
    source: str
    source_href: str
    key: str  # what a list page's signature depends on


def site_context(config: Config) -> dict:
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


# List URLs: number 0 is the front page (the newest posts); number k >= 1 is the k-th page counted from the
# oldest post, so that full pages never change (see list_pages in build_site).


def source_page_url(source: str, number: int = 0) -> str:
    stem = list_file_name(source)[: -len(".md")]  # lists/<source>.md is the Jekyll page at this URL
    return f"/lists/{stem}.html" if number == 0 else f"/lists/{stem}/page{number}.html"


def tag_page_url(tag: str, number: int = 0) -> str:
    stem = page_name(tag)
    return f"/tags/{stem}.html" if number == 0 else f"/tags/{stem}/page{number}.html"


def month_page_url(month: str, number: int = 0) -> str:
    return f"/archive/{month}.html" if number == 0 else f"/archive/{month}/page{number}.html"


def index_page_url(number: int) -> str:
    return "/" if number == 0 else f"/page/{number}/"  # not Jekyll's /pageN/ (newest-first, every page moves)


def source_feed_url(source: str) -> str:
    return f"/feed/{page_name(source)}.xml"  # where jekyll-feed puts a category's feed


class _Writer:
    """Writes outputs whose input signature changed since the last build, and remembers what exists."""

    def __init__(self, site_dir: Path, previous: dict[str, str]):
        self.site_dir = site_dir
        self.previous = previous
        self.current: dict[str, str] = {}
        self.written = 0

    def needs(self, out: str, signature: str) -> bool:
        signature = hashlib.blake2b(signature.encode("utf-8", "surrogatepass"), digest_size=12).digest()
        self.current[out] = signature
        # An output deleted by hand is not noticed (that would cost a stat per file); `build --full` restores it.
        return self.previous.get(out) != signature

    def write(self, out: str, text: str) -> None:
        if write_if_changed(self.site_dir / out, text):
            self.written += 1


def build_site(
    config: Config,
    progress: Progress | None = None,
    jobs: int | None = None,
    full: bool = False,
    with_search: bool = True,
) -> BuildReport:
    """Build `config.root`'s archive into `config.root/_site`; returns what was done."""
    started = time.perf_counter()
    root = config.root
    site_dir = root / SITE_DIR
    report = BuildReport()
    note = progress or (lambda stage, done, total: None)
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{site_dir}: cannot create the output folder: {exc.strerror or exc}") from None
    cache_path = site_dir / CACHE_NAME
    quick_path = site_dir / QUICK_NAME
    context = site_context(config)
    fingerprint = _sig(__version__, render.template_fingerprint(root), context, config.site.posts_per_page)

    # -- scan ------------------------------------------------------------------------------------------------
    scanned = Archive(root).scan_posts()
    quick = {} if full else _load_cache(quick_path)
    if (
        quick.get("fingerprint") == fingerprint
        and quick.get("scanned") == scanned
        and (not with_search or quick.get("search_complete"))
        and cache_path.exists()
    ):
        report.posts = quick.get("posts", 0)
        report.nothing_changed = True
        report.errors = list(quick.get("errors", []))
        report.collisions = list(quick.get("collisions", []))
        report.seconds = time.perf_counter() - started
        report.phases["scan"] = report.seconds
        return report
    cache = _load_cache(cache_path)
    if full:  # forget every signature and parsed post, but remember the outputs, to remove those now gone
        cache = {"outputs": dict.fromkeys(cache.get("outputs", {}), b"")}
    old_records: dict[str, PostRecord] = _records_in(cache.get("posts", []))
    search_state = cache.get("search", {}) if cache.get("fingerprint") == fingerprint else {}  # the last index
    report.phases["scan"] = time.perf_counter() - started

    to_parse = [
        (rel, mtime, size)
        for rel, (mtime, size) in scanned.items()
        if (old := old_records.get(rel)) is None or old.mtime_ns != mtime or old.size != size
    ]
    records: dict[str, PostRecord] = {rel: old_records[rel] for rel in scanned if rel in old_records}
    workers = jobs or os.cpu_count() or 1
    render.init_worker(str(root), str(site_dir), context)
    pool: ProcessPoolExecutor | None = None

    def get_pool() -> ProcessPoolExecutor:
        nonlocal pool
        if pool is None:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=get_context("fork"),
                initializer=render.init_worker,
                initargs=(str(root), str(site_dir), context),
            )
        return pool

    try:
        # -- parse ---------------------------------------------------------------------------------------------
        phase = time.perf_counter()
        # rel → the report's line, for posts that cannot be used: keyed by the post, not by splitting the line (a
        # file name may hold ": " itself)
        post_errors: dict[str, str] = {}
        if to_parse:
            note("parse", 0, len(to_parse))
            if len(to_parse) >= PARALLEL_MIN and workers > 1:
                results_iter = get_pool().map(_parse_chunk, _chunks(to_parse, 500))
            else:
                results_iter = map(_parse_chunk, _chunks(to_parse, 500))
            done = 0
            for chunk in results_iter:
                for result in chunk:
                    if isinstance(result, tuple):
                        post_errors[result[0]] = result[1]
                    else:
                        records[result.rel] = result
                done += len(chunk)
                note("parse", done, len(to_parse))
        failed = set(post_errors)
        for rel in failed:
            records.pop(rel, None)
        # Files that failed before and are unchanged still fail: keep their message.
        for rel, line in cache.get("post_errors", {}).items():
            if rel in scanned and rel not in records and rel not in failed:
                post_errors[rel] = line
        report.errors = sorted(post_errors.values())
        unreadable = len(post_errors)  # posts that cannot be read (render failures are added below)
        report.parsed = len(to_parse)
        report.phases["parse"] = time.perf_counter() - phase

        # -- place ---------------------------------------------------------------------------------------------
        phase = time.perf_counter()
        ordered = sorted(records.values(), key=lambda r: (r.timestamp, r.rel))
        taken: dict[str, str] = {}
        collisions: list[str] = []
        reserved = {r.base_url for r in ordered}
        for record in ordered:
            url = record.base_url
            if url in taken:
                n = 2
                while with_suffix(url, n) in taken or with_suffix(url, n) in reserved:
                    n += 1
                url = with_suffix(url, n)
                collisions.append(
                    f"{record.rel}: Jekyll would put it at {record.base_url} over {taken[record.base_url]}; "
                    f"built at {url}"
                )
            taken[url] = record.rel
            record.url = url
        report.collisions = collisions
        report.posts = len(ordered)

        base = context["site"]["baseurl"]
        source_hrefs = {source: href(source_page_url(source), base) for source in {r.source for r in ordered}}
        entries: dict[str, _Entry] = {}
        for record in ordered:
            shown = record.shown
            if shown is None or shown[0] != record.url or shown[1] != base:
                iso, day, _ = render.date_strings(record.timestamp)
                record.month = day[:7]
                shown = record.shown = (record.url, base, href(record.url, base), iso, day)
            entries[record.rel] = _Entry(
                title=record.title,
                href=shown[2],
                date_iso=shown[3],
                date_str=shown[4],
                source=record.source,
                source_href=source_hrefs[record.source],
                key=f"{shown[2]}\x00{record.title}\x00{shown[4]}\x00{record.source}",
            )
        by_source: dict[str, list[PostRecord]] = {}
        by_tag: dict[str, list[PostRecord]] = {}
        by_month: dict[str, list[PostRecord]] = {}
        for record in ordered:
            by_source.setdefault(record.source, []).append(record)
            for tag in dict.fromkeys(record.tags):
                by_tag.setdefault(tag, []).append(record)
            by_month.setdefault(record.month, []).append(record)
        report.phases["place"] = time.perf_counter() - phase

        # -- post pages ----------------------------------------------------------------------------------------
        phase = time.perf_counter()
        old_outputs: dict[str, str] = cache.get("outputs", {}) if cache.get("fingerprint") == fingerprint else {}
        writer = _Writer(site_dir, old_outputs)
        post_jobs: list[render.PostJob] = []
        tag_hrefs = {tag: href(tag_page_url(tag), base) for tag in by_tag}
        for posts in by_source.values():
            for i, record in enumerate(posts):
                prev = posts[i - 1] if i > 0 else None
                nxt = posts[i + 1] if i + 1 < len(posts) else None
                entry = entries[record.rel]
                prev_key = entries[prev.rel].key if prev else ""
                next_key = entries[nxt.rel].key if nxt else ""
                out = output_path(record.url)
                signature = "\x01".join(
                    (record.digest, entry.key, prev_key, next_key, entry.source_href, str(record.comments), *record.tags)
                )
                if not writer.needs(out, signature):
                    continue
                post_jobs.append(
                    render.PostJob(
                        rel=record.rel,
                        out=out,
                        href=entry.href,
                        source=record.source,
                        source_href=entry.source_href,
                        prev=(prev.title, entries[prev.rel].href) if prev else None,
                        next=(nxt.title, entries[nxt.rel].href) if nxt else None,
                        tags=[(t, tag_hrefs[t]) for t in dict.fromkeys(record.tags)],
                        title=record.title,
                        timestamp=record.timestamp,
                        author=record.author,
                        link=record.link,
                        comments=record.comments,
                    )
                )
        if post_jobs:
            note("render", 0, len(post_jobs))
            if len(post_jobs) >= PARALLEL_MIN and workers > 1:
                results = get_pool().map(render.render_posts, _chunks(post_jobs, 200))
            else:
                results = map(render.render_posts, _chunks(post_jobs, 200))
            done = 0
            for chunk in results:
                for rel, error in chunk:
                    if error:
                        post_errors[rel] = f"{rel}: {error}"
                        report.errors.append(post_errors[rel])
                done += len(chunk)
                note("render", done, len(post_jobs))
        report.rendered_posts = len(post_jobs)
        report.phases["posts"] = time.perf_counter() - phase

        # -- search, in the background: Pagefind reads the post pages just written while lists are rendered ------
        plan = search.plan_bundles(search_state, [(r.url, r.digest + r.url) for r in ordered])
        search_problems: list[str] = []
        indexer: threading.Thread | None = None
        if with_search:
            note("search", 0, max(1, len(plan.dirty)))
            url_to_out = {r.url: output_path(r.url) for r in ordered}

            def index() -> None:
                search_problems.extend(
                    search.index_bundles(site_dir, plan, url_to_out, workers, lambda d, t: note("search", d, t))
                )

            indexer = threading.Thread(target=index, name="pagefind", daemon=True)
            indexer.start()

        # -- list pages, feeds, sitemap, pages -------------------------------------------------------------------
        phase = time.perf_counter()
        env = render._STATE["env"]
        list_template = env.get_template("list.html")

        def list_pages(
            records_oldest_first: list[PostRecord],
            url_for: Callable[[int], str],
            per_page: int,
            heading: str,
            show_source: bool,
            feed_href: str | None = None,
        ) -> None:
            """The front page (url_for(0)) shows the newest `per_page`; older posts sit on numbered pages that
            count from the oldest (url_for(1) holds the first `per_page` posts ever), so a page, once full,
            never changes again and adding posts re-renders only the front page and the newest numbered one."""
            n = len(records_oldest_first)
            chunks = -(-n // per_page) if n > per_page else 0

            def page(out_url: str, shown: list[PostRecord], newer: str | None, older: str | None, label: str) -> None:
                pager = {"newer_href": newer, "older_href": older, "label": label}
                keys = [entries[r.rel].key for r in shown]
                signature = "\x01".join((heading, str(pager), str(show_source), str(feed_href), *keys))
                out = output_path(out_url)
                if writer.needs(out, signature):
                    writer.write(
                        out,
                        list_template.render(
                            **context,
                            heading=heading,
                            posts=[entries[r.rel] for r in shown],
                            pager=pager,
                            show_source=show_source,
                            feed_href=feed_href,
                        ),
                    )

            front = records_oldest_first[-per_page:][::-1]
            first_older = (n - per_page - 1) // per_page + 1 if chunks else None
            page(url_for(0), front, None, href(url_for(first_older), base) if first_older else None, "")
            for k in range(1, chunks + 1):
                shown = records_oldest_first[(k - 1) * per_page : k * per_page][::-1]
                newer = href(url_for(k + 1) if k < chunks else url_for(0), base)
                older = href(url_for(k - 1), base) if k > 1 else None
                page(url_for(k), shown, newer, older, f"第 {k} 页")  # no page total: full pages stay unchanged

        list_pages(ordered, index_page_url, max(1, config.site.posts_per_page), "", True)
        for source, posts in by_source.items():
            list_pages(posts, lambda n, s=source: source_page_url(s, n), LIST_PER_PAGE, source, False,
                       href(source_feed_url(source), base))
        for tag, posts in by_tag.items():
            list_pages(posts, lambda n, t=tag: tag_page_url(t, n), LIST_PER_PAGE, f"#{tag}", True)
        for month, posts in by_month.items():
            list_pages(posts, lambda n, m=month: month_page_url(m, n), LIST_PER_PAGE, month, True)
        note("lists", 1, 1)

        # feeds
        from newsmirror.site.atom import render_feed

        feed_sets = [("feed.xml", config.site.title, ordered[-FEED_ENTRIES:][::-1], "/")]
        for source, posts in by_source.items():
            feed_sets.append(
                (output_path(source_feed_url(source)), f"{source} · {config.site.title}", posts[::-1][:FEED_ENTRIES],
                 source_page_url(source))
            )
        for out, title, posts, home in feed_sets:
            signature = _sig(title, home, [(r.url, r.digest) for r in posts])
            if writer.needs(out, signature):
                writer.write(out, render_feed(env, context, root, title, out, home, posts))

        # sitemap and robots.txt
        site_url = context["site"]["url"]
        urls = [href("/", base), *(r.shown[2] for r in ordered), *source_hrefs.values()]
        sitemap_files = []
        for i, part in enumerate(_chunks(urls, SITEMAP_MAX)):
            name = "sitemap.xml" if len(urls) <= SITEMAP_MAX else f"sitemap-{i + 1}.xml"
            sitemap_files.append(name)
            body = "".join(f"<url><loc>{_xml(site_url + u)}</loc></url>\n" for u in part)
            text = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n"
            )
            if writer.needs(name, _sig(text)):
                writer.write(name, text)
        if len(sitemap_files) > 1:
            text = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                + "".join(f"<sitemap><loc>{_xml(site_url + href('/' + n, base))}</loc></sitemap>\n" for n in sitemap_files)
                + "</sitemapindex>\n"
            )
            if writer.needs("sitemap.xml", _sig(text)):
                writer.write("sitemap.xml", text)
        robots = f"User-agent: *\nAllow: /\nSitemap: {site_url}{href('/sitemap.xml', base)}\n"
        if writer.needs("robots.txt", _sig(robots)):
            writer.write("robots.txt", robots)

        search_ctx = search.ui_context(plan, base)

        # pages: every template under pages/ (the package's and the archive's _templates/pages/)
        page_ctx = {
            **context,
            "sources": [
                {
                    "name": s,
                    "count": len(p),
                    "href": href(source_page_url(s), base),
                    "feed_href": href(source_feed_url(s), base),
                    "last_str": render.date_strings(p[-1].timestamp)[2],
                }
                for s, p in sorted(by_source.items())
            ],
            "tags": [
                {"name": t, "count": len(p), "href": href(tag_page_url(t), base)}
                for t, p in sorted(by_tag.items(), key=lambda item: (-len(item[1]), item[0]))
            ],
            "months": [
                {"name": m, "count": len(p), "href": href(month_page_url(m), base)}
                for m, p in sorted(by_month.items(), reverse=True)
            ],
            "search": search_ctx,
            "posts_total": len(ordered),
            "data": _site_data(root, report.errors),
        }
        for name in page_templates(env):
            extra = _page_context(name, config, ordered, unreadable)
            text = env.get_template(f"pages/{name}").render(**page_ctx, **extra)
            if writer.needs(name, _sig(text)):
                writer.write(name, text)
        css = env.loader.get_source(env, "style.css")[0] if _has_template(env, "style.css") else None
        if css is None:
            css = (Path(__file__).parent / "static" / "style.css").read_text(encoding="utf-8")
        if writer.needs("assets/style.css", _sig(css)):
            writer.write("assets/style.css", css)
        report.phases["lists"] = time.perf_counter() - phase  # the search index is being built meanwhile

        # -- remove what no longer exists --------------------------------------------------------------------------
        for out in set(cache.get("outputs", {})) - set(writer.current):
            if output_path(out) != out:  # a cache entry that would reach outside _site/ (or was never ours)
                continue
            try:
                (site_dir / out).unlink()
                report.deleted += 1
            except FileNotFoundError:
                pass
        report.written = writer.written
    finally:
        if pool is not None:
            pool.shutdown()

    # -- search: wait for the indexer --------------------------------------------------------------------------
    phase = time.perf_counter()
    search_complete = False
    if indexer is not None:
        indexer.join()
        report.errors.extend(search_problems)
        report.indexed_bundles = sorted(plan.dirty)
        report.indexed_posts = sum(len(plan.state["bundles"][b]) for b in plan.dirty if b in plan.state["bundles"])
        search_complete = not search_problems
        search_state = plan.state if not search_problems else {}  # after a failure: index everything next time
    report.phases["search"] = time.perf_counter() - phase

    kept_errors = {rel: line for rel, line in post_errors.items() if rel in scanned}
    _save_cache(
        cache_path,
        {
            "version": CACHE_VERSION,
            "fingerprint": fingerprint,
            "posts": _records_out(records),
            "outputs": writer.current,
            "post_errors": kept_errors,
            "search": search_state,
        },
    )
    _save_cache(
        quick_path,
        {
            "version": CACHE_VERSION,
            "fingerprint": fingerprint,
            "scanned": scanned,
            "posts": len(records),
            "errors": sorted(kept_errors.values()),
            "collisions": report.collisions,
            "search_complete": search_complete,
        },
    )
    report.seconds = time.perf_counter() - started
    return report


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _has_template(env, name: str) -> bool:
    try:
        env.loader.get_source(env, name)
    except Exception:
        return False
    return True


def page_templates(env) -> list[str]:
    """Every page template: `pages/<name>.html` in the package or the archive's `_templates/pages/` → `/<name>.html`.

    This is the one place extra pages come from: drop a template in either folder and it is built.
    """
    return sorted({name[len("pages/") :] for name in env.list_templates() if name.startswith("pages/")})


def _page_context(name: str, config: Config, posts: list[PostRecord], unreadable: int) -> dict:
    """The status page's sources' health, from the posts this build read (no second scan of the archive)."""
    if name != "status.html":
        return {}
    from newsmirror.site.status import status_page_context

    stamps = [(r.source, datetime.fromtimestamp(r.timestamp, UTC).isoformat()) for r in posts]
    return status_page_context(config, stamps, unreadable)


def _site_data(root: Path, errors: list[str]) -> dict:
    """`_data/*.json|yml|yaml`, as Jekyll's site.data: pages use it as `data.<name>`."""
    import json

    import yaml

    data: dict = {}
    folder = root / "_data"
    if not folder.is_dir():
        return data
    for path in sorted(folder.iterdir()):
        try:
            if path.suffix == ".json":
                data[path.stem] = json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix in (".yml", ".yaml"):
                data[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError) as exc:
            errors.append(f"_data/{path.name}: {str(exc).splitlines()[0]}")
    return data
