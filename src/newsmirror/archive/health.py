"""Source health: what `newsmirror status` shows and the site's status page draws.

Everything comes from the state cache (source outcomes recorded by each run, the posts table with each post's
date and the time the mirror wrote it). Pure functions turn that into a StatusReport, a text chart, and an SVG chart that needs no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import as_datetime
from newsmirror.archive.state import PageRecord, RevisionCounts, SourceHealth, State
from newsmirror.config import Config, SourceConfig, source_kind, validators_key
from newsmirror.models import PAGE_CHANGED

CHART_DAYS = 30


FAILING_FLAG_AFTER = timedelta(days=7)
# A list page or channel that gave at least USUAL_AT_LEAST entries and now gives under FEWER_THAN of them has most
# likely changed its layout (a selector now catches only a sidebar), not stopped publishing.
USUAL_AT_LEAST = 3
FEWER_THAN = 1 / 3


def page_settings(source: SourceConfig) -> str:
    """What a page's counts are for: its address and selectors. Edited selectors start a new count."""
    selectors = source.list_page
    parts = [source.url, *(getattr(selectors, name) for name in ("item", "link", "title"))] if selectors else [source.url]
    return "\x1f".join(parts)


def read_page(previous: PageRecord | None, source: SourceConfig, entries: int, when: datetime) -> PageRecord:
    """The record of a page that gave `entries` entries: flagged when that is far fewer than it usually gives."""
    settings = page_settings(source)
    usual = previous.usual if previous is not None and previous.settings == settings else 0
    stamp = when.astimezone(UTC).isoformat()
    if usual >= USUAL_AT_LEAST and entries < usual * FEWER_THAN:
        changed = f"{PAGE_CHANGED} (it gave {entries} entries, usually {usual})"
        return PageRecord(entries, usual, settings, changed, stamp)
    return PageRecord(entries, entries, settings, "", stamp)


def broken_page(previous: PageRecord | None, source: SourceConfig, why: str, when: datetime) -> PageRecord:
    """The record of a page on which the selectors found nothing (`why`): its usual count is kept."""
    settings = page_settings(source)
    usual = previous.usual if previous is not None and previous.settings == settings else 0
    return PageRecord(0, usual, settings, why, when.astimezone(UTC).isoformat())


@dataclass(slots=True)
class SourceStatus:
    name: str
    url: str = ""
    enabled: bool = True
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    failing_since: str | None = None
    posts_24h: int = 0  # posts the mirror wrote in the last 24 hours (whatever their articles' dates)
    posts_7d: int = 0
    posts_total: int = 0
    fetches: int = 0
    not_modified: int = 0  # answers that said "unchanged" (304, or the same bytes as last time)
    validators: str = "none"  # what the feed offers for conditional requests: etag, last-modified, both, none
    per_day: list[int] = field(default_factory=list)  # posts fetched per day, oldest first, CHART_DAYS long
    published_per_day: list[int] = field(default_factory=list)  # posts by their articles' dates, the same days
    flagged: bool = False  # failing for a week or more, or a list page or channel that changed
    flag_reason: str = ""
    page_changed: str = ""  # why a list page or channel looks changed (PAGE_CHANGED …), "" when it does not
    edited_posts: int = 0  # articles edited at the source after they were mirrored (newsmirror recheck)
    versions: int = 0  # their later versions kept
    deleted: int = 0  # articles deleted at the source (and not back)

    @property
    def answers_304(self) -> bool:
        return self.not_modified > 0 and self.validators != "none"


@dataclass(slots=True)
class StatusReport:
    generated: str
    days: list[str]  # the chart's days, oldest first (YYYY-MM-DD)
    sources: list[SourceStatus]
    per_day: list[int]  # posts fetched per day, all sources together
    published_per_day: list[int] = field(default_factory=list)  # … and by their articles' dates
    unreadable_posts: int = 0
    size: dict | None = None  # operations/size.SizeReport.to_dict(), for `status --json`

    @property
    def flagged(self) -> list[SourceStatus]:
        return [s for s in self.sources if s.flagged]

    def to_dict(self) -> dict:
        data = asdict(self)
        for source, row in zip(self.sources, data["sources"], strict=True):
            row["answers_304"] = source.answers_304
        return data


