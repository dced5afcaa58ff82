"""Entries' contents that stay out of the main process.

A feed's items are parsed in a worker process and rendered in one, but decided on (new or known, filtered, in
which order) in the main process, which needs their titles, links and dates, not their bodies. Sent whole, every
body crosses twice for nothing: to the main process with the parsed feed, and back with the render job (on 200
real feeds, 255 MB and 101 MB, the main process's largest cost after the network). So the worker that parses a
feed writes the bodies to one file the main process names, and the entries carry where each one is
(Entry.spilled); the worker that renders an entry reads it back. The main process deletes the file when the
source is done, and their directory (in the system's temporary directory) at the end of the run; a run killed
outright leaves it there.

Only bodies the main process never reads are spilled: not those it decides by (articles.body_read_in_deciding:
an untitled entry is named from its body, an over-long one is cut). The caller decides the rest: a source that
fetches article pages or mirrors images needs the bodies where it works (fetch.py).
"""

from __future__ import annotations

import contextlib
import os

from newsmirror.ingest.articles import body_read_in_deciding
from newsmirror.models import Entry, SourceProblem, SpilledText


def spill_contents(entries: list[Entry], path: str) -> None:
    """Write the bodies the main process does not need to a new file at `path`, leaving each such entry's content
    empty and its `spilled` set; all or none: a file that cannot be written (a full temporary disk) leaves every
    body in its entry, as if nothing were spilled. In the worker process."""
    chosen = [e for e in entries if e.content and not body_read_in_deciding(e)]
    bodies = [e.content.encode("utf-8", "surrogatepass") for e in chosen]  # every code point kept, as parsed
    try:
        with open(path, "xb") as out:
            out.writelines(bodies)
    except FileExistsError:
        raise  # never written over: the caller names a new file for each document
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    offset = 0
    for entry, data in zip(chosen, bodies, strict=True):
        entry.spilled = SpilledText(path, offset, len(data))
        entry.content = ""
        offset += len(data)


def entry_content(entry: Entry) -> str:
    """The entry's body, read back from its file when it was spilled. Raises SourceProblem when the file is gone
    or short (removed from the temporary directory during the run)."""
    if entry.spilled is None:
        return entry.content
    spilled = entry.spilled
    problem = f"the item's content could not be read back from {spilled.path}"
    try:
        with open(spilled.path, "rb") as file:
            file.seek(spilled.offset)
            data = file.read(spilled.length)
    except OSError as exc:
        raise SourceProblem(f"{problem}: {exc.strerror or exc}") from None
    if len(data) != spilled.length:
        raise SourceProblem(f"{problem}: {len(data)} of {spilled.length} bytes")
    return data.decode("utf-8", "surrogatepass")
