"""`newsmirror recheck`: revisit mirrored articles and record what happened to them since (archive/revisions.py).

Which articles: those younger than `[recheck] window_days`, each on a falling schedule (`schedule_hours`, ages
after publication: 1 h, 6 h, 1 d, 3 d, 7 d, 30 d), oldest due first, within `budget` requests a run; `--all`
takes every article inside the window now. How: the same Fetcher (per-host limits, retries), address guard and
conditional GET as `fetch`. What: `deleted` (ingest/deletion.py: HTTP 404/410/451, a redirect to the front page,
a platform's notice), `edited` (ingest/edits.py: the text extracted again the way the post was made, compared
with the newest version kept) or `unchanged`; a deleted article whose page comes back is recorded as restored.
A text made under other settings than the text kept (ingest/making.py) is made again the earlier way to be
compared; one made by other code is compared with nothing. Either becomes the text later checks compare with
(RecheckMark.baseline, where it differs from the newest version).

"The way the post was made": a source with `fulltext = "always"` gets its article page extracted again; one with
`fulltext = "never"` gets its feed read again (once a run, never with nor saving the feed's validators, which
are `fetch`'s) and the article's item made safe again; an `auto` source is decided as `fetch` decides, on the feed
item (when the feed no longer lists the article, its text is not compared: a page extraction compared with a
feed's text would differ without any edit). The page is asked for in every case: it is what shows a deletion.

Nothing is lost: event files are written whole and never replaced; the bookkeeping (last check, next due,
outcome) is the state cache's, written after the files; `_data/newsmirror_revisions.json`, what the Jekyll
templates read, is rewritten from the event files in one atomic step.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsmirror.archive.identity import canonical_url
from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import PostFormatError, parse_post
from newsmirror.archive.revisions import (
    DATA_NAME,
    DELETED,
    EDITED,
    RESTORED,
    Event,
    History,
    read_histories,
    read_history,
)
from newsmirror.archive.revisions import append_event as write_event
from newsmirror.archive.state import RecheckMark, State, locked_state
from newsmirror.config import Config, RecheckConfig, SourceConfig
from newsmirror.files import write_if_changed
from newsmirror.ingest.deletion import Deletion, deleted_by_status, deleted_page
from newsmirror.ingest.edits import TextChange, compare_text
from newsmirror.ingest.guard import AddressGuard, source_guard
from newsmirror.ingest.http import Fetcher, FetchResult
from newsmirror.ingest.making import source_made_as, text_making
from newsmirror.models import Entry, FetchError, SourceProblem, Validators
from newsmirror.site.urls import revision_folder, revision_url
from newsmirror.urlsafety import http_link
from newsmirror.workers import WorkerPool

UNCHANGED = "unchanged"
STATUSES = (UNCHANGED, EDITED, DELETED)  # what --json reports; a failed check is a line of `failures`
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass(slots=True)
class RecheckOutcome:
    url: str
    post: str  # archive-relative path
    status: str  # one of STATUSES
    evidence: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def to_dict(self) -> dict:
        return {"url": self.url, "post": self.post, "status": self.status, "evidence": self.evidence}


@dataclass(slots=True)
class RecheckReport:
    started: datetime
    finished: datetime | None = None
    due: int = 0  # articles due (or, with --all, inside the window)
    later: int = 0  # due but left for a later run by the budget
    outcomes: list[RecheckOutcome] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "url: cause", checks that told nothing
    requests: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def succeeded(self) -> bool:
        return bool(self.outcomes) or not self.failures

    def to_dict(self) -> dict:
        return {
            "started": self.started.isoformat(), "finished": self.finished.isoformat() if self.finished else None,
            "due": self.due, "later": self.later, "requests": self.requests, "bytes": self.bytes,
            "outcomes": [o.to_dict() for o in self.outcomes], "failures": self.failures, "warnings": self.warnings,
        }  # fmt: skip


# -- which posts are due ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DuePost:
    relative: str  # archive-relative path
    name: str  # the file name: the key of its record and bookkeeping
    source: str
    published: datetime
    due: datetime  # the checkpoint it is due for (its publication date with --all)


def _checkpoints(published: datetime, settings: RecheckConfig) -> list[datetime]:
    window = timedelta(days=settings.window_days)
    ages = sorted({timedelta(hours=h) for h in settings.schedule_hours if timedelta(hours=h) <= window})
    return [published + age for age in ages]


def due_checkpoint(published: datetime, last: datetime | None, now: datetime, settings: RecheckConfig) -> datetime | None:
    """The latest checkpoint passed that the post has not been revisited since, or None."""
    passed = [point for point in _checkpoints(published, settings) if point <= now]
    if not passed or (last is not None and last >= passed[-1]):
        return None
    return passed[-1]


def next_checkpoint(published: datetime, now: datetime, settings: RecheckConfig) -> datetime | None:
    return next((point for point in _checkpoints(published, settings) if point > now), None)


def due_posts(state: State, now: datetime, settings: RecheckConfig, everything: bool) -> list[DuePost]:
    """The posts to revisit, the longest waiting first."""
    marks = state.recheck_marks()
    window = timedelta(days=settings.window_days)
    due: list[DuePost] = []
    for summary in state.summaries():
        published = summary.date
        if published is None or published > now or now - published > window + timedelta(hours=max(settings.schedule_hours)):
            continue
        name = summary.path.rsplit("/", 1)[-1]
        mark = marks.get(name)
        if everything:
            point: datetime | None = published if now - published <= window else None
        else:
            point = due_checkpoint(published, mark.last_checked if mark else None, now, settings)
        if point is not None:
            due.append(DuePost(summary.path, name, summary.source, published, point))
    due.sort(key=lambda d: (d.due, d.relative))
    return due


# -- one run ----------------------------------------------------------------------------------------------------


def _feed_source(source: SourceConfig | None) -> bool:
    """Whether the source's posts may have been made from its feed's content (their text is compared with it)."""
    return source is not None and source.fulltext != "always"


def within_budget(due: list[DuePost], config: Config, budget: int) -> list[DuePost]:
    """As many of `due` as `budget` requests allow: one for each article page, one for each feed read again."""
    chosen: list[DuePost] = []
    feeds: set[str] = set()
    spent = 0
    for post in due:
        source = config.source(post.source)
        cost = 1 + (1 if _feed_source(source) and post.source not in feeds else 0)
        if spent + cost > budget:
            continue
        spent += cost
        if _feed_source(source):
            feeds.add(post.source)
        chosen.append(post)
    return chosen


class Recheck:
    """What one run shares: the archive, the state, the client, each source's feed as read this run."""

    def __init__(self, config: Config, state: State, fetcher: Fetcher, workers: WorkerPool, now: datetime, report: RecheckReport):
        self.config = config
        self.root = config.root
        self.state = state
        self.fetcher = fetcher
        self.workers = workers
        self.now = now
        self.report = report
        self.marks: list[RecheckMark] = []
        self._feeds: dict[str, asyncio.Task[dict[str, Entry] | None]] = {}
        self._previous = state.recheck_marks()
        self._folders: dict[str, str] | None = None  # version folder → its post (revision_url), read at the first edit
        self._texts: dict[str, TextKept] = {}  # the text each post checked this run is to be compared with next
        self.rebaselined = 0  # checks whose text was made by other code or settings than the text kept

    def guard(self, source: SourceConfig | None) -> AddressGuard:
        if source is None:  # a source no longer configured: public networks and [fetch] allow_private only
            return AddressGuard.from_settings(self.config.fetch.allow_private, hint="allow it with allow_private")
        return source_guard(self.config.fetch, source)

    async def _get(self, url: str, guard: AddressGuard, validators: Validators | None, accept: str) -> FetchResult:
        self.report.requests += 1
        result = await self.fetcher.get(url, validators=validators, guard=guard, accept=accept)
        self.report.bytes += len(result.content)
        return result

    # -- the feed, read again ----------------------------------------------------------------------------------

    def feed_items(self, source: SourceConfig) -> asyncio.Task[dict[str, Entry] | None]:
        """The source's feed items by canonical address, read once a run (None when it cannot be read)."""
        if source.name not in self._feeds:
            self._feeds[source.name] = asyncio.ensure_future(self._read_feed(source))
        return self._feeds[source.name]

    async def _read_feed(self, source: SourceConfig) -> dict[str, Entry] | None:
        """The source's document read and parsed as its kind says (ingest/kinds.py: a feed, a list page, an RSSHub
        route, a channel), without the validators `fetch` keeps for it."""
        from newsmirror.ingest.kinds import fetch_document, parse_document

        try:
            self.report.requests += 1
            document = await fetch_document(self.fetcher, source, self.config.fetch)
            result = document.result
            self.report.bytes += len(result.content)
            feed = await self.workers.run(
                parse_document, source, result.content, charset=result.charset, content_type=result.content_type,
                now=self.now, base_url=result.final_url,
            )
        except SourceProblem as exc:
            self.report.warnings.append(f"{source.name}: the feed could not be read again ({exc}); its texts not compared")
            return None
        return {canonical_url(e.link): e for e in feed.entries if e.link}

    # -- one post ----------------------------------------------------------------------------------------------

    async def check(self, due: DuePost) -> None:
        try:
            post = parse_post((self.root / due.relative).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PostFormatError) as exc:
            self._failed(due, due.relative, f"the post cannot be read: {exc}")
            return
        url = http_link(post.link)
        if not url:
            self._failed(due, due.relative, "the post has no http(s) address")
            return
        try:
            await self._check(due, url, post.title, post.content)
        except SourceProblem as exc:  # extraction or sanitizing past its time limit, a feed that broke, …
            self._failed(due, url, str(exc))
        except OSError as exc:
            self._failed(due, url, f"cannot write to the archive: {exc.strerror or exc}")

    async def _check(self, due: DuePost, url: str, title: str, original: str) -> None:
        source = self.config.source(due.source)
        history = read_history(self.root, due.name)
        previous = self._previous.get(due.name)
        # Conditional GET only when the page was last answered with the article: its validators describe it.
        answered = previous is not None and previous.outcome in (UNCHANGED, EDITED)
        validators, seen_hash = self.state.validators(url) if answered else (None, None)
        try:
            result = await self._get(url, self.guard(source), validators, PAGE_ACCEPT)
        except FetchError as exc:
            deletion = deleted_by_status(exc.status or 0, url)
            if deletion is None:
                raise
            self._deleted(due, url, title, history, deletion)
            return
        body_hash = None if result.not_modified else hashlib.sha256(result.content).hexdigest()
        evidence = {"http_status": str(result.status), "final_url": result.final_url}
        if body_hash is not None and body_hash == seen_hash and history.deletion is None:  # the same bytes again
            self._outcome(due, url, UNCHANGED, {**evidence, "reason": "the same page as at the last check"})
            return
        page = self._page_or_deletion(due, url, title, history, result)
        if page is None:
            return
        if history.deletion is not None:
            self._event(due, Event(RESTORED, history.last_number + 1, self.now, due.name, url, title, evidence))
            evidence["reason"] = "restored: the article is back at its address"
        status = await self._compare(due, url, title, original, source, result, page or None, evidence)
        self._outcome(due, url, status, evidence)
        self._remember(url, result, body_hash, source)

    def _page_or_deletion(self, due: DuePost, url: str, title: str, history: History, result: FetchResult) -> str | None:
        """The page's text ("" when unchanged since the last check); None when it showed the article deleted
        (recorded, or still so)."""
        if result.not_modified:
            if history.deletion is None:
                return ""
            self._outcome(due, url, DELETED, {**history.deletion.evidence, "http_status": "304"})
            return None
        from newsmirror.ingest.encoding import decode

        page = decode(result.content, "page", result.charset).text
        deletion = deleted_page(url, result.final_url, result.status, page)
        if deletion is None:
            return page
        self._deleted(due, url, title, history, deletion)
        return None

    async def _compare(
        self, due: DuePost, url: str, title: str, original: str, source: SourceConfig | None, result: FetchResult,
        page: str | None, evidence: dict[str, str],
    ) -> str:
        """Edited or unchanged: the text made again against the newest version kept (an edit recorded here)."""
        fresh = await self._fresh_content(source, url, result, page)
        if isinstance(fresh, NotCompared):
            evidence["reason"] = fresh.reason
            return UNCHANGED
        if not fresh:
            return UNCHANGED
        history = read_history(self.root, due.name)
        latest = history.versions[-1].content if history.versions else original
        kept_making, kept = self._text_kept(due, latest, bool(history.versions))
        change = compare_text(kept, fresh)
        evidence["changed_chars"] = str(change.changed_chars)
        texts = Texts(latest, kept, kept_making, fresh, text_making(source), change)
        if texts.kept_making != texts.making:
            assert source is not None  # fresh text is made only for a configured source
            told = await self._told_apart(due, source, texts, url, result, page, evidence)
            if told is not None:
                return told
        elif not change.is_edit:
            return UNCHANGED
        version = len(history.versions) + 2  # the post is version 1
        earlier = history.versions[-1].permalink if history.versions else ""
        permalink = revision_url(due.name, version, {} if earlier else self._version_folders(), earlier)
        self._event(due, Event(EDITED, history.last_number + 1, self.now, due.name, url, title, dict(evidence), version,
                               permalink, content=fresh))  # fmt: skip
        if self._folders is not None:  # else read from the record when it is first needed, this event included
            self._folders[revision_folder(permalink)] = due.name
        self._texts[due.name] = TextKept(texts.making)  # the version just recorded
        evidence["version"] = str(version)
        return EDITED

    def _text_kept(self, due: DuePost, latest: str, versions: bool) -> tuple[str, str]:
        """(its making, "" where not known; the text the fresh one is compared with): the text the post's last
        check took as its baseline, else its newest version (`latest`: a later version if `versions`, whose making
        the post's own does not tell)."""
        mark = self._previous.get(due.name)
        if mark is not None and mark.making:
            return mark.making, latest if mark.baseline is None else mark.baseline
        return ("" if versions else self.state.post_making(due.relative)), latest

    async def _told_apart(
        self, due: DuePost, source: SourceConfig, texts: Texts, url: str, result: FetchResult, page: str | None,
        evidence: dict[str, str],
    ) -> str | None:
        """The text kept was made otherwise than the fresh one. None where an edit shows like with like (the text
        made again under the earlier settings: ingest/making.py source_made_as), for the caller to record; else
        UNCHANGED, the fresh text now the one to compare with."""
        if not texts.change.is_edit:  # the text mirrored is the one kept but for noise: no edit to look for
            return self._new_baseline(due, texts, evidence, lost=False)
        earlier = source_made_as(source, texts.kept_making) if texts.kept_making else None
        again = await self._fresh_content(earlier, url, result, page) if earlier is not None else NotCompared("")
        if again is None:  # the page is the one the last check read: so is its article
            return self._new_baseline(due, texts, evidence, lost=False)
        if isinstance(again, NotCompared) or not again:  # other code, a making not known: the difference tells nothing
            return self._new_baseline(due, texts, evidence, lost=True)
        like = compare_text(texts.kept, again)
        evidence["changed_chars"] = str(like.changed_chars)
        if like.is_edit:
            return None
        evidence["reason"] = "no edit (the text made again under the earlier settings); the new text kept to compare with"
        return self._new_baseline(due, texts, evidence, lost=False)

    def _new_baseline(self, due: DuePost, texts: Texts, evidence: dict[str, str], lost: bool) -> str:
        """The fresh text is what later checks compare with (kept in the state where it is not the newest
        version's but for noise). `lost`: it differs from the text kept by an edit's worth, which cannot be told
        from the change of making: an edit made since the last check would be lost (counted, warned)."""
        baseline = texts.fresh if compare_text(texts.latest, texts.fresh).is_edit else None
        self._texts[due.name] = TextKept(texts.making, baseline)
        if lost:
            self.rebaselined += 1
            evidence["reason"] = "text made by other code or settings than the text kept: not compared, kept to compare with"
        return UNCHANGED

    def _remember(self, url: str, result: FetchResult, body_hash: str | None, source: SourceConfig | None) -> None:
        """The page's validators and hash, for a conditional GET and a cheap "same bytes" next time; after the
        files, so that a killed run asks again. Not for a post made from its feed: its text may change under the
        same page."""
        if not result.not_modified and not _feed_source(source):
            self.state.save_validators(url, result.validators, body_hash)

    async def _fresh_content(self, source: SourceConfig | None, url: str, result: FetchResult, page: str | None) -> str | NotCompared | None:
        """The article's safe HTML made again the way its post was made, or why its text is not compared (None:
        the page is unchanged since the last check, so is its text)."""
        from newsmirror.ingest.fulltext import looks_partial

        if source is None:
            return NotCompared("text not compared: the source is no longer configured")
        entry = None
        if _feed_source(source):
            items = await self.feed_items(source)
            entry = items.get(canonical_url(url)) if items is not None else None
            if entry is None and source.fulltext == "never":
                return NotCompared("text not compared: the feed no longer lists the article")
            if entry is None:
                return NotCompared("text not compared: the feed no longer lists the article, and its post may hold the feed's text")
        if entry is not None and (source.fulltext == "never" or not looks_partial(entry.content, entry.has_full_content)):
            return await self._safe(entry.content, entry.link or url, source)
        if page is None:
            return None
        from newsmirror.ingest.fulltext import extract_article

        extracted = await self.workers.run(  # the page decoded once, as the deletion check read it
            extract_article, page, result.final_url,
            content_selector=source.content_selector, remove_selectors=source.remove_selectors,
        )  # fmt: skip
        return await self._safe(extracted.content, result.final_url, source)

    async def _safe(self, html: str, base: str, source: SourceConfig) -> str:
        from newsmirror.ingest.sanitize import sanitize_html

        safe = await self.workers.run(sanitize_html, html, base_url=base) if html else ""
        if safe and source.convert:
            from newsmirror.ingest.convert import convert_html

            safe = convert_html(safe, source.convert)
        return safe

    # -- what was found ------------------------------------------------------------------------------------------

    def _version_folders(self) -> dict[str, str]:
        """Every version page's folder → its post, from the record (read once a run, and only when it records an
        edit); kept up to date with the edits this run records."""
        if self._folders is None:
            self._folders = {revision_folder(event.permalink): name for name, history in read_histories(self.root).items()
                             for event in history.versions if event.permalink}  # fmt: skip
        return self._folders

    def _event(self, due: DuePost, event: Event) -> Event:
        return write_event(self.root, event)  # whole or not at all, never over another

    def _deleted(self, due: DuePost, url: str, title: str, history: History, deletion: Deletion) -> None:
        evidence = {**deletion.evidence, "reason": deletion.reason}
        if history.deletion is None:  # a deletion found again is the same deletion
            self._event(due, Event(DELETED, history.last_number + 1, self.now, due.name, url, title, evidence))
        self._outcome(due, url, DELETED, evidence)

    def _outcome(self, due: DuePost, url: str, status: str, evidence: dict[str, str]) -> None:
        self.report.outcomes.append(RecheckOutcome(url, due.relative, status, evidence, due.source))
        self._mark(due, status)

    def _failed(self, due: DuePost, what: str, cause: str) -> None:
        self.report.failures.append(f"{what}: {' '.join(cause.split())}")
        self._mark(due, "failed")

    def _mark(self, due: DuePost, outcome: str) -> None:
        previous = self._previous.get(due.name)
        kept = self._texts.get(due.name)
        if kept is None:  # not compared this time: as it was
            kept = TextKept(previous.making, previous.baseline) if previous else TextKept("")
        upcoming = next_checkpoint(due.published, self.now, self.config.recheck)
        if upcoming is None and kept.content is not None:  # checked for the last time: no text kept for it in the
            kept = TextKept("")  # state; what made the text it would be compared with next (an --all) is unknown
        self.marks.append(RecheckMark(due.name, self.now, upcoming, outcome, (previous.checks if previous else 0) + 1,
                                      kept.making, kept.content))  # fmt: skip


