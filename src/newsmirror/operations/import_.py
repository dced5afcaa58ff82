"""Adopting a legacy mirror in place: subs.json → newsmirror.toml, allurls.dat → known URLs, every post read.

`--repair` rewrites the posts that cannot be read (a YAML header that does not parse, a missing `from:`, an
unparseable date) into valid ones, keeping everything readable of them. A valid post is never touched.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import (
    PostFormatError,
    as_datetime,
    as_list,
    markdown_link_title,
    parse_front_matter,
    parse_post,
    render_post,
    split_front_matter,
    unescape_liquid,
)
from newsmirror.archive.state import locked_state
from newsmirror.config import (
    CONFIG_NAME,
    ConfigError,
    SourceConfig,
    default_config_text,
    load_config,
    sources_from_subs_json,
    write_sources,
)
from newsmirror.files import atomic_write_text
from newsmirror.ingest.articles import title_text
from newsmirror.models import Article

SUBS_JSON = "subs.json"
GITIGNORE_LINE = ".newsmirror/"


class ArchiveImportError(Exception):
    """The directory cannot be adopted at all; str() is one line."""


@dataclass(slots=True)
class BrokenPost:
    path: str  # archive-relative
    reason: str
    repaired: bool = False
    repair_note: str = ""  # what the repair did, or why it could not


@dataclass(slots=True)
class ImportReport:
    root: str
    posts: int = 0
    sources_added: list[str] = field(default_factory=list)
    legacy_urls: int = 0
    broken: list[BrokenPost] = field(default_factory=list)
    config_written: bool = False

    @property
    def unrepaired(self) -> list[BrokenPost]:
        return [b for b in self.broken if not b.repaired]

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------------------
# Reading a post and saying what is wrong with it


def post_problem(text: str) -> str | None:
    """None for a post newsmirror reads fully; else the one-line reason."""
    try:
        post = parse_post(text)
    except PostFormatError as exc:
        return str(exc)
    if not post.link.strip():
        return "no `from:` address"
    if post.date is None:  # parse_post reads a bare `date: 2023-01-01` too
        raw = post.front_matter.get("date")
        return "no date" if raw is None else f"the date {str(raw)!r} cannot be read"
    return None


# ---------------------------------------------------------------------------------------------------------------
# Repair: a lenient reading of what a broken post still says


_HEADER_LINE = re.compile(r"^([A-Za-z_][\w-]*):[ \t]?(.*)$")
_EPOCH_COMMENT = re.compile(r"<!--\s*(-?\d{9,14})\s*-->")
# The address holds no "](http://" or "](https://": from the last "](" of a line backwards, the address tried after
# each "](" would otherwise run over all those after it (quadratic in a line of them).
_TITLE_LINK = re.compile(
    r"^\[(?P<text>.*)\]\((?P<url>https?://(?:[^\s)\]]|\](?!\(https?://))+)\)\s*$", re.MULTILINE
)
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _lenient_value(raw: str) -> object:
    """One header value: YAML when it parses; a double-quoted value with bad escapes keeps its backslashes."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        loaded = yaml.safe_load("v: " + raw)
        if isinstance(loaded, dict) and "v" in loaded:
            return loaded["v"]
    except yaml.YAMLError:
        pass
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        # Legacy tools wrote titles between double quotes without escaping: `"a\b"` means the text a\b.
        return inner.replace('\\"', '"') if raw[0] == '"' else inner.replace("''", "'")
    return raw


def lenient_header(header: str) -> dict:
    data: dict = {}
    for line in header.splitlines():
        match = _HEADER_LINE.match(line)
        if match:
            data[match.group(1)] = _lenient_value(match.group(2))
    return data


def _date_from_path(relative: str) -> datetime | None:
    """The file name's date (`2023-10-28-title.md`), else the rotation folder's (`archived/2024-02-01/`)."""
    name = relative.rsplit("/", 1)[-1]
    candidates = [name, *reversed(relative.split("/")[:-1])]
    for candidate in candidates:
        match = _NAME_DATE.search(candidate)
        if match:
            try:
                return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
            except ValueError:
                continue
    return None


# The title line is "[", then a line holding "](" and ending in ")": as `\[[^\n]*\]\([^\n]*\)`, the target was
# rescanned from every "](" of the line.
_BODY = re.compile(
    r"\A(?:<!--[^\n]*-->\n)?(?:\[(?=[^\n]*\]\()[^\n]*\)\n------\n\n)?<div>\n(?P<content>.*)\n</div>\n?\Z",
    re.DOTALL,
)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _recover_link(data: dict, body: str, notes: list[str]) -> str | None:
    """The header's `from:`, else the address of the body's [title](address) line."""
    link = _text(data.get("from")).strip()
    if link:
        return link
    match = _TITLE_LINK.search(body)
    if not match:
        return None
    notes.append("address taken from the title line")
    return match.group("url")


def _recover_date(
    data: dict, body: str, relative: str, fallback_date: datetime | None, notes: list[str]
) -> datetime | None:
    """The header's date, else the <!--time--> line's, the path's, or `fallback_date`, in that order."""
    moment = as_datetime(data.get("date"))
    if moment is not None:
        return moment
    epoch = _EPOCH_COMMENT.search(body)
    if epoch:
        notes.append("date taken from the <!--time--> line")
        return datetime.fromtimestamp(int(epoch.group(1)) / 1000, tz=UTC)
    from_path = _date_from_path(relative)
    if from_path is not None:
        notes.append("date taken from the file name")
        return from_path
    if fallback_date is not None:
        notes.append("date taken from the file's modification time")
    return fallback_date


