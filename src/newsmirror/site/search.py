"""Full-text search with Pagefind, split into bundles so that a rebuild re-indexes only what changed.

Pagefind has no incremental mode, and indexing ~30,000 posts takes tens of seconds. Posts are therefore
spread over several Pagefind bundles (`_site/pagefind/<id>/`), merged in the browser with Pagefind UI's
`mergeIndex`: sealed bundles of up to SEALED_SIZE posts, and one open bundle that takes a build's new posts
while they fit in OPEN_CAP (else it is sealed and they start a new one). A build re-indexes only bundles that
gained, lost or changed a post, which after a fetch is usually the small open bundle alone. Small sealed bundles
are folded together when there are too many, so that the bundles a search loads stay few.

Posts with Japanese kana are kept in bundles of their own (see JAPANESE): only the Pagefind runs over those
load its Japanese dictionary.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from newsmirror.site.indexer import LANGUAGE, Indexer, IndexerError, pagefind_environment, pagefind_executable
from newsmirror.site.urls import SEARCH_BUNDLES, href, search_bundle_url

# Measured with Pagefind 1.5 on the real posts (benchmarks/build.py --real): one Pagefind run over 500 posts takes
# ~13 ms a post and peaks at ~630 MB; over 1,000, ~15 ms and 1 GB; over 2,000, ~20 ms and 1.8 GB (its time and
# memory grow faster than the posts; these runs included the Japanese dictionary, see JAPANESE). Bundles of 500
# keep a build's largest process near 600 MB and are the fastest to index, for more bundles merged in the browser
# (a search fetches a small index chunk from each).
SEALED_SIZE = 500
# … and of up to SEALED_BYTES of post files: Pagefind's memory follows the text, not the count. Over the 57 full
# bundles of the 28,589-post benchmark archive, a run's peak was ≈ 176 MB + 18.5 × the MB of its posts (± 150 MB):
# 500 early posts (5 MB) peaked at 201 MB, 500 recent ones (21 MB) at 686 MB. At 15 MB it stays near 600 MB.
SEALED_BYTES = 15_000_000
# An open bundle is indexed again by every build that adds to it, so the hourly cost grows with it: with 500,
# 2,000 real posts and 100 new ones an hour, the hourly builds took 2.5–5.4 s (median 4.6 s over 8 hours) as the
# open bundles filled. Sealed at OPEN_CAP, they are folded into bundles of up to SEALED_SIZE now and then.
OPEN_CAP = 100
JAPANESE_OPEN_CAP = 50  # its runs already pay ~1 s for the dictionary
MAX_SMALL_SEALED = 4
# Below it a sealed bundle is small, to be folded; a fold of the newest small ones (as many as fit in SEALED_SIZE)
# makes one that is not, so folds come every few hours, not every hour.
SMALL_SIZE = SEALED_SIZE // 2
# Pagefind segments kana (U+3040–U+30FF, the katakana middle dot of Chinese names included; measured char by
# char) with lindera's Japanese dictionary, which a run loads on the first kana it meets: ~1 s and ~280 MB more
# for that run, even for one "の" among 500 Chinese posts. 37 of the 5,685 real posts hold kana; kept apart, they
# cost one run that, and every other bundle indexes faster (500 real posts: 2.3–3.3 s and ≤ 560 MB instead of
# 2.6–5.2 s and ≤ 800 MB). In UTF-8 these characters are exactly the sequences starting E3 81, E3 82 or E3 83.
JAPANESE = re.compile(rb"\xe3[\x81-\x83]")
BUNDLES_DIR = SEARCH_BUNDLES
STAGE_DIR = ".search-stage"
RUN_WITHIN = 600.0  # seconds for one run of the command: 500 real posts with kana take ~6–10 s here


def needs_japanese(post_file: bytes) -> bool:
    """Whether the post (its file's UTF-8 bytes) belongs in the bundles of posts with kana."""
    return JAPANESE.search(post_file) is not None


class BundleState(TypedDict):
    """Which posts each bundle holds; a plain dict, kept in the build cache."""

    bundles: dict[str, list[str]]  # bundle id → its posts' URLs
    order: list[str]  # bundle ids, oldest first
    sigs: dict[str, str]  # URL → the post's content signature when indexed
    next: int  # the number of the last bundle id handed out
    open: list[str]  # the bundle that takes new posts without kana ([] for none: the next new posts open one)
    japanese: list[str]  # the bundles of posts with kana, oldest first; the last takes new ones until full


@dataclass
class Plan:
    state: BundleState
    dirty: set[str] = field(default_factory=set)  # bundles to index again


def _new_id(state: BundleState) -> str:
    state["next"] += 1
    return f"b{state['next']}"


def plan_bundles(
    previous: Mapping[str, Any],
    posts: list[tuple[str, str]],
    japanese: AbstractSet[str] = frozenset(),
    sizes: Mapping[str, int] | None = None,
) -> Plan:
    """Assign every post (url, content signature), oldest first, to a bundle; say which bundles need indexing.
    New posts whose URL is in `japanese` (needs_japanese) go to the bundles of posts with kana; `sizes` (URL → its
    post file's bytes) bounds what a sealed bundle holds."""
    current = dict(posts)
    sizes = sizes or {}
    if not previous or "bundles" not in previous:
        return _first_plan(posts, japanese, sizes)
    state: BundleState = {
        "bundles": {k: list(v) for k, v in previous["bundles"].items()},
        "order": list(previous["order"]),
        "sigs": dict(previous["sigs"]),
        "next": previous["next"],
        "open": list(previous.get("open") or []),
        "japanese": list(previous.get("japanese", [])),
    }
    dirty: set[str] = set()
    placed = _keep_current(state, current, dirty)
    new = [url for url, _ in posts if url not in placed]
    filled = _add_new(state, state["open"][-1:], [url for url in new if url not in japanese], OPEN_CAP, dirty)
    state["open"] = filled[-1:] or state["open"][-1:]
    filled = _add_new(state, state["japanese"][-1:], [url for url in new if url in japanese], JAPANESE_OPEN_CAP, dirty)
    state["japanese"] += [b for b in filled if b not in state["japanese"]]
    family = set(state["japanese"])
    _fold_small(state, [b for b in state["order"] if b not in family and b not in state["open"]], dirty, sizes)
    _fold_small(state, state["japanese"][:-1], dirty, sizes)
    for bundle in [b for b in state["order"] if not state["bundles"][b]]:
        state["order"].remove(bundle)
        del state["bundles"][bundle]
        dirty.discard(bundle)
    state["japanese"] = [b for b in state["japanese"] if b in state["bundles"]]
    state["open"] = [b for b in state["open"] if b in state["bundles"]]
    state["sigs"] = current
    return Plan(state, dirty)


def _first_plan(posts: list[tuple[str, str]], japanese: AbstractSet[str], sizes: Mapping[str, int]) -> Plan:
    """No index yet: full sealed bundles (_runs), those of the posts with kana apart; every one to index."""
    state: BundleState = {"bundles": {}, "order": [], "sigs": dict(posts), "next": 0, "open": [], "japanese": []}
    urls = [url for url, _ in posts]
    dirty: set[str] = set()
    for family in ([u for u in urls if u not in japanese], [u for u in urls if u in japanese]):
        for run in _runs(family, sizes):
            bundle = _new_id(state)
            state["bundles"][bundle] = run
            state["order"].append(bundle)
            dirty.add(bundle)
            if family[0] in japanese:
                state["japanese"].append(bundle)
    return Plan(state, dirty)


def _keep_current(state: BundleState, current: dict[str, str], dirty: set[str]) -> set[str]:
    """Drop the posts gone from each bundle; a bundle that lost or holds a changed post is dirty. Returns the posts
    that have a bundle."""
    placed: set[str] = set()
    for bundle in state["order"]:
        kept = []
        for url in state["bundles"][bundle]:
            if url not in current:
                dirty.add(bundle)
                continue
            if state["sigs"].get(url) != current[url]:
                dirty.add(bundle)
            kept.append(url)
            placed.add(url)
        state["bundles"][bundle] = kept
    return placed


def _add_new(state: BundleState, opened: list[str], new_urls: list[str], cap: int, dirty: set[str]) -> list[str]:
    """New posts go to the open bundle (`opened`: it, or none) if they all fit in it. Else it is sealed as it is and
    they fill new bundles of `cap` (topping it up would index a nearly full bundle again for a few posts). Returns
    the bundles they went to, oldest first."""
    bundles = state["bundles"]
    if opened and (opened[0] not in bundles or len(bundles[opened[0]]) + len(new_urls) > cap):
        opened = []
    filled = list(opened) if new_urls else []
    for url in new_urls:
        if not filled or len(bundles[filled[-1]]) >= cap:
            filled.append(_new_id(state))
            bundles[filled[-1]] = []
            state["order"].append(filled[-1])
        bundles[filled[-1]].append(url)
        dirty.add(filled[-1])
    return filled


def _runs(urls: list[str], sizes: Mapping[str, int]) -> list[list[str]]:
    """`urls` cut into runs of up to SEALED_SIZE posts and SEALED_BYTES (a larger post alone makes a run)."""
    runs: list[list[str]] = []
    weight = 0
    for url in urls:
        size = sizes.get(url, 0)
        if not runs or len(runs[-1]) >= SEALED_SIZE or (runs[-1] and weight + size > SEALED_BYTES):
            runs.append([])
            weight = 0
        runs[-1].append(url)
        weight += size
    return runs


def _fold_small(state: BundleState, sealed: list[str], dirty: set[str], sizes: Mapping[str, int]) -> None:
    """Past MAX_SMALL_SEALED small bundles (below SMALL_SIZE posts and half SEALED_BYTES) among `sealed` (one
    family, oldest first), fold the newest of them into one, as many as fit in SEALED_SIZE and SEALED_BYTES (past
    them a run costs Pagefind more memory than they were chosen for), and again while too many are left. Folding
    the newest touches only what recent builds sealed: folding every small bundle at once made some hourly builds
    index 500–800 posts (benchmarks/build.py --batches)."""
    bundles = state["bundles"]
    few = [b for b in sealed if len(bundles[b]) < SMALL_SIZE]  # weighed only these: the sizes of every post cost
    weight = {b: sum(sizes.get(url, 0) for url in bundles[b]) for b in few}
    small = [b for b in few if weight[b] < SEALED_BYTES // 2]

    def fits(group: list[str]) -> bool:
        return sum(len(bundles[b]) for b in group) <= SEALED_SIZE and sum(weight[b] for b in group) <= SEALED_BYTES

    while len(small) > MAX_SMALL_SEALED:
        group = [small.pop()]
        while small and fits([small[-1], *group]):
            group.insert(0, small.pop())
        target = group[0]
        for bundle in group[1:]:
            bundles[target].extend(bundles.pop(bundle))
            state["order"].remove(bundle)
            dirty.discard(bundle)
            dirty.add(target)


def ui_context(plan: Plan, base: str) -> dict:
    """What the search page needs: the primary bundle (with Pagefind UI's files) and the ones to merge."""
    order = plan.state["order"]
    paths = [href(search_bundle_url(b), base) for b in order]
    primary = paths[0] if paths else href(search_bundle_url("none"), base)
    return {
        "primary": primary,
        "merge": [{"bundlePath": p} for p in paths[1:]],
        "ui_js": primary + "pagefind-ui.js",
        "ui_css": primary + "pagefind-ui.css",
        "bundles": len(paths),
    }


def index_bundles(
    site_dir: Path,
    plan: Plan,
    url_to_out: dict[str, str],
    workers: int,
    note: Callable[[int, int], None],
    warm_japanese: Indexer | None = None,
    stop: threading.Event | None = None,
    warnings: list[str] | None = None,
) -> list[str]:
    """Run Pagefind for each dirty bundle (up to `workers` at once) and swap the new bundle in; returns problems.
    `warm_japanese`, a Pagefind service that loaded the Japanese segmenter meanwhile, indexes the first bundle of
    posts with kana (site/indexer.py); if it fails, the command does, and `warnings` gets why. Once `stop` is set,
    no further run starts."""
    site_dir = site_dir.resolve()  # Pagefind runs in the stage folder: every path it is given is absolute
    bundles_dir = site_dir / BUNDLES_DIR
    bundles_dir.mkdir(parents=True, exist_ok=True)
    # The runs over posts with kana first: loading the Japanese segmenter makes them the longest.
    family = set(plan.state["japanese"])
    queue = sorted((b for b in plan.state["order"] if b in plan.dirty), key=lambda b: b not in family)
    spare = {queue[0]: warm_japanese} if warm_japanese and queue and queue[0] in family else {}
    stop = stop or threading.Event()
    warnings = [] if warnings is None else warnings
    problems: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="pagefind") as pool:
        # A free worker takes the next bundle while a long run goes on.
        runs = {pool.submit(_index_unless, stop, warnings, site_dir, b, plan.state["bundles"][b], url_to_out,
                            spare.get(b)): b for b in queue}  # fmt: skip
        for done, run in enumerate(as_completed(runs), 1):
            try:
                problem = run.result()
            except Exception as exc:  # a fault of ours: this bundle's alone
                problem = f"search bundle {runs[run]}: {type(exc).__name__}: {exc}"
            if problem:
                problems.append(problem)
            note(done, len(queue))
    shutil.rmtree(site_dir / STAGE_DIR, ignore_errors=True)
    keep = set(plan.state["order"])
    for child in bundles_dir.iterdir():
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
    return sorted(problems)


def _index_unless(
    stop: threading.Event, warnings: list[str], site_dir: Path, bundle: str, urls: list[str],
    url_to_out: dict[str, str], indexer: Indexer | None,
) -> str | None:  # fmt: skip
    if stop.is_set():
        _close(indexer)
        return f"search bundle {bundle}: not indexed: the build stopped"
    return _index_bundle(site_dir, bundle, urls, url_to_out, indexer, warnings=warnings)


def _index_bundle(
    site_dir: Path, bundle: str, urls: list[str], url_to_out: dict[str, str], indexer: Indexer | None,
    warnings: list[str] | None = None,
) -> str | None:
    """Stage the bundle's pages, index them (with `indexer` if given, falling back on a run of the `pagefind`
    command) and swap the new bundle in; returns the problem, the bundle on disk left as it was."""
    stage = site_dir / STAGE_DIR / bundle
    fresh = site_dir / BUNDLES_DIR / f".{bundle}.new"
    shutil.rmtree(fresh, ignore_errors=True)
    try:
        _stage(site_dir, stage, urls, url_to_out)
        refused = _run_service(indexer, stage, fresh) if indexer else None
        failed = None
        if indexer is None or refused:
            if refused and warnings is not None:
                warnings.append(f"search bundle {bundle}: the Pagefind service failed: {refused}; the command was run instead")
            shutil.rmtree(fresh, ignore_errors=True)  # what a failed service left
            failed = _run_pagefind(stage, fresh)
        if not failed and not (fresh / "pagefind-entry.json").exists():
            failed = "it wrote no index"
        if not failed:
            _swap_in(fresh, site_dir / BUNDLES_DIR / bundle)
    except OSError as exc:  # a page gone from _site/ meanwhile, a full disk
        failed = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    finally:
        _close(indexer)
        shutil.rmtree(stage, ignore_errors=True)
    if failed:
        shutil.rmtree(fresh, ignore_errors=True)
        return f"search bundle {bundle}: pagefind failed: {failed}"
    return None


def _close(indexer: Indexer | None) -> None:
    if indexer is not None:
        indexer.close()


def pagefind_command(site: Path, output: Path) -> list[str]:
    return [*pagefind_executable(), "--site", str(site), "--output-path", str(output),
            "--force-language", LANGUAGE, "--silent"]  # fmt: skip


def _run_pagefind(stage: Path, fresh: Path) -> str | None:
    """One run of the `pagefind` command over the staged pages; its last line of output if it failed. It runs in
    the stage's folder, where no pagefind.yml/.toml/.json lies, without PAGEFIND_* settings: the service reads
    neither, and a bundle is the same whichever made it."""
    log = stage.with_name(f"{stage.name}.log")
    try:
        with log.open("wb") as out:  # a file, not a pipe: nothing to read while it runs
            status = subprocess.run(
                pagefind_command(stage, fresh), stdout=out, stderr=subprocess.STDOUT, cwd=stage,
                env=pagefind_environment(), timeout=RUN_WITHIN,
            ).returncode  # fmt: skip
        output = log.read_bytes().decode("utf-8", "replace").strip()
    except subprocess.TimeoutExpired:
        return f"it did not finish within {RUN_WITHIN:g} s"
    finally:
        log.unlink(missing_ok=True)
    if status == 0:
        return None
    return output.splitlines()[-1] if output else f"exit status {status}"


def _run_service(indexer: Indexer, stage: Path, fresh: Path) -> str | None:
    """The warm service's run; why it failed, if it did."""
    try:
        indexer.index(stage, fresh)
    except IndexerError as exc:
        return str(exc)
    return None


def _stage(site_dir: Path, stage: Path, urls: list[str], url_to_out: dict[str, str]) -> None:
    """The bundle's pages, hard-linked at their own paths (Pagefind derives each URL from its path)."""
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    for url in urls:
        out = url_to_out.get(url)
        if out is None:
            continue
        target = stage / out
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_dir / out, target)
        except OSError:
            shutil.copyfile(site_dir / out, target)


