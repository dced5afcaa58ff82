"""What `newsmirror add` shows: a line per address (added, already archived, or why not), and its warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import images_phrase, print_json

if TYPE_CHECKING:
    from newsmirror.operations.add import AddReport


def print_add_report(out: Console, err: Console, report: AddReport, as_json: bool) -> None:
    """With --json the report on standard output and only the problems on standard error."""
    if as_json:
        print_json(report.to_dict())
    for o in report.outcomes:
        if not as_json and o.status == "added":
            out.print(f"added {escape(o.url)} → {escape(o.path)}", highlight=False)
        elif not as_json and o.status == "exists":
            out.print(f"already archived: {escape(o.url)}" + (f" ({escape(o.path)})" if o.path else ""), highlight=False)
        elif o.status == "error":
            err.print(f"[red]error[/] {escape(o.url)}: {escape(o.message)}", highlight=False)
        for warning in o.warnings:
            err.print(f"[yellow]warning[/] {escape(o.url)}: {escape(warning)}", highlight=False)
    added = sum(o.status == "added" for o in report.outcomes)
    if not as_json and images_phrase(report.images):
        out.print(f"{added} added{images_phrase(report.images)}", highlight=False)
    for warning in report.warnings:
        err.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
