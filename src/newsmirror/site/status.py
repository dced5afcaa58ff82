"""Source health: what `newsmirror status` shows and the site's status page draws.

Everything comes from the state cache (source outcomes recorded by each run, the posts table with each post's
date and the time the mirror wrote it). Pure functions turn that into a StatusReport, a text chart, and an SVG
chart that needs no script. The page is in the site's language (Chinese) and reads on a 320 px phone: the big
chart scales to the width, and below 40rem each source's row becomes a card of labelled lines (style.css).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from newsmirror.archive.health import SourceStatus, Stamp, StatusReport, status_data
from newsmirror.archive.postformat import as_datetime
from newsmirror.config import Config

FETCHED_COLOUR = "#3b7dd8"  # bars: what the mirror got each day
PUBLISHED_COLOUR = "#c0630f"  # the line: the articles' own dates
FONT = 18  # the big chart's labels, in its 600-unit width: ~10 px once scaled to a 320 px phone
# The table's columns, in the site's language: (header, what each source's cell says).
COLUMNS = ("来源", "最近成功", "最近错误", "连续失败", "24 小时内抓取", "7 天内抓取", "条件请求（304）", "近 30 天")


def svg_chart(days: list[str], values: list[int], width: int = 600, height: int = 160, title: str = "",
              second: Sequence[int] = (), labels: bool = True) -> str:  # fmt: skip
    """Posts per day as an SVG bar chart (`second`: a line over it, the articles' dates): inline, accessible (a
    <title> per bar), no script, no external file. The day labels are short (MM-DD) and only where they fit."""
    count = max(len(values), 1)
    left, right, top_pad = (40, 8, 12) if labels else (2, 2, 2)
    bottom = 30 if labels and days else 2
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max([*values, *second], default=0)
    scale = peak if peak > 0 else 1
    slot = plot_w / count
    bar = max(slot * 0.8, 1.0)
    label = title or f"每天抓取的文章数，近 {len(values)} 天"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="newsmirror-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#888" stroke-width="1"/>',
    ]
    if labels:  # the scale: on the big chart only (a sparkline's two numbers would sit on each other)
        parts += [f'<text x="{left - 4}" y="{top_pad + 14}" font-size="{FONT}" text-anchor="end" fill="currentColor">{peak}</text>',
                  f'<text x="{left - 4}" y="{top_pad + plot_h}" font-size="{FONT}" text-anchor="end" fill="currentColor">0</text>']  # fmt: skip
    for i, (day, value) in enumerate(zip(days, values, strict=False)):
        h = plot_h * value / scale
        x = left + i * slot + (slot - bar) / 2
        y = top_pad + plot_h - h
        parts.append(
            f'<rect class="fetched" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{FETCHED_COLOUR}">'
            f"<title>{escape(day)}: {value}</title></rect>"
        )
    if second:
        points = " ".join(f"{left + (i + 0.5) * slot:.1f},{top_pad + plot_h - plot_h * v / scale:.1f}"
                          for i, v in enumerate(second))  # fmt: skip
        parts.append(f'<polyline class="published" points="{points}" fill="none" stroke="{PUBLISHED_COLOUR}" stroke-width="2"/>')
    if labels and days:
        parts.append(_day_labels(days, left, slot, height))
    parts.append("</svg>")
    return "".join(parts)


def _day_labels(days: list[str], left: float, slot: float, height: int) -> str:
    """MM-DD under the first and last day, and under every week between when the slots leave room (a label is
    ~55 units wide at font-size FONT): labels never overlap."""
    step = max(7, int(70 // slot) + 1)
    shown = sorted({0, len(days) - 1, *range(0, len(days) - 1 - step // 2, step)})
    parts = []
    for i in shown:
        anchor = "start" if i == 0 else "end" if i == len(days) - 1 else "middle"
        x = left if i == 0 else left + (i + 1) * slot if i == len(days) - 1 else left + (i + 0.5) * slot
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="{FONT}" text-anchor="{anchor}" '
                     f'fill="currentColor">{escape(days[i][5:])}</text>')  # fmt: skip
    return "".join(parts)


def _cells(s: SourceStatus, days: list[str]) -> tuple[str, ...]:
    flag = ""
    if s.flagged:
        why = "页面结构可能已改变" if s.page_changed else f"已连续失败 {s.consecutive_failures} 次，超过一周"
        flag = f'<strong class="flag">⚠ {why}</strong><br>'
    chart = svg_chart(days, s.per_day, width=150, height=36, title=f"{s.name}：每天抓取的文章数", labels=False)
    return (
        escape(s.name) + ("" if s.enabled else "（已停用）"),
        escape(_short(s.last_success)),
        flag + escape(s.last_error or "—"),
        str(s.consecutive_failures),
        str(s.posts_24h),
        str(s.posts_7d),
        f"{'支持' if s.answers_304 else '不支持'}（{s.not_modified}/{s.fetches}）",
        chart,
    )


def status_page_html(report: StatusReport) -> str:
    """The body of the site's status page: the chart and a table per source; plain HTML, no script."""
    rows = []
    for s in report.sources:
        cells = "".join(f'<td data-label="{label}">{cell}</td>' for label, cell in zip(COLUMNS, _cells(s, report.days),
                                                                                      strict=True))  # fmt: skip
        rows.append(f"<tr>{cells}</tr>")
    head = "".join(f'<th scope="col">{label}</th>' for label in COLUMNS)
    return (
        '<section class="newsmirror-status">'
        f"<p>更新于 {escape(_short(report.generated))}。</p>"
        "<figure>"
        f"{svg_chart(report.days, report.per_day, second=report.published_per_day, title='每天抓取的文章数与文章发表日期，近 30 天')}"
        '<figcaption><span class="key fetched">■ 本站当天抓取的文章</span> '
        '<span class="key published">— 按文章自身的发表日期</span></figcaption>'
        "</figure>"
        f'<div class="status-table"><table><thead><tr>{head}</tr></thead><tbody>' + "".join(rows) +
        "</tbody></table></div></section>"
    )  # fmt: skip


def _short(stamp: str | None) -> str:
    moment = as_datetime(stamp)
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "从未"


def status_page_context(
    config: Config, posts: Sequence[tuple[str, Stamp]], unreadable: int, now: datetime | None = None
) -> dict:
    """What the site's status page template (pages/status.html) needs, from the posts the builder read; never
    fails the build for it."""
    try:
        report = status_data(config, now, posts=posts, unreadable=unreadable)
    except Exception as exc:  # a broken cache must not stop the site from building
        return {"status_html": "", "status_error": f"状态暂不可用：{exc}"}
    return {"status_html": status_page_html(report), "status_error": "", "status": report.to_dict()}
