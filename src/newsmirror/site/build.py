"""`newsmirror build`: the archive's posts → static HTML in _site/, incrementally, on every core.

One build is a list of phases, each in its own module:
  scan       site/scan.py       stat every post; read the new and changed ones (worker processes: site/pool.py)
  place      site/placement.py  every post's URL (keeping both posts where Jekyll's slugs collide) and list entry
  posts      site/postpages.py  render the post pages whose inputs changed (site/render.py)
  search     site/search.py     re-index the Pagefind bundles holding changed posts, in the background
             site/indexer.py    (for a new post with kana, a Pagefind process started with the build)
  lists      site/lists.py      the front page, source, tag and month pages whose posts changed
             site/atom.py, sitemap.py, pages.py: feeds, sitemap and robots.txt, extra pages and the stylesheet
  images     site/assets.py     the mirrored images the posts point at (only the new ones)
  clean up   site/outputs.py    drop outputs that no longer exist
  save       site/cache.py      the build cache (_site/.newsmirror-build*.cache): each post's parsed header and
                                each output's input signature, so a build with nothing changed writes nothing;
                                usually only what changed since the cache was last written in full.
Every URL and output path comes from site/urls.py.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsmirror import __version__
from newsmirror.archive.layout import Archive
from newsmirror.archive.revisions import scan_records
from newsmirror.archive.state import state_files_signature
from newsmirror.config import Config
from newsmirror.site.cache import (
    CACHE_NAME,
    BuildCache,
    QuickCache,
    load_build_cache,
    load_quick_cache,
    save_build_cache,
    save_quick_cache,
)
from newsmirror.site.outputs import Outputs, signature
from newsmirror.site.render import Renderer, site_context, template_fingerprint
from newsmirror.site.scan import PostRecord, PostsRead, Scanned, digest, page_file, read_chunk, read_posts

if TYPE_CHECKING:  # the phases' modules are imported when there is work (see build_site)
    from newsmirror.site import search
    from newsmirror.site.history import Histories, Records
    from newsmirror.site.indexer import Indexer
    from newsmirror.site.pages import PageInputs
    from newsmirror.site.placement import Placement
    from newsmirror.site.pool import Workers

SITE_DIR = "_site"
READ_CHUNK = 500  # posts per task of the scan
KANA_PROBE = 1000  # changed post files read for kana before the build knows which bundles it indexes

BuildProgress = Callable[[str, int, int], None]  # (phase, done, total)


class BuildError(Exception):
    """The build cannot run at all (no archive, unwritable _site); str() is one line."""


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
    warnings: list[str] = field(default_factory=list)  # nothing lost, something to look at
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    nothing_changed: bool = False

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class SearchOutcome:
    state: Mapping[str, Any]  # the index's plan to remember (search.Plan.state), or {} to index everything next time
    complete: bool  # every bundle indexed in this build


def build_site(
    config: Config,
    progress: BuildProgress | None = None,
    jobs: int | None = None,
    full: bool = False,
    with_search: bool = True,
) -> BuildReport:
    """Build `config.root`'s archive into `config.root/_site`; returns what was done."""
    with _fewer_collections():
        return _build(config, progress or _quiet, jobs, full, with_search)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while building. The build holds a record per post, and each of CPython's
    frequent collections walks them all: on the 28,589-post archive of benchmarks/build.py --real, reading the cache
    and placing the posts took 0.57–0.65 s with the default thresholds, 0.49–0.52 s with these (+100 posts, no
    search, 2 runs each); the peak memory stayed 265 MB."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build(config: Config, note: BuildProgress, jobs: int | None, full: bool, with_search: bool) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    site_dir = _make_site_dir(config.root / SITE_DIR)
    context = site_context(config)
    fingerprint = signature(__version__, template_fingerprint(config.root), context, config.site.posts_per_page)
    scanned = Archive(config.root).scan_posts()
    records = scan_records(config.root)  # the edits and deletions recorded (archive/revisions.py)
    quick = None if full else load_quick_cache(site_dir)
    state_files = state_files_signature(Archive(config.root))  # source health, shown on the status page
    if (quick and quick.records == records and quick.state == state_files
            and _nothing_changed(quick, fingerprint, scanned, with_search, site_dir)):  # fmt: skip
        return _unchanged_report(report, quick, started)
    # Only a build with work to do loads the phases (Jinja2, the pool, Pagefind's runner, …): a third of the time
    # of a build with nothing changed went to importing them.
    from newsmirror.site import search
    from newsmirror.site.assets import sync_images
    from newsmirror.site.history import load_histories
    from newsmirror.site.pages import PageInputs
    from newsmirror.site.placement import place_posts
    from newsmirror.site.pool import Workers

    cache = load_build_cache(site_dir)
    if full:
        cache = cache.forget_all_but_outputs()
    with _warm_japanese(config.root, scanned, quick, cache, with_search) as warm_japanese:
        # Outputs and a search index made with other templates or settings are all made again.
        same_kind = cache.fingerprint == fingerprint
        previous_outputs, previous_index = (cache.outputs, cache.search) if same_kind else ({}, {})
        report.phases["scan"] = time.perf_counter() - started

        renderer = Renderer(config.root, site_dir, context)
        with Workers(renderer, jobs or os.cpu_count() or 1) as workers:
            with _phase(report, "parse"):
                posts = _read_posts(workers, scanned, cache, note, report)
            unreadable = len(posts.errors)  # posts that cannot be read (render failures are added below)
            with _phase(report, "place"):
                placement = place_posts(posts.records, context["site"]["baseurl"])
                report.collisions, report.posts = placement.collisions, len(placement.ordered)
            outputs = Outputs(site_dir, previous_outputs)
            histories = load_histories(config.root, placement.by_name)
            report.errors.extend(histories.problems)
            with _phase(report, "posts"):
                _post_pages(workers, placement, outputs, posts, note, report, histories)
            plan = search.plan_bundles(
                previous_index, [(r.url, r.digest + r.url) for r in placement.ordered],
                japanese={r.url for r in placement.ordered if r.japanese}, sizes={r.url: r.size for r in placement.ordered},
            )
            index = _start_index(site_dir, plan, placement, workers.processes, note, warm_japanese) if with_search else None
            try:
                with _phase(report, "lists"):  # the search index is being built meanwhile
                    _lists_and_pages(renderer, PageInputs(config, placement, unreadable, histories), plan, outputs, report, note)
                report.deleted = outputs.remove_gone(cache.outputs)
                report.written = outputs.written
                with _phase(report, "images"):
                    report.written += sync_images(config.root, site_dir)
            except BaseException:  # Ctrl-C, a full disk: no further Pagefind run starts
                if index:
                    index.cancel()
                raise

        with _phase(report, "search"):
            indexed = _finish_index(index, plan, report) if index else SearchOutcome(previous_index, complete=False)
        _save(site_dir, BuildCache(fingerprint, posts.records, outputs.current, {}, indexed.state, base=cache.base),
              scanned, posts, report, histories.records, indexed.complete)
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _warm_japanese(
    root: Path, scanned: Scanned, quick: QuickCache | None, cache: BuildCache, with_search: bool
) -> Iterator[Indexer | None]:
    """When a post whose text is new since the last build holds kana, a Pagefind process for its search bundle,
    started now: it loads the Japanese dictionary while the posts are parsed and rendered (site/indexer.py)."""
    from newsmirror.site.indexer import Indexer, IndexerError

    indexer = None
    if with_search and _kana_added(root, scanned, quick, cache.records):
        try:
            indexer = Indexer.start()
        except IndexerError:  # no Pagefind to start: the bundle's run of the command says so
            indexer = None
    try:
        yield indexer
    except BaseException:
        if indexer is not None:
            indexer.kill()  # the index thread may be reading from it: it lets go of the pipes itself
        raise
    if indexer is not None:
        indexer.close()