def _recovered_article(data: dict, body: str, relative: str, link: str, moment: datetime, content: str) -> Article:
    categories = as_list(data.get("categories"))
    tags = as_list(data.get("tags"))
    source = categories[0] if categories else (tags[0] if tags else "")
    title = title_text(_text(data.get("title")))  # the rule every title follows, as for fetch and add
    if not title:
        match = _TITLE_LINK.search(body)
        title = title_text(markdown_link_title(match.group("text")) if match else relative.rsplit("/", 1)[-1])
    return Article(
        title=title,
        date=moment,
        author=_text(data.get("author")) or source,
        link=link,
        source=source,
        content=content,
        tags=tags,
        categories=categories,
        comments=bool(data.get("comments", True)),
    )


def repair_text(text: str, relative: str, fallback_date: datetime | None = None) -> tuple[str | None, str]:
    """The repaired post, or None and why it cannot be repaired. Pure: reads only `text` and the path."""
    try:
        header, body = split_front_matter(text)
    except PostFormatError as exc:
        return None, f"cannot repair: {exc}"
    try:
        data = parse_front_matter(header)
    except PostFormatError:  # not YAML, or not a mapping: what the lines still say
        data = lenient_header(header)
    notes: list[str] = []
    if (link := _recover_link(data, body, notes)) is None:
        return None, "cannot repair: no `from:` and no [title](address) line to recover it from"
    if (moment := _recover_date(data, body, relative, fallback_date, notes)) is None:
        return None, "cannot repair: no readable date anywhere"
    body_match = _BODY.match(body)
    # The body on disk is Liquid-escaped already; render_post escapes again, so it gets the plain text.
    content = unescape_liquid(body_match.group("content")) if body_match else ""
    rendered = render_post(_recovered_article(data, body, relative, link, moment, content))
    if body_match is None:
        # Not the mirror layout: keep the body exactly as it was, only the header is rewritten.
        new_header, _ = split_front_matter(rendered)
        rendered = "---\n" + new_header + "---\n" + body
        notes.append("body kept as it was")
    if (problem := post_problem(rendered)) is not None:  # never write something we cannot read back
        return None, f"cannot repair: the rewritten post would not read back ({problem})"
    return rendered, "; ".join(notes) or "header rewritten"


# ---------------------------------------------------------------------------------------------------------------


def _adopt_sources(root: Path, report: ImportReport) -> None:
    config_path = root / CONFIG_NAME
    subs_path = root / SUBS_JSON
    incoming: list[SourceConfig] = []
    if subs_path.exists():
        try:
            incoming = sources_from_subs_json(subs_path.read_bytes().decode("utf-8-sig"), str(subs_path))
        except (ConfigError, UnicodeDecodeError) as exc:
            raise ArchiveImportError(str(exc).splitlines()[0]) from None
    if not config_path.exists():
        head = default_config_text().split("\n[[sources]]", 1)[0] + "\n"  # "# [[sources]]" examples stay
        atomic_write_text(config_path, head)
        report.config_written = True
        existing: list[SourceConfig] = []
    else:
        try:
            existing = load_config(root).sources
        except ConfigError as exc:
            raise ArchiveImportError(str(exc).splitlines()[0]) from None
    names, urls = {s.name for s in existing}, {s.url for s in existing}
    added = []
    for source in incoming:
        if source.name in names or source.url in urls:
            continue
        names.add(source.name)
        urls.add(source.url)
        added.append(source)
    if added or report.config_written:
        try:
            write_sources(config_path, [*existing, *added])
        except ConfigError as exc:
            raise ArchiveImportError(str(exc).splitlines()[0]) from None
    report.sources_added = [s.name for s in added]


def _ignore_cache(root: Path) -> None:
    gitignore = root / ".gitignore"
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if any(line.strip().rstrip("/") in (".newsmirror", "/.newsmirror") for line in text.splitlines()):
        return
    atomic_write_text(gitignore, text + ("" if not text or text.endswith("\n") else "\n") + GITIGNORE_LINE + "\n")


def import_archive(root: Path, repair: bool = False) -> ImportReport:
    """Make `root` a newsmirror archive in place. Raises ArchiveImportError when it cannot be adopted at all."""
    root = root.resolve()
    if not root.is_dir():
        raise ArchiveImportError(f"{root}: not a directory")
    archive = Archive(root)
    if not archive.posts_dir.is_dir() and not archive.archived_dir.is_dir() and not (root / SUBS_JSON).exists():
        raise ArchiveImportError(f"{root}: no _posts/, archived/ or subs.json here: is this a mirror repository?")
    report = ImportReport(root=str(root))
    with locked_state(archive, sync=False) as state:  # synced once, at the end, after the repairs
        _adopt_sources(root, report)
        _ignore_cache(root)
        for path in sorted(archive.iter_post_paths()):
            report.posts += 1
            relative = archive.relative(path)
            try:
                text = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                report.broken.append(BrokenPost(relative, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
                continue
            problem = post_problem(text)
            if problem is None:
                continue
            broken = BrokenPost(relative, problem)
            report.broken.append(broken)
            if repair:
                mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
                fixed, note = repair_text(text, relative, fallback_date=mtime)
                broken.repair_note = note
                if fixed is not None:
                    atomic_write_text(path, fixed)
                    broken.repaired = True
        state.sync_with_disk()  # repaired posts and allurls.dat → the dedup state
        report.legacy_urls = state.legacy_url_count()
    return report
