"""Source health: what `newsmirror status` shows and the site's status page draws.

Everything comes from the state cache (source outcomes recorded by each run, the posts table with each post's
date). Pure functions turn that into a StatusReport, a text chart, and an SVG chart that needs no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from newsmirror.archive.layout import Archive
from newsmirror.archive.postformat import as_datetime
from newsmirror.archive.state import SourceHealth, State
from newsmirror.config import Config

CHART_DAYS = 30


FAILING_FLAG_AFTER = timedelta(days=7)


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
    posts_24h: int = 0
    posts_7d: int = 0
    posts_total: int = 0
    fetches: int = 0
    not_modified: int = 0  # answers that said "unchanged" (304, or the same bytes as last time)
    validators: str = "none"  # what the feed offers for conditional requests: etag, last-modified, both, none
    per_day: list[int] = field(default_factory=list)  # posts per day, oldest first, CHART_DAYS long
    flagged: bool = False  # failing for a week or more
    flag_reason: str = ""

    @property
    def answers_304(self) -> bool:
        return self.not_modified > 0 and self.validators != "none"


@dataclass(slots=True)
class StatusReport:
    generated: str
    days: list[str]  # the chart's days, oldest first (YYYY-MM-DD)
    sources: list[SourceStatus]
    per_day: list[int]  # all sources together
    unreadable_posts: int = 0

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


def build_status(
    config: Config,
    health: dict[str, SourceHealth],
    posts: Sequence[tuple[str, str | None]],  # (source, ISO date) of every readable post
    validators: dict[str, tuple[str, str]],  # feed URL → (etag, last_modified)
    now: datetime,
    unreadable: int = 0,
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
        status.per_day = [0] * CHART_DAYS
    for source, stamp in posts:
        if source not in statuses:
            statuses[source] = SourceStatus(name=source, enabled=False, per_day=[0] * CHART_DAYS)
        status = statuses[source]
        status.posts_total += 1
        moment = as_datetime(stamp)
        if moment is None:
            continue
        # A post dated ahead of now (a feed's wrong time zone) is counted as recent.
        status.posts_24h += moment >= now - timedelta(hours=24)
        status.posts_7d += moment >= now - timedelta(days=7)
        slot = index_of.get(moment.astimezone(UTC).date())
        if slot is not None:
            status.per_day[slot] += 1
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
        etag, modified = validators.get(status.url, ("", ""))
        status.validators = {(True, True): "etag, last-modified", (True, False): "etag",
                             (False, True): "last-modified"}.get((bool(etag), bool(modified)), "none")  # fmt: skip
    ordered = sorted(statuses.values(), key=lambda s: (not s.flagged, not s.enabled, s.name))
    totals = [sum(s.per_day[i] for s in ordered) for i in range(CHART_DAYS)]
    return StatusReport(
        generated=now.astimezone(UTC).isoformat(),
        days=[d.isoformat() for d in days],
        sources=ordered,
        per_day=totals,
        unreadable_posts=unreadable,
    )


def status_data(
    config: Config,
    now: datetime | None = None,
    posts: Sequence[tuple[str, str | None]] | None = None,
    unreadable: int = 0,
) -> StatusReport:
    """The status of every source. Without `posts` (source, ISO date), the state is first brought up to date with
    the posts on disk and they are read from it; the site builder passes the posts it has just read instead."""
    now = now or datetime.now(UTC)
    state = State.open(Archive(config.root))
    try:
        if posts is None:
            state.sync_with_disk()
            posts = state.source_dates()
            unreadable = len(state.unreadable_posts())
        validators = {url: (saved.etag, saved.last_modified) for url, saved in state.all_validators().items()}
        return build_status(config, state.health(), posts, validators, now, unreadable)
    finally:
        state.close()