def flag_for(health: SourceHealth, now: datetime) -> tuple[bool, str]:
    """A source failing for a week or more: every fetch failed since, and none succeeded in those seven days."""
    if health.consecutive_failures <= 0:
        return False, ""
    since = as_datetime(health.failing_since) or as_datetime(health.last_error_at)
    success = as_datetime(health.last_success)
    if since is None or now - since < FAILING_FLAG_AFTER:
        return False, ""
    if success is not None and now - success < FAILING_FLAG_AFTER:
        return False, ""
    days = (now - since).days
    return True, f"failing for {days} days ({health.consecutive_failures} failures in a row)"


def changed_pages(config: Config, pages: dict[str, PageRecord]) -> dict[str, str]:
    """Source → why its list page or channel looks changed, for the pages last read with the address and
    selectors still configured (edited selectors are given their chance at the next run)."""
    changed = {}
    for source in config.sources:
        page = pages.get(source.name)
        if page is not None and page.changed and page.settings == page_settings(source):
            changed[source.name] = page.changed
    return changed


def page_health(config: Config) -> dict[str, str]:
    """changed_pages from the state cache; nothing when the archive has no cache yet (none is made for it)."""
    archive = Archive(config.root)
    if not (archive.state_dir / "state.sqlite").exists():
        return {}
    state = State.open(archive)
    try:
        return changed_pages(config, state.page_records())
    finally:
        state.close()


Stamp = str | datetime | float | None  # a post's date or fetch time: ISO text, a datetime or UTC seconds


class _Window:
    """The chart's days. Every count but the total is of stamps inside them, and nearly all of a large archive's
    are years older: those are told apart without being read as dates."""

    def __init__(self, first: date) -> None:
        # An ISO date with an offset is at most a day from its UTC date: two days' margin.
        self._before_text = (first - timedelta(days=2)).isoformat()
        self._before_seconds = datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()

    def moment(self, stamp: Stamp) -> datetime | None:
        """The stamp as a datetime, or None when it cannot fall in the chart (or is no date)."""
        if isinstance(stamp, float):  # a record's timestamp, made from a datetime: always one again
            return None if stamp < self._before_seconds else datetime.fromtimestamp(stamp, UTC)
        if isinstance(stamp, str):
            text = stamp.lstrip()
            if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:10] < self._before_text:
                return None  # YYYY-MM-DD…: compared as text, exactly (other ISO forms are read)
        return as_datetime(stamp)


