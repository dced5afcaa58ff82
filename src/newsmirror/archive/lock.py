"""The SQLite cache under the archive: what posts exist and which articles they hold, HTTP validators,
source health and run history. Only a cache: deleted or corrupt, it is rebuilt from the posts on disk.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import TextIO

from newsmirror.archive.layout import Archive


class LockedError(Exception):
    """Another run holds the archive."""


class FileLock:
    """An exclusive flock on a file, naming its holder; a second taker waits up to `wait` seconds, then gives up."""

    def __init__(self, path: Path, busy_message: str, wait: float = 0.0):
        self.path = path
        self.busy_message = busy_message  # "{holder}" is replaced by what the holder wrote ("pid 123")
        self.wait = wait
        self._handle: TextIO | None = None
        self.last_holder_died = False

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    handle.close()
                    raise LockedError(self.busy_message.format(holder=holder)) from None
                time.sleep(0.2)
        handle.seek(0)
        # A holder that let go cleanly emptied the file; words left in it mean the last holder was killed.
        self.last_holder_died = bool(handle.read().strip())
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info) -> None:
        if self._handle is not None:
            self._handle.truncate(0)
            self._handle.close()  # closing releases the flock
            self._handle = None


class ArchiveLock(FileLock):
    """Held by every run that writes to the archive (fetch, add, import, rotate …)."""

    def __init__(self, archive: Archive, wait: float = 0.0):
        super().__init__(
            archive.state_dir / "lock",
            "another newsmirror run ({holder}) is working on this archive; try again later or pass --wait",
            wait,
        )