def _swap_in(fresh: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    fresh.rename(final)
    shutil.rmtree(old, ignore_errors=True)


class BackgroundIndex:
    """A run of the bundles in a thread: Pagefind reads the post pages just written while the build renders the
    rest. `run(stop=…, warnings=…)` is index_bundles with the rest of its arguments given (functools.partial)."""

    def __init__(self, run: Callable[..., list[str]]) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []  # a service failed and the command made good (site/indexer.py)
        self.seconds = 0.0  # how long the Pagefind runs took, all told (the build report's phases["pagefind"])
        self._stop = threading.Event()

        def index() -> None:
            started = time.perf_counter()
            try:
                self.problems.extend(run(stop=self._stop, warnings=self.warnings))
            except Exception as exc:  # a fault of this thread's: said in the report, all indexed again next time
                self.problems.append(f"search index: {type(exc).__name__}: {exc}")
            self.seconds = time.perf_counter() - started

        self._thread = threading.Thread(target=index, name="pagefind", daemon=True)
        self._thread.start()

    def wait(self) -> list[str]:
        """The problems, once every bundle is indexed (interrupted, no further run starts)."""
        try:
            self._thread.join()
        except BaseException:
            self.cancel()
            raise
        return self.problems

    def cancel(self) -> None:
        """Start no further run (the build stops): the runs going on finish, the rest are not indexed."""
        self._stop.set()
