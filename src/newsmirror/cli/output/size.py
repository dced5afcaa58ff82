"""What `newsmirror size` shows: sizes, the fullest directories, the largest files, growth a month, and each limit
with when it is reached and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json
from newsmirror.config import format_size

if TYPE_CHECKING:
    from newsmirror.operations.size import SizeReport

_GROWTH_SHOWN = 12  # months


def print_size_report(out: Console, report: SizeReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    from newsmirror.operations.size import describe

    packed = f", {format_size(report.packed_bytes)} as git stores the files" if report.packed_bytes is not None else ""
    if report.git_packed_bytes is not None and report.git_loose_bytes is not None:
        packed += (f"; the repository: {format_size(report.git_packed_bytes)} in packs, "
                   f"{format_size(report.git_loose_bytes)} loose")  # fmt: skip
    out.print(f"Archive: {format_size(report.disk_bytes)} on disk{packed}; {report.posts:,} posts "
              f"({format_size(report.posts_bytes)}), images {format_size(report.images_bytes)}", highlight=False)  # fmt: skip
    if report.site_bytes is not None:
        out.print(f"Built site (_site/): {format_size(report.site_bytes)}", highlight=False)
    out.print("Fullest directories: " + ", ".join(f"{escape(p)} {n:,}" for p, n in report.directories), highlight=False)
    out.print("Largest files: " + ", ".join(f"{escape(p)} {format_size(n)}" for p, n in report.files), highlight=False)
    if report.growth:
        out.print("Growth a month (posts, bytes):", highlight=False)
        for month in report.growth[-_GROWTH_SHOWN:]:
            out.print(f"  {month.month}  {month.posts:>7,}  {format_size(month.bytes):>9}", highlight=False)
    out.print("Limits:", highlight=False)
    for limit in report.limits:
        out.print(f"  {escape(describe(limit))}", highlight=False)
    for advice in report.advice:
        out.print(f"[yellow]to do[/] {escape(advice)}", highlight=False)