def build_status(
    config: Config,
    health: dict[str, SourceHealth],
    posts: Sequence[tuple[str, Stamp]],  # (source, date: ISO, datetime or UTC seconds) of every readable post
    validators: dict[str, tuple[str, str]],  # feed URL → (etag, last_modified)
    now: datetime,
    unreadable: int = 0,
    pages: dict[str, PageRecord] | None = None,  # source → what its list page or channel gave when last read
    revisions: dict[str, RevisionCounts] | None = None,  # source → its edits and deletions (State.revision_counts)
    fetched: Sequence[tuple[str, str | None]] = (),  # (source, ISO time the mirror wrote it) of posts where known
) -> StatusReport:
    """Pure: the status of every configured source (and of any other source that has posts or history)."""
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]
    index_of = {day: i for i, day in enumerate(days)}
    statuses: dict[str, SourceStatus] = {}
    for configured in config.sources:
        statuses[configured.name] = SourceStatus(name=configured.name, url=configured.url, enabled=configured.enabled)
    for name in health:
        statuses.setdefault(name, SourceStatus(name=name, enabled=False))
    for status in statuses.values():
        status.per_day, status.published_per_day = [0] * CHART_DAYS, [0] * CHART_DAYS
    changed = changed_pages(config, pages or {})
    window = _Window(days[0])
    for source, stamp in posts:
        if source not in statuses:  # not setdefault: its default would be made for every post
            statuses[source] = SourceStatus(name=source, enabled=False, per_day=[0] * CHART_DAYS,
                                            published_per_day=[0] * CHART_DAYS)  # fmt: skip
        status = statuses[source]
        status.posts_total += 1
        moment = window.moment(stamp)
        slot = None if moment is None else index_of.get(moment.astimezone(UTC).date())
        if slot is not None:
            status.published_per_day[slot] += 1
    for source, stamp in fetched:
        moment = window.moment(stamp)
        if source not in statuses or moment is None:
            continue
        status = statuses[source]
        status.posts_24h += moment >= now - timedelta(hours=24)
        status.posts_7d += moment >= now - timedelta(days=7)
        slot = index_of.get(moment.astimezone(UTC).date())
        if slot is not None:
            status.per_day[slot] += 1
    for name, counts in (revisions or {}).items():
        if name in statuses:
            statuses[name].edited_posts, statuses[name].versions = counts.edited_posts, counts.versions
            statuses[name].deleted = counts.deleted
    for name, status in statuses.items():
        record = health.get(name)
        if record is not None:
            status.last_success = record.last_success
            status.last_error = record.last_error
            status.last_error_at = record.last_error_at
            status.consecutive_failures = record.consecutive_failures
            status.failing_since = record.failing_since
            status.fetches = record.fetch_count
            status.not_modified = record.not_modified_count
            status.flagged, status.flag_reason = flag_for(record, now)
        if name in changed:
            status.page_changed = changed[name]
            status.flagged, status.flag_reason = True, changed[name]
        etag, modified = validators.get(status.url, ("", ""))
        status.validators = {(True, True): "etag, last-modified", (True, False): "etag",
                             (False, True): "last-modified"}.get((bool(etag), bool(modified)), "none")  # fmt: skip
    ordered = sorted(statuses.values(), key=lambda s: (not s.flagged, not s.enabled, s.name))
    return StatusReport(
        generated=now.astimezone(UTC).isoformat(),
        days=[d.isoformat() for d in days],
        sources=ordered,
        per_day=[sum(s.per_day[i] for s in ordered) for i in range(CHART_DAYS)],
        published_per_day=[sum(s.published_per_day[i] for s in ordered) for i in range(CHART_DAYS)],
        unreadable_posts=unreadable,
    )


def _source_validators(config: Config, state: State) -> dict[str, tuple[str, str]]:
    """Source address → (etag, last_modified) of what it answered, read under the key the fetch saved them under
    (a list page's carries its selectors; a route's is its address on the instance that served it last)."""
    saved = state.all_validators()
    found: dict[str, tuple[str, str]] = {}
    for source in config.sources:
        instance = state.rsshub_instance(source.url)[0] if source_kind(source) == "rsshub" else ""
        validators = saved.get(validators_key(source, config.fetch, instance))
        if validators is not None:
            found[source.url] = (validators.etag, validators.last_modified)
    return found


def status_data(
    config: Config,
    now: datetime | None = None,
    posts: Sequence[tuple[str, Stamp]] | None = None,
    unreadable: int = 0,
) -> StatusReport:
    """The status of every source. Without `posts` (source, ISO date, datetime or UTC seconds), the state is first
    brought up to date with the posts on disk and they are read from it; the site builder passes the posts it has
    just read."""
    now = now or datetime.now(UTC)
    state = State.open(Archive(config.root))
    try:
        if posts is None:
            state.sync_with_disk()
            state.sync_revisions()
            posts = state.source_dates()
            unreadable = len(state.unreadable_posts())
        validators = _source_validators(config, state)
        return build_status(config, state.health(), posts, validators, now, unreadable, state.page_records(),
                            state.revision_counts(), fetched=state.fetch_dates())  # fmt: skip
    finally:
        state.close()

