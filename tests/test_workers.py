"""The worker pool that runs parsing, sanitizing and extraction under a time limit (issue 18, finding 4)."""

from __future__ import annotations

import asyncio

import pytest

import workerjobs
from newsmirror.ingest.sanitize import sanitize_html
from newsmirror.workers import TimeLimitExceeded, WorkerCrashed, WorkerPool


def run(coroutine_function):
    return asyncio.run(coroutine_function())


def test_results_keyword_arguments_and_exceptions_come_back():
    async def go():
        async with WorkerPool(size=1) as pool:
            assert await pool.run(workerjobs.add, 2, b=3) == 5
            with pytest.raises(ValueError, match=r"^bad input$"):
                await pool.run(workerjobs.fail, "bad input")
            return await pool.run(workerjobs.add, 1)

    assert run(go) == 1  # the worker survives an exception


def test_a_call_over_its_limit_kills_its_worker_and_the_next_call_gets_a_new_one():
    async def go():
        async with WorkerPool(size=1, limit=0.5) as pool:
            # a generous limit where a worker starts: spawn and imports take over 0.5 s on a loaded machine
            first = await pool.run(workerjobs.pid, limit=60)
            with pytest.raises(TimeLimitExceeded, match=r"^took longer than 0\.5 s$"):
                await pool.run(workerjobs.sleep, 30)
            second = await pool.run(workerjobs.pid, limit=60)
            assert await pool.run(workerjobs.sleep, 0.1, limit=5) == 0.1  # a limit per call
            return first, second

    first, second = run(go)
    assert first != second  # the worker that overran was killed


def test_a_worker_that_dies_is_one_error_and_is_replaced():
    async def go():
        async with WorkerPool(size=1) as pool:
            with pytest.raises(WorkerCrashed, match="exit code 3"):
                await pool.run(workerjobs.die)
            return await pool.run(workerjobs.add, 4, 4)

    assert run(go) == 8


def test_calls_run_in_parallel_up_to_the_pool_size(tmp_path):
    a, b = str(tmp_path / "a"), str(tmp_path / "b")

    async def go():
        async with WorkerPool(size=2, limit=30) as pool:
            return await asyncio.gather(pool.run(workerjobs.meet, a, b), pool.run(workerjobs.meet, b, a))

    assert run(go) == [True, True]  # each saw the other's mark: the two calls ran at once


def test_deeply_nested_markup_costs_the_limit_not_the_run():
    """nh3 needs minutes for 100,000 nested <div>s (the tree builder scans the stack of open elements for each);
    in a worker the call ends at its limit and an ordinary item after it is sanitized as usual."""
    nested = "<div>" * 100_000 + "x" + "</div>" * 100_000

    async def go():
        async with WorkerPool(size=1, limit=2) as pool:
            with pytest.raises(TimeLimitExceeded):
                await pool.run(sanitize_html, nested)
            return await pool.run(sanitize_html, "<p onclick=x()>ok</p>")

    assert run(go) == "<p>ok</p>"