def _kana_added(
    root: Path, scanned: Scanned, quick: QuickCache | None, known: Mapping[str, PostRecord]
) -> bool:
    """Whether a post file whose text is new since the last build holds kana. The files the last build did not see
    as they are (`quick`: every file it saw, those it could not read included) are read, at most KANA_PROBE of them
    (a rebuild that large gains little from the head start); one whose text is the one the cache knows (a touched
    file) is not new."""
    from newsmirror.site.search import needs_japanese

    seen_before = quick.scanned if quick else {}
    unsure = [rel for rel, seen in scanned.items() if seen_before.get(rel) != seen]
    if len(unsure) > KANA_PROBE:
        return False
    for rel in unsure:
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        if (rel not in known or known[rel].digest != digest(data)) and needs_japanese(data):
            return True
    return False


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def _make_site_dir(site_dir: Path) -> Path:
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{site_dir}: cannot create the output folder: {exc.strerror or exc}") from None
    return site_dir


@contextmanager
def _phase(report: BuildReport, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    report.phases[name] = time.perf_counter() - started


def _nothing_changed(quick: QuickCache, fingerprint: str, scanned: Scanned, with_search: bool, site_dir: Path) -> bool:
    """The last build saw these very files with these templates and settings (and finished the index if asked)."""
    return (
        quick.fingerprint == fingerprint
        and quick.scanned == scanned
        and (not with_search or quick.search_complete)
        and (site_dir / CACHE_NAME).exists()
    )


def _unchanged_report(report: BuildReport, quick: QuickCache, started: float) -> BuildReport:
    report.posts = quick.posts
    report.nothing_changed = True
    report.errors = list(quick.errors)
    report.collisions = list(quick.collisions)
    report.seconds = time.perf_counter() - started
    report.phases["scan"] = report.seconds
    return report


def _read_posts(workers: Workers, scanned: Scanned, cache: BuildCache, note: BuildProgress, report: BuildReport) -> PostsRead:
    posts = read_posts(
        scanned,
        cache.records,
        cache.post_errors,
        lambda files: workers.map(read_chunk, files, READ_CHUNK),
        lambda done, total: note("parse", done, total),
    )
    report.errors = sorted(posts.errors.values())
    report.parsed = posts.parsed
    return posts


def _post_pages(
    workers: Workers, placement: Placement, outputs: Outputs, posts: PostsRead, note: BuildProgress, report: BuildReport,
    histories: Histories,
) -> None:
    from newsmirror.site.postpages import post_jobs, render_post_pages

    jobs = post_jobs(placement, outputs, histories.by_post, workers.renderer.context["site"]["baseurl"])
    failures = render_post_pages(workers, jobs, lambda done, total: note("render", done, total))
    posts.errors.update(failures)  # remembered in the cache with the posts that cannot be read
    report.errors.extend(failures.values())
    report.rendered_posts = len(jobs)


def _start_index(
    site_dir: Path, plan: search.Plan, placement: Placement, processes: int, note: BuildProgress, warm_japanese: Indexer | None
) -> search.BackgroundIndex:
    """Pagefind reads the post pages just written while the lists are rendered."""
    from newsmirror.site import search

    note("search", 0, max(1, len(plan.dirty)))
    staged = {url for bundle in plan.dirty for url in plan.state["bundles"].get(bundle, ())}  # usually 100 posts
    url_to_out = {r.url: page_file(r) for r in placement.ordered if r.url in staged}
    progress = lambda done, total: note("search", done, total)  # noqa: E731
    return search.BackgroundIndex(partial(search.index_bundles, site_dir, plan, url_to_out, processes, progress, warm_japanese))


def _lists_and_pages(
    renderer: Renderer, inputs: PageInputs, plan: search.Plan, outputs: Outputs, report: BuildReport, note: BuildProgress
) -> None:
    from newsmirror.site import search
    from newsmirror.site.atom import write_feeds
    from newsmirror.site.history import write_history_pages
    from newsmirror.site.lists import write_lists
    from newsmirror.site.pages import write_pages
    from newsmirror.site.sitemap import write_sitemap

    site = renderer.context["site"]
    write_lists(renderer, inputs.placement, outputs, inputs.config.site.posts_per_page)
    note("lists", 1, 1)
    write_feeds(renderer, inputs.placement, outputs)
    if inputs.histories is not None:
        write_history_pages(renderer, inputs.placement, inputs.histories, outputs)
    write_sitemap(inputs.placement, site["url"], site["baseurl"], outputs)
    report.errors.extend(write_pages(renderer, inputs, search.ui_context(plan, site["baseurl"]), outputs))


def _finish_index(index: search.BackgroundIndex, plan: search.Plan, report: BuildReport) -> SearchOutcome:
    problems = index.wait()
    report.phases["pagefind"] = index.seconds
    report.errors.extend(problems)
    report.warnings.extend(index.warnings)
    report.indexed_bundles = sorted(plan.dirty)
    report.indexed_posts = sum(len(plan.state["bundles"][b]) for b in plan.dirty if b in plan.state["bundles"])
    if problems:  # after a failure: index everything next time
        return SearchOutcome({}, complete=False)
    return SearchOutcome(plan.state, complete=True)


def _save(
    site_dir: Path, cache: BuildCache, scanned: Scanned, posts: PostsRead, report: BuildReport, records: Records,
    complete: bool,
) -> None:
    """The build cache (as a delta against the base it was read from where it can: site/cache.py), then the quick one."""
    cache.post_errors = {rel: line for rel, line in posts.errors.items() if rel in scanned}
    save_build_cache(site_dir, cache)
    quick = QuickCache(
        fingerprint=cache.fingerprint,
        scanned=scanned,
        posts=len(posts.records),
        errors=sorted(cache.post_errors.values()),
        collisions=report.collisions,
        search_complete=complete,
        records=records,
        state=state_files_signature(Archive(site_dir.parent)),  # after the build: reading the status may move it
    )
    save_quick_cache(site_dir, quick)
