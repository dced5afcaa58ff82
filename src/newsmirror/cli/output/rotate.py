"""What `newsmirror rotate` shows: the posts it skipped, and how many moved (or would move) where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.operations.rotate import RotateReport


def print_rotate_report(out: Console, err: Console, report: RotateReport, dry_run: bool, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    for line in report.skipped:
        err.print(f"[yellow]skipped[/] {escape(line)}", highlight=False)
    verb = "Would move" if dry_run else "Moved"
    out.print(f"{verb} {len(report.moved)} posts to {escape(report.folder)}/", highlight=False)