@dataclass(frozen=True, slots=True)
class NotCompared:
    reason: str


@dataclass(frozen=True, slots=True)
class Texts:
    """What one check compares: the post's newest version, the text kept to compare with (it, or a baseline),
    the text made now, their makings (ingest/making.py) and the change between the kept and the fresh."""

    latest: str
    kept: str
    kept_making: str
    fresh: str
    making: str
    change: TextChange


@dataclass(frozen=True, slots=True)
class TextKept:
    """The text a post's next check compares with, and its making (ingest/making.py): `content` None for the
    post's newest version."""

    making: str
    content: str | None = None


# -- the data file the Jekyll templates read ------------------------------------------------------------------------


def revision_data(root: Path, state: State) -> dict:
    """`_data/newsmirror_revisions.json`: per post file name its versions (with the diff to the one before, for
    the Jekyll version page) and its deletion, and the deleted articles newest first."""
    from newsmirror.archive.postformat import post_content
    from newsmirror.site.diff import diff_html
    from newsmirror.site.history import deletion_words
    from newsmirror.site.urls import post_url

    summaries = {s.path.rsplit("/", 1)[-1]: s for s in state.summaries()}
    posts: dict[str, dict] = {}
    deleted: list[dict] = []
    for name, history in sorted(read_histories(root).items()):
        summary = summaries.get(name)
        if summary is None or summary.date is None:
            continue
        page = post_url(name, summary.date)
        try:
            previous = post_content((root / summary.path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, PostFormatError):
            previous = ""
        versions = []
        for event in history.versions:
            versions.append({"version": event.version, "date": _day(event.date), "url": event.permalink,
                             "diff": diff_html(previous, event.content)})  # fmt: skip
            previous = event.content
        deletion = history.deletion
        entry: dict = {"url": page, "versions": versions, "deleted": None}
        if deletion is not None:
            entry["deleted"] = {"date": _day(deletion.date), "reason": deletion_words(deletion.evidence)}
            deleted.append({"post": name, "title": summary.title, "source": summary.source, "url": page,
                            "from": deletion.url, "published": _day(summary.date), "deleted": _day(deletion.date),
                            "deleted_iso": deletion.date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "reason": deletion_words(deletion.evidence)})  # fmt: skip
        posts[name] = entry
    deleted.sort(key=lambda d: (d["deleted_iso"], d["post"]), reverse=True)
    return {"posts": posts, "deleted": deleted}


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def write_revision_data(root: Path, state: State) -> bool:
    """Rewrite the data file when what it says changed; whether it was written."""
    text = json.dumps(revision_data(root, state), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return write_if_changed(root / "_data" / f"{DATA_NAME}.json", text)


# -- the command ------------------------------------------------------------------------------------------------


def run_recheck(
    config: Config,
    *,
    everything: bool = False,
    proxy: str | None = None,
    wait: float = 0.0,
    now: datetime | None = None,
    budget: int | None = None,
    on_checked: Callable[[int, int], None] | None = None,
) -> RecheckReport:
    """Revisit the due articles of the archive. Raises LockedError when another run holds the archive."""
    archive = Archive(config.root)
    now = now or datetime.now(UTC).replace(microsecond=0)
    report = RecheckReport(started=datetime.now(UTC))
    with locked_state(archive, wait=wait) as state:
        changed = state.sync_revisions()  # event files added or changed by hand, or a cache rebuilt
        due = due_posts(state, now, config.recheck, everything)
        chosen = within_budget(due, config, config.recheck.budget if budget is None else budget)
        report.due, report.later = len(due), len(due) - len(chosen)
        asyncio.run(_check_all(config, state, proxy, now, chosen, report, on_checked))
        changed += state.sync_revisions()
        if changed or not (config.root / "_data" / f"{DATA_NAME}.json").exists():
            write_revision_data(config.root, state)
    report.finished = datetime.now(UTC)
    return report


async def _check_all(
    config: Config, state: State, proxy: str | None, now: datetime, chosen: list[DuePost], report: RecheckReport,
    on_checked: Callable[[int, int], None] | None,
) -> None:
    if not chosen:
        return
    workers = WorkerPool(limit=config.fetch.item_time_limit)
    try:
        async with Fetcher(config.fetch, proxy=proxy) as fetcher:
            run = Recheck(config, state, fetcher, workers, now, report)
            for done, finished in enumerate(asyncio.as_completed([run.check(post) for post in chosen]), start=1):
                await finished
                if on_checked is not None:
                    on_checked(done, len(chosen))
            state.record_rechecks(run.marks)
            if run.rebaselined:
                report.warnings.append(
                    f"{run.rebaselined} article(s) whose text, made by other code or settings than the text kept (a "
                    "newer newsmirror or extractor, other source settings), differs from it: not compared this "
                    "time, compared from the next check on"
                )
    finally:
        await asyncio.to_thread(workers.close)
