"""Full-text search with Pagefind, split into bundles so that a rebuild re-indexes only what changed.

Pagefind has no incremental mode, and indexing ~30,000 posts takes tens of seconds. Posts are therefore
spread over several Pagefind bundles (`_site/pagefind/<id>/`), merged in the browser with Pagefind UI's
`mergeIndex`: sealed bundles of up to SEALED_SIZE posts, and one open bundle that takes new posts until it
holds OPEN_CAP. A build re-indexes only bundles that gained, lost or changed a post, which after a fetch is
usually the small open bundle alone. Small sealed bundles are folded together when there are too many, so
a search never loads more than a handful of bundles.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsmirror.site.urls import href

SEALED_SIZE = 3000  # Pagefind needs ~300 KB of memory per post: 3000 posts ≈ 0.9 GB per process, two at once
OPEN_CAP = 500
MAX_SMALL_SEALED = 4
BUNDLES_DIR = "pagefind"
STAGE_DIR = ".search-stage"


@dataclass
class Plan:
    state: dict  # {"bundles": {id: [url, …]}, "order": [id, …], "sigs": {url: sig}, "next": int, "open": id}
    dirty: set[str] = field(default_factory=set)


def _new_id(state: dict) -> str:
    state["next"] += 1
    return f"b{state['next']}"


def plan_bundles(previous: dict, posts: list[tuple[str, str]]) -> Plan:
    """Assign every post (url, content signature), oldest first, to a bundle; say which bundles need indexing."""
    current = dict(posts)
    if not previous or "bundles" not in previous:
        state = {"bundles": {}, "order": [], "sigs": current, "next": 0, "open": None}
        urls = [url for url, _ in posts]
        dirty = set()
        for start in range(0, len(urls), SEALED_SIZE):
            bundle = _new_id(state)
            state["bundles"][bundle] = urls[start : start + SEALED_SIZE]
            state["order"].append(bundle)
            dirty.add(bundle)
        return Plan(state, dirty)

    state = {
        "bundles": {k: list(v) for k, v in previous["bundles"].items()},
        "order": list(previous["order"]),
        "sigs": dict(previous["sigs"]),
        "next": previous["next"],
        "open": previous.get("open"),
    }
    dirty: set[str] = set()
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
    for url, _ in posts:
        if url in placed:
            continue
        open_id = state["open"]
        if open_id is None or open_id not in state["bundles"] or len(state["bundles"][open_id]) >= OPEN_CAP:
            open_id = state["open"] = _new_id(state)
            state["bundles"][open_id] = []
            state["order"].append(open_id)
        state["bundles"][open_id].append(url)
        dirty.add(open_id)
    small = [b for b in state["order"] if b != state["open"] and len(state["bundles"][b]) < SEALED_SIZE]
    if len(small) > MAX_SMALL_SEALED:
        target = small[0]
        for bundle in small[1:]:
            state["bundles"][target].extend(state["bundles"].pop(bundle))
            state["order"].remove(bundle)
            dirty.discard(bundle)
        dirty.add(target)
    for bundle in [b for b in state["order"] if not state["bundles"][b]]:
        state["order"].remove(bundle)
        del state["bundles"][bundle]
        dirty.discard(bundle)
    state["sigs"] = current
    return Plan(state, dirty)


def ui_context(plan: Plan, base: str) -> dict:
    """What the search page needs: the primary bundle (with Pagefind UI's files) and the ones to merge."""
    order = plan.state["order"]
    paths = [href(f"/{BUNDLES_DIR}/{b}/", base) for b in order]
    primary = paths[0] if paths else href(f"/{BUNDLES_DIR}/none/", base)
    return {
        "primary": primary,
        "merge": [{"bundlePath": p} for p in paths[1:]],
        "ui_js": primary + "pagefind-ui.js",
        "ui_css": primary + "pagefind-ui.css",
        "bundles": len(paths),
    }


def pagefind_command(site: Path, output: Path) -> list[str]:
    # `python -m pagefind` runs the binary of the pagefind[extended] wheel (CJK segmentation included).
    return [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(output),
            "--force-language", "zh", "--silent"]


def index_bundles(
    site_dir: Path,
    plan: Plan,
    url_to_out: dict[str, str],
    workers: int,
    note: Callable[[int, int], None],
) -> list[str]:
    """Run Pagefind for each dirty bundle (up to `workers` at once) and swap the new bundle in; returns problems."""
    bundles_dir = site_dir / BUNDLES_DIR
    stage_root = site_dir / STAGE_DIR
    bundles_dir.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    todo = [b for b in plan.state["order"] if b in plan.dirty]
    running: list[tuple[str, subprocess.Popen, Path, Path]] = []
    done = 0

    def start(bundle: str) -> None:
        stage = stage_root / bundle
        shutil.rmtree(stage, ignore_errors=True)
        for url in plan.state["bundles"][bundle]:
            out = url_to_out.get(url)
            if out is None:
                continue
            target = stage / out
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(site_dir / out, target)  # the page itself, at its own path: Pagefind derives the URL from it
            except OSError:
                shutil.copyfile(site_dir / out, target)
        fresh = bundles_dir / f".{bundle}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        proc = subprocess.Popen(pagefind_command(stage, fresh), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        running.append((bundle, proc, stage, fresh))

    def finish(item: tuple[str, subprocess.Popen, Path, Path]) -> None:
        nonlocal done
        bundle, proc, stage, fresh = item
        output = proc.communicate()[0].decode("utf-8", "replace").strip()
        shutil.rmtree(stage, ignore_errors=True)
        if proc.returncode != 0 or not (fresh / "pagefind-entry.json").exists():
            last = output.splitlines()[-1] if output else f"exit status {proc.returncode}"
            problems.append(f"search bundle {bundle}: pagefind failed: {last}")
            shutil.rmtree(fresh, ignore_errors=True)
        else:
            final = bundles_dir / bundle
            old = bundles_dir / f".{bundle}.old"
            shutil.rmtree(old, ignore_errors=True)
            if final.exists():
                final.rename(old)
            fresh.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        done += 1
        note(done, len(todo))

    queue = list(todo)
    while queue or running:
        while queue and len(running) < max(1, workers):
            start(queue.pop(0))
        first = running.pop(0)
        finish(first)
    shutil.rmtree(stage_root, ignore_errors=True)
    keep = set(plan.state["order"])
    for child in bundles_dir.iterdir():
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
    return problems
