"""What `newsmirror status` shows: a table of the sources' health with a sparkline each, and a 30-day chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsmirror.cli.output import print_json, print_table

if TYPE_CHECKING:
    from newsmirror.archive.health import SourceStatus, StatusReport

_SPARK = " ▁▂▃▄▅▆▇█"


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


def _row(s: SourceStatus) -> tuple[str, ...]:
    name = f"[red]⚠ {escape(s.name)}[/]" if s.flagged else escape(s.name) + ("" if s.enabled else " [dim](off)[/]")
    error = escape(s.last_error or "—")
    if s.flagged:
        error = f"[red]{escape(s.flag_reason)}[/]: {error}"
    return (name, escape((s.last_success or "never")[:16].replace("T", " ")), error,
            str(s.consecutive_failures), str(s.posts_24h), str(s.posts_7d),
            f"{'yes' if s.answers_304 else 'no'} {s.not_modified}/{s.fetches}", f"{s.edited_posts}/{s.deleted}",
            sparkline(s.per_day))  # fmt: skip


def print_status(out: Console, err: Console, report: StatusReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    table = Table("source", "last success", "last error", "fails", "24 h", "7 d", "304", "edit/del", "30 days", title_justify="left",
                  title=f"newsmirror status ({len(report.flagged)} flagged)")  # fmt: skip
    for source in report.sources:
        table.add_row(*_row(source))
    print_table(out, table)
    out.print("Posts fetched per day, last 30 days:", highlight=False)
    out.print(escape(text_chart(report.days, report.per_day)), highlight=False)
    if report.unreadable_posts:
        err.print(f"[yellow]warning[/] {report.unreadable_posts} posts cannot be read: run `newsmirror doctor`")
