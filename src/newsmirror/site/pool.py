"""The build's worker processes: chunks of posts read or rendered on every core.

The pool starts on first use (a build with few changes starts none) and is forked from the build's process with
its Renderer: each worker starts with the Jinja environment already built, and the environment itself is never
pickled. Below PARALLEL_MIN items, or with one core, the work runs in this process: a pool costs more than it saves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from types import TracebackType
from typing import TypeVar

from newsmirror.site.render import Renderer

PARALLEL_MIN = 200

Item = TypeVar("Item")
Result = TypeVar("Result")
Task = Callable[[Renderer, list[Item]], list[Result]]

# The worker process's renderer, set by the pool's initializer (in the worker, from the forked parent's memory).
_worker_renderer: Renderer | None = None


def _adopt(renderer: Renderer) -> None:
    global _worker_renderer
    _worker_renderer = renderer


def _run(task: Task[Item, Result], chunk: list[Item]) -> list[Result]:
    assert _worker_renderer is not None, "a task ran in a process that the pool did not start"
    return task(_worker_renderer, chunk)


def chunks(items: list[Item], size: int) -> Iterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Workers:
    """Runs `task(renderer, chunk)` over chunks of items, in worker processes when there are enough items."""

    def __init__(self, renderer: Renderer, processes: int) -> None:
        self.renderer = renderer
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def map(self, task: Task[Item, Result], items: list[Item], chunk_size: int) -> Iterator[list[Result]]:
        """Each chunk's results, in order."""
        if len(items) < PARALLEL_MIN or self.processes <= 1:
            return (task(self.renderer, chunk) for chunk in chunks(items, chunk_size))
        return self._started().map(partial(_run, task), chunks(items, chunk_size))

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=get_context("fork"),
                initializer=_adopt,
                initargs=(self.renderer,),
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
