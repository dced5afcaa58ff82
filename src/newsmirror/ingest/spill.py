"""Entries' contents that stay out of the main process.

A feed's items are parsed in a worker process and rendered in one, but decided on (new or known, filtered, in
which order) in the main process, which needs their titles, links and dates, not their bodies. Sent whole, every
body crosses twice for nothing: to the main process with the parsed feed, and back with the render job (on 200
real feeds, 255 MB and 101 MB, the main process's largest cost after the network). So the worker that parses a
feed writes the bodies to one file the main process names, and the entries carry where each one is
(Entry.spilled); the worker that renders an entry reads it back. The main process deletes the file when the
source is done, and their directory (in the system's temporary directory) at the end of the run; a run killed
outright leaves it there.

Only bodies the main process never reads are spilled: an entry with a title (an untitled one is named from its
body) and a body within the size limit (the main process cuts longer ones, and says so). The caller decides the
rest: a source that fetches article pages or mirrors images needs the bodies where it works (fetch.py).
"""

from __future__ import annotations

from newsmirror.ingest.articles import MAX_CONTENT_CHARS, title_text
from newsmirror.models import Entry, SpilledText


def spill_contents(entries: list[Entry], path: str) -> None:
    """Write the bodies the main process does not need to a new file at `path`, leaving each such entry's content
    empty and its `spilled` set. In the worker process."""
    with open(path, "xb") as out:
        offset = 0
        for entry in entries:
            if not entry.content or len(entry.content) > MAX_CONTENT_CHARS or not title_text(entry.title):
                continue
            data = entry.content.encode("utf-8", "surrogatepass")  # a feed's text is kept as parsed, every code point
            out.write(data)
            entry.spilled = SpilledText(path, offset, len(data))
            entry.content = ""
            offset += len(data)


def entry_content(entry: Entry) -> str:
    """The entry's body, read back from its file when it was spilled. Raises OSError when the file is gone."""
    if entry.spilled is None:
        return entry.content
    spilled = entry.spilled
    with open(spilled.path, "rb") as file:
        file.seek(spilled.offset)
        data = file.read(spilled.length)
    if len(data) != spilled.length:
        raise OSError(f"{spilled.path}: {len(data)} of {spilled.length} bytes of an item's content")
    return data.decode("utf-8", "surrogatepass")
