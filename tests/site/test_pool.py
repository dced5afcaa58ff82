"""The build's worker processes: forked with the renderer, used only when there is enough work."""

from __future__ import annotations

import os
from pathlib import Path

from newsmirror.site.pool import PARALLEL_MIN, Workers, chunks
from newsmirror.site.render import Renderer


def where(renderer: Renderer, items: list[int]) -> list[tuple[int, str, int]]:
    """A pool task: which process ran it, with which renderer (its environment works there)."""
    assert renderer.has_template("post.html")
    return [(os.getpid(), str(renderer.root), item) for item in items]


def renderer(tmp_path: Path) -> Renderer:
    return Renderer(tmp_path, tmp_path / "_site", {"site": {}, "base": ""})


def test_chunks():
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks([], 2)) == []


def test_little_work_runs_in_this_process(tmp_path):
    with Workers(renderer(tmp_path), 2) as workers:
        results = [row for chunk in workers.map(where, list(range(PARALLEL_MIN - 1)), 50) for row in chunk]
    assert {pid for pid, _, _ in results} == {os.getpid()}
    assert [item for _, _, item in results] == list(range(PARALLEL_MIN - 1))


def test_enough_work_runs_in_forked_workers_with_the_renderer(tmp_path):
    items = list(range(PARALLEL_MIN))
    with Workers(renderer(tmp_path), 2) as workers:
        results = [row for chunk in workers.map(where, items, 10) for row in chunk]
    assert os.getpid() not in {pid for pid, _, _ in results}
    assert {root for _, root, _ in results} == {str(tmp_path)}
    assert [item for _, _, item in results] == items  # in order


def test_one_process_means_no_pool(tmp_path):
    with Workers(renderer(tmp_path), 1) as workers:
        results = [row for chunk in workers.map(where, list(range(PARALLEL_MIN)), 100) for row in chunk]
    assert {pid for pid, _, _ in results} == {os.getpid()}
