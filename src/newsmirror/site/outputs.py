"""The files a build writes under _site/: each output is written only when its input signature changed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from newsmirror.files import write_if_changed
from newsmirror.site.urls import output_path


def signature(*parts: object) -> str:
    """A short digest of `parts` (their repr): what an output's signature is made of when it is not a string."""
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


class Outputs:
    """Writes outputs whose input signature changed since the last build, and remembers what exists."""

    def __init__(self, site_dir: Path, previous: dict[str, bytes]) -> None:
        self.site_dir = site_dir
        self.previous = previous
        self.current: dict[str, bytes] = {}
        self.written = 0

    def needs(self, out: str, inputs: str) -> bool:
        """Whether `out` must be made again: its `inputs` differ from the last build's. Either way it exists now."""
        digest = hashlib.blake2b(inputs.encode("utf-8", "surrogatepass"), digest_size=12).digest()
        self.current[out] = digest
        # An output deleted by hand is not noticed (that would cost a stat per file); `build --full` restores it.
        return self.previous.get(out) != digest

    def write(self, out: str, text: str) -> None:
        if write_if_changed(self.site_dir / out, text):
            self.written += 1

    def update(self, out: str, inputs: str, text: str) -> None:
        """Write `text` to `out` when its inputs changed (for outputs whose text costs nothing to make)."""
        if self.needs(out, inputs):
            self.write(out, text)

    def remove_gone(self, before: dict[str, bytes]) -> int:
        """Delete the outputs of an earlier build (`before`) that this build did not make; returns how many."""
        deleted = 0
        for out in set(before) - set(self.current):
            if output_path(out) != out:  # a cache entry that would reach outside _site/ (or was never ours)
                continue
            try:
                (self.site_dir / out).unlink()
                deleted += 1
            except FileNotFoundError:
                pass
        return deleted
