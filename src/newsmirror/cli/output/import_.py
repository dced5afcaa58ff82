"""What `newsmirror import` shows: a line per post that cannot be read (and what repair did), then the counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.operations.import_ import ImportReport


def _closing(report: ImportReport, repair: bool) -> str:
    if repair:
        return f", {len(report.broken) - len(report.unrepaired)} repaired."
    return " (run again with --repair to fix them)." if report.broken else "."


def print_import_report(out: Console, err: Console, report: ImportReport, repair: bool, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    for broken in report.broken:
        outcome = f" → repaired ({broken.repair_note})" if broken.repaired else (
            f" → {broken.repair_note}" if broken.repair_note else "")  # fmt: skip
        err.print(f"[yellow]unreadable[/] {escape(broken.path)}: {escape(broken.reason)}{escape(outcome)}", highlight=False)
    out.print(
        f"Imported {report.posts} posts, {len(report.sources_added)} sources, {report.legacy_urls} URLs from "
        f"allurls.dat; {len(report.broken)} posts could not be read" + _closing(report, repair)
    )
