"""What `newsmirror reorganize` shows: the posts it left where they are, and how many moved (or would move)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.operations.reorganize import ReorganizeReport


def print_reorganize_report(out: Console, err: Console, report: ReorganizeReport, dry_run: bool, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    for line in report.skipped:
        err.print(f"[yellow]left in place[/] {escape(line)}", highlight=False)
    verb = "Would move" if dry_run else "Moved"
    how = " with git mv" if report.used_git else ""
    out.print(f"{verb} {len(report.moved)} posts into _posts/YYYY/MM/{how}; {report.in_place} were in place already",
              highlight=False)  # fmt: skip
