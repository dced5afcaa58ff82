"""Module-level functions for the worker-pool tests: a worker process imports them by name."""

from __future__ import annotations

import os
import time


def add(a: int, b: int = 0) -> int:
    return a + b


def pid() -> int:
    return os.getpid()


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def fail(message: str) -> None:
    raise ValueError(message)


def die() -> None:
    os._exit(3)


def meet(mine: str, theirs: str, timeout: float = 20.0) -> bool:
    """Leave a mark and wait for the other call's: True only when both calls run at the same time."""
    from pathlib import Path

    Path(mine).touch()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Path(theirs).exists():
            return True
        time.sleep(0.01)
    return False
