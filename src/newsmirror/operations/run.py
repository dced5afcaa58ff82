"""`newsmirror run --every 1h`: fetch (and publish when configured) on a schedule, for a server without CI.

One process per archive (an instance lock, held for the scheduler's life, refuses a second one); runs never
overlap (each waits for the one before, and takes the archive lock that a manual `fetch` takes too); a failing run
is logged and the next one comes as planned. Each run logs one line with its counts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmirror.archive.layout import STATE_DIR
from newsmirror.archive.lock import FileLock, LockedError
from newsmirror.config import Config, ConfigError, load_config


def scheduler_lock(root: Path) -> FileLock:
    """Held by one `newsmirror run` for as long as it lives; a second instance is refused at once."""
    return FileLock(
        root / STATE_DIR / "scheduler.lock",
        "another `newsmirror run` ({holder}) is already scheduling this archive; stop it first",
    )


@dataclass(slots=True)
class RunOutcome:
    number: int
    ok: bool
    line: str


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run_once(root: Path, number: int, publish: bool | None, lock_wait: float, recheck: bool = False) -> RunOutcome:
    """One scheduled run: reload the settings, fetch, recheck and publish when asked; never raises for an ordinary
    failure."""
    from newsmirror.operations.fetch import run_fetch
    from newsmirror.operations.publish import GitError, PublishError, publish_archive

    started = time.monotonic()
    head = f"{_stamp(datetime.now(UTC))} run {number}:"
    try:
        config = load_config(root)  # read again each time: an edited newsmirror.toml applies to the next run
    except ConfigError as exc:
        return RunOutcome(number, False, f"{head} failed: settings: {exc.problems[0]}")
    try:
        report = run_fetch(config, wait=lock_wait)
    except LockedError as exc:
        return RunOutcome(number, False, f"{head} skipped: {exc}")
    except Exception as exc:  # a run must never take the scheduler down; the next one may well succeed
        return RunOutcome(number, False, f"{head} failed: {type(exc).__name__}: {exc}")
    failed = [s for s in report.sources if s.failed]
    parts = [
        f"{report.new_posts} new",
        f"{sum(s.existing for s in report.sources)} known",
        f"{sum(s.filtered for s in report.sources)} filtered",
        f"{sum(s.status == 'not_modified' for s in report.sources)} unchanged",
        f"{len(failed)}/{len(report.sources)} sources failed",
    ]
    line = f"{head} " + ", ".join(parts)
    if failed:
        line += " (" + "; ".join(f"{s.name}: {s.errors[0] if s.errors else 'error'}" for s in failed) + ")"
    ok = report.succeeded
    if recheck:
        line += "; " + _recheck_line(config, lock_wait)
    if publish if publish is not None else config.publish.enabled:
        try:
            published = publish_archive(config)
            line += f"; publish: {published.summary()}"
            ok = ok and published.succeeded
        except (PublishError, GitError, LockedError) as exc:
            line += f"; publish failed: {exc}"
            ok = False
    line += f"; {time.monotonic() - started:.1f} s"
    return RunOutcome(number, ok, line)


def _recheck_line(config: Config, lock_wait: float) -> str:
    """`newsmirror recheck` after the fetch, as one part of the run's line."""
    from newsmirror.operations.recheck import run_recheck

    try:
        report = run_recheck(config, wait=lock_wait)
    except Exception as exc:  # the fetch's posts are safe; the articles stay due for the next run
        return f"recheck failed: {type(exc).__name__}: {exc}"
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("edited", "deleted", "unchanged"))
    return f"recheck: {counts}, {len(report.failures)} failed"


def run_every(
    root: Path,
    interval: timedelta,
    max_runs: int = 0,
    publish: bool | None = None,
    log: Callable[[str], None] = print,
    recheck: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> list[RunOutcome]:
    """Run every `interval` (measured start to start) until `max_runs` runs (0: forever) or an interrupt.

    Raises LockedError when another scheduler holds this archive.
    """
    outcomes: list[RunOutcome] = []
    seconds = interval.total_seconds()
    with scheduler_lock(root):
        log(f"{_stamp(datetime.now(UTC))} newsmirror run: every {interval}, pid {os.getpid()}"
            + (f", {max_runs} runs" if max_runs else ""))  # fmt: skip
        next_start = time.monotonic()
        number = 0
        while True:
            number += 1
            # A manual `fetch` may hold the archive: wait for it, up to most of an interval.
            outcome = run_once(root, number, publish, lock_wait=max(1.0, seconds * 0.9), recheck=recheck)
            outcomes.append(outcome)
            log(outcome.line)
            if max_runs and number >= max_runs:
                return outcomes
            next_start += seconds
            now = time.monotonic()
            if next_start < now:  # a run longer than the interval: start the next at once, skip the missed ones
                next_start = now
            sleep(next_start - now)


def file_logger(path: Path | None, echo: Callable[[str], None]) -> Callable[[str], None]:
    """Log to `echo` and, when given, append to a file (flushed each line, so `tail -f` follows)."""

    def write(line: str) -> None:
        echo(line)
        if path is not None:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    return write
