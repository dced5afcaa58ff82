"""What happened to an article after it was mirrored: its later versions, its deletion at the source and its
return. The files are the record (the state cache only counts them):

    _revisions/<post file name without extension>/<NNN>-<YYYYMMDDTHHMMSSZ>-<kind>.md

one file per event, NNN counting the post's events from 001, kind one of `edited`, `deleted`, `restored`. Each
is written once, whole (files.create_exclusive) and never changed, so a killed run leaves whole files or none,
and git sees one new file per event. The post file itself stays as it was first written, byte for byte.

An `edited` file holds the new version in the post format's body (`<div>` … `</div>`, Liquid escaped) under a
front matter naming the post, the version number (the post is version 1) and its permalink; `deleted` and
`restored` files hold the evidence only, with `published: false` so that Jekyll renders no page for them.
Jekyll reads `_revisions/` as the `revisions` collection (the scaffold's _config.yml): an underscore folder, so
it is never taken for posts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsmirror.archive.postformat import (
    PostFormatError,
    as_datetime,
    body_content,
    escape_liquid,
    format_date,
    join_content_lines,
    parse_front_matter,
    split_front_matter,
    yaml_quoted,
    yaml_scalar,
)
from newsmirror.files import create_exclusive

REVISIONS_DIR = "_revisions"
DATA_NAME = "newsmirror_revisions"  # _data/newsmirror_revisions.json: what the Jekyll templates read
EDITED, DELETED, RESTORED = "edited", "deleted", "restored"
KINDS = (EDITED, DELETED, RESTORED)
_EVENT_NAME = re.compile(r"^(\d{3,6})-(\d{8}T\d{6}Z)-(edited|deleted|restored)\.md$")
EVIDENCE_KEYS = ("http_status", "final_url", "notice", "reason", "changed_chars")


def record_folder_name(post_name: str) -> str:
    """The folder of a post's events: its file name without the extension."""
    stem, dot, _ext = post_name.rpartition(".")
    return stem if dot else post_name


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # edited | deleted | restored
    number: int  # the post's events count from 1
    date: datetime
    post: str  # the post's file name (its key: posts move between folders, their names stay)
    url: str  # the article's address
    title: str
    evidence: dict[str, str] = field(default_factory=dict)
    version: int = 0  # an edit's version number (the post itself is 1); 0 for the others
    permalink: str = ""  # an edit's page
    path: str = ""  # archive-relative file of the event
    content: str = ""  # an edit's HTML


@dataclass(slots=True)
class History:
    """One post's events, oldest first."""

    post: str
    events: list[Event] = field(default_factory=list)

    @property
    def versions(self) -> list[Event]:
        return [e for e in self.events if e.kind == EDITED]

    @property
    def deletion(self) -> Event | None:
        """The deletion in force: the last deletion or return, if it is a deletion."""
        last = next((e for e in reversed(self.events) if e.kind in (DELETED, RESTORED)), None)
        return last if last is not None and last.kind == DELETED else None

    @property
    def last_number(self) -> int:
        return self.events[-1].number if self.events else 0


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render_event(event: Event) -> str:
    """The event's file text."""
    lines = [
        "---",
        f"layout: {'revision' if event.kind == EDITED else 'none'}",
        f"title: {yaml_quoted(event.title)}",
        f"found: {format_date(event.date)}",  # not `date`: Jekyll would hold back a page dated ahead of its clock
        f"kind: {event.kind}",
        f"post: {yaml_quoted(event.post)}",
        f"from: {yaml_scalar(event.url)}",
    ]
    if event.kind == EDITED:
        lines += [f"version: {event.version}", f"permalink: {yaml_quoted(event.permalink)}"]
    else:
        lines.append("published: false")
    lines += [f"{key}: {yaml_quoted(str(event.evidence[key]))}" for key in EVIDENCE_KEYS if key in event.evidence]
    lines.append("---")
    head = "\n".join(lines) + "\n"
    if event.kind != EDITED:
        return head
    return head + escape_liquid(f"\n<div>\n{join_content_lines(event.content)}\n</div>\n")


