"""Source health: what `newsmirror status` shows and the site's status page draws.

Everything comes from the state cache (source outcomes recorded by each run, the posts table with each post's
date). Pure functions turn that into a StatusReport, a text chart, and an SVG chart that needs no script.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

from .archive import Archive
from .config import Config
from .postformat import as_datetime
from .state import SourceHealth, State

CHART_DAYS = 30
FAILING_FLAG_AFTER = timedelta(days=7)
_SPARK = " ▁▂▃▄▅▆▇█"


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
    posts: list[tuple[str, str | None]],  # (source, ISO date) of every readable post
    validators: dict[str, tuple[str, str]],  # feed URL → (etag, last_modified)
    now: datetime,
    unreadable: int = 0,
) -> StatusReport:
    """Pure: the status of every configured source (and of any other source that has posts or history)."""
    today = now.astimezone(UTC).date()
    days = [today - timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]
    index_of = {day: i for i, day in enumerate(days)}
    statuses: dict[str, SourceStatus] = {}
    for source in config.sources:
        statuses[source.name] = SourceStatus(name=source.name, url=source.url, enabled=source.enabled)
    for name in health:
        statuses.setdefault(name, SourceStatus(name=name, enabled=False))
    for status in statuses.values():
        status.per_day = [0] * CHART_DAYS
    for source, stamp in posts:
        status = statuses.get(source)
        if status is None:
            status = statuses[source] = SourceStatus(name=source, enabled=False, per_day=[0] * CHART_DAYS)
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
    config: Config, now: datetime | None = None, posts: list[tuple[str, str | None]] | None = None, unreadable: int = 0
) -> StatusReport:
    """The status of every source. Without `posts` (source, ISO date), the state is first brought up to date with
    the posts on disk and they are read from it; the site builder passes the posts it has just read instead."""
    now = now or datetime.now(UTC)
    state = State.open(Archive(config.root))
    try:
        if posts is None:
            state.sync_with_disk()
            posts = list(state.db.execute("SELECT source, date FROM posts WHERE error IS NULL"))
            unreadable = len(state.unreadable_posts())
        validators = {url: (etag or "", modified or "") for url, etag, modified in
                      state.db.execute("SELECT url, etag, last_modified FROM http")}  # fmt: skip
        return build_status(config, state.health(), posts, validators, now, unreadable)
    finally:
        state.close()


# ---------------------------------------------------------------------------------------------------------------
# Charts


def sparkline(values: list[int]) -> str:
    """One character per day, scaled to the largest value (a zero day is a blank, any post shows)."""
    top = max(values, default=0)
    if top <= 0:
        return _SPARK[0] * len(values)
    return "".join(_SPARK[0] if v <= 0 else _SPARK[max(1, round(v / top * (len(_SPARK) - 1)))] for v in values)


def text_chart(days: list[str], values: list[int], height: int = 6) -> str:
    """A small bar chart of posts per day, columns of block characters, with the scale and the first/last day."""
    top = max(values, default=0)
    rows = []
    for level in range(height, 0, -1):
        line = ""
        for value in values:
            filled = value / top * height if top else 0
            line += "█" if filled >= level else ("▄" if filled >= level - 0.5 and value > 0 else " ")
        label = f"{top:>5} ┤" if level == height else "      │"
        rows.append(label + line)
    rows.append("    0 └" + "─" * len(values))
    if days:
        first, last = days[0][5:], days[-1][5:]
        rows.append(" " * 7 + first + " " * max(1, len(values) - len(first) - len(last)) + last)
    return "\n".join(rows)


def svg_chart(days: list[str], values: list[int], width: int = 600, height: int = 160, title: str = "") -> str:
    """Posts per day as an SVG bar chart: inline, accessible (a <title> per bar), no script, no external file."""
    count = max(len(values), 1)
    left, right, top_pad, bottom = 36, 8, 12, 24
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max(values, default=0)
    scale = peak if peak > 0 else 1
    slot = plot_w / count
    bar = max(slot * 0.8, 1.0)
    label = title or f"Posts per day, last {len(values)} days"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="newsmirror-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#888" stroke-width="1"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" font-size="10" text-anchor="end" fill="#555">{peak}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" font-size="10" text-anchor="end" fill="#555">0</text>',
    ]
    for i, (day, value) in enumerate(zip(days, values, strict=False)):
        h = plot_h * value / scale
        x = left + i * slot + (slot - bar) / 2
        y = top_pad + plot_h - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#3b7dd8">'
            f"<title>{escape(day)}: {value}</title></rect>"
        )
    if days:
        parts.append(f'<text x="{left}" y="{height - 6}" font-size="10" fill="#555">{escape(days[0])}</text>')
        parts.append(
            f'<text x="{width - right}" y="{height - 6}" font-size="10" text-anchor="end" fill="#555">{escape(days[-1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def status_page_html(report: StatusReport) -> str:
    """The body of the site's status page: the chart and a table per source; plain HTML, no script."""
    rows = []
    for s in report.sources:
        flag = f'<strong class="flag">⚠ {escape(s.flag_reason)}</strong><br>' if s.flagged else ""
        error = escape(s.last_error or "—")
        rows.append(
            "<tr>"
            f"<td>{escape(s.name)}</td>"
            f"<td>{escape(_short(s.last_success))}</td>"
            f"<td>{flag}{error}</td>"
            f"<td>{s.consecutive_failures}</td>"
            f"<td>{s.posts_24h}</td><td>{s.posts_7d}</td>"
            f"<td>{'yes' if s.answers_304 else 'no'} ({s.not_modified}/{s.fetches})</td>"
            f"<td>{svg_chart(report.days, s.per_day, width=150, height=36, title=s.name + ': posts per day')}</td>"
            "</tr>"
        )
    return (
        '<section class="newsmirror-status">'
        f"<p>Updated {escape(_short(report.generated))}.</p>"
        f"{svg_chart(report.days, report.per_day)}"
        "<table><thead><tr><th>source</th><th>last success</th><th>last error</th><th>failures in a row</th>"
        "<th>posts 24 h</th><th>posts 7 d</th><th>answers 304</th><th>30 days</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _short(stamp: str | None) -> str:
    moment = as_datetime(stamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"



def status_page_context(
    config: Config, posts: list[tuple[str, str | None]], unreadable: int, now: datetime | None = None
) -> dict:
    """What the site's status page template (pages/status.html) needs, from the posts the builder read; never
    fails the build for it."""
    try:
        report = status_data(config, now, posts=posts, unreadable=unreadable)
    except Exception as exc:  # a broken cache must not stop the site from building
        return {"status_html": "", "status_error": f"status unavailable: {exc}"}
    return {"status_html": status_page_html(report), "status_error": "", "status": report.to_dict()}
