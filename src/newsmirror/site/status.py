"""Source health: what `newsmirror status` shows and the site's status page draws.

Everything comes from the state cache (source outcomes recorded by each run, the posts table with each post's
date). Pure functions turn that into a StatusReport, a text chart, and an SVG chart that needs no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from newsmirror.archive.health import StatusReport, status_data
from newsmirror.archive.postformat import as_datetime
from newsmirror.config import Config


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
    config: Config, posts: Sequence[tuple[str, str | None]], unreadable: int, now: datetime | None = None
) -> dict:
    """What the site's status page template (pages/status.html) needs, from the posts the builder read; never
    fails the build for it."""
    try:
        report = status_data(config, now, posts=posts, unreadable=unreadable)
    except Exception as exc:  # a broken cache must not stop the site from building
        return {"status_html": "", "status_error": f"status unavailable: {exc}"}
    return {"status_html": status_page_html(report), "status_error": "", "status": report.to_dict()}
