"""The few records that travel through the pipeline: Entry → Article → Post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


class SourceProblem(Exception):
    """Something wrong with one source, page or write: the run reports it as one line and goes on."""


PAGE_CHANGED = "the page changed: check its selectors"  # what a list page or channel that stopped giving is flagged as


class PageChangedError(SourceProblem):
    """A list page or channel no longer has what it is read by (its layout changed): never taken as "no news"."""


@dataclass(frozen=True, slots=True)
class SpilledText:
    """Text a worker process left in a file instead of sending it to the main process (ingest/spill.py): the
    file, and where its UTF-8 lies in it."""

    path: str
    offset: int
    length: int


@dataclass(slots=True)
class Entry:
    """One item as a feed describes it, before any decision is made about it."""

    source: str
    title: str
    link: str
    guid: str
    author: str
    published: datetime | None  # UTC-aware; None when missing or unparseable
    content: str  # HTML as the source sent it (content:encoded / Atom content, else summary)
    has_full_content: bool = True  # False when only a summary/description was given
    video_id: str | None = None  # YouTube entries
    spilled: SpilledText | None = None  # where the content waits when it stayed out of this process ("" here)


@dataclass(slots=True)
class Article:
    """Everything one post needs, decided and normalised: what the post format writes."""

    title: str
    date: datetime  # UTC-aware
    author: str
    link: str
    source: str
    content: str  # safe HTML, one line per the mirror format
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    comments: bool = True


@dataclass(slots=True)
class Post:
    """A post read back from disk."""

    path: Path
    title: str
    date: datetime | None
    author: str
    link: str
    source: str
    content: str
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    comments: bool = True
    front_matter: dict = field(default_factory=dict)


@dataclass(slots=True)
class Validators:
    """What the last answer said, for a conditional GET next time."""

    etag: str = ""
    last_modified: str = ""


class FetchError(SourceProblem):
    """A request that did not give a usable answer; str() is one line saying why."""

    def __init__(
        self, message: str, status: int | None = None, retryable: bool = False, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if it said