def parse_event(text: str, relative: str) -> Event:
    """An event file read back; raises PostFormatError when it is not one."""
    match = _EVENT_NAME.match(relative.rsplit("/", 1)[-1])
    if match is None:
        raise PostFormatError(f"{relative}: not an event file name (NNN-YYYYMMDDTHHMMSSZ-kind.md)")
    header, body = split_front_matter(text)
    data = parse_front_matter(header)
    date = as_datetime(data.get("found")) or datetime.strptime(match.group(2), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    kind = match.group(3)
    version = data.get("version")
    return Event(
        kind=kind,
        number=int(match.group(1)),
        date=date,
        post=str(data.get("post") or ""),
        url=str(data.get("from") or ""),
        title=str(data.get("title") or ""),
        evidence={k: str(data[k]) for k in EVIDENCE_KEYS if data.get(k) is not None},
        version=version if isinstance(version, int) else 0,
        permalink=str(data.get("permalink") or ""),
        path=relative,
        content=body_content(body) if kind == EDITED else "",
    )


def scan_records(root: Path) -> dict[str, tuple[int, int]]:
    """Every event file as {archive-relative path: (mtime in ns, size)}: what tells a build they changed."""
    found: dict[str, tuple[int, int]] = {}
    top = root / REVISIONS_DIR
    try:
        folders = list(os.scandir(top))
    except (FileNotFoundError, NotADirectoryError):
        return found
    for folder in folders:
        if folder.name.startswith(".") or not folder.is_dir(follow_symlinks=False):
            continue
        with os.scandir(folder.path) as entries:
            for entry in entries:
                if _EVENT_NAME.match(entry.name) and entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    found[f"{REVISIONS_DIR}/{folder.name}/{entry.name}"] = (info.st_mtime_ns, info.st_size)
    return found


def read_histories(root: Path, problems: list[str] | None = None) -> dict[str, History]:
    """Every post's history, by its post file name; an event file that cannot be read is left out (with a line in
    `problems`)."""
    histories: dict[str, History] = {}
    for relative in sorted(scan_records(root)):
        try:
            event = parse_event((root / relative).read_text(encoding="utf-8"), relative)
        except (OSError, UnicodeDecodeError, PostFormatError) as exc:
            if problems is not None:
                problems.append(f"{relative}: {exc}")
            continue
        if event.post:
            histories.setdefault(event.post, History(event.post)).events.append(event)
    for history in histories.values():
        history.events.sort(key=lambda e: e.number)
    return histories


def read_history(root: Path, post_name: str) -> History:
    """One post's history (empty when nothing happened to it)."""
    folder = root / REVISIONS_DIR / record_folder_name(post_name)
    history = History(post_name)
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return history
    for name in names:
        if _EVENT_NAME.match(name):
            relative = f"{REVISIONS_DIR}/{record_folder_name(post_name)}/{name}"
            history.events.append(parse_event((root / relative).read_text(encoding="utf-8"), relative))
    history.events.sort(key=lambda e: e.number)
    return history


def append_event(root: Path, event: Event) -> Event:
    """Write `event` as the post's next event file (its number the first one free); returns it with its number
    and path. Never replaces a file: a number taken meanwhile moves it to the next."""
    folder = root / REVISIONS_DIR / record_folder_name(event.post)
    folder.mkdir(parents=True, exist_ok=True)
    number = event.number
    for _attempt in range(1000):
        name = f"{number:03d}-{_stamp(event.date)}-{event.kind}.md"
        placed = Event(**{**_fields(event), "number": number, "path": f"{REVISIONS_DIR}/{folder.name}/{name}"})
        taken = any(_EVENT_NAME.match(n) and int(n.split("-", 1)[0]) == number for n in os.listdir(folder))
        if not taken and create_exclusive(folder / name, render_event(placed).encode("utf-8")):
            return placed
        number += 1
    raise OSError(f"no free event number in {folder}")


def _fields(event: Event) -> dict:
    return {name: getattr(event, name) for name in Event.__dataclass_fields__}
