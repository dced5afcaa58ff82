"""What `newsmirror build` and `serve` show on a terminal: a progress bar per phase and a closing summary."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsmirror.config import Config
from newsmirror.site.build import BuildReport, build_site

_PHASES = {"parse": "reading posts", "render": "post pages", "lists": "lists and feeds", "search": "search index"}


def build_and_report(config: Config, out: Console, err: Console, full: bool = False, as_json: bool = False,
                     search: bool = True) -> BuildReport:
    """Build with a progress bar on a terminal (none when not a terminal or with --json); print the outcome."""
    show = err.is_terminal and not as_json
    with Progress(
        TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, disable=not show, transient=True,
    ) as bars:
        tasks: dict[str, int] = {}

        def note(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(_PHASES.get(stage, stage), total=total)
            bars.update(tasks[stage], completed=done, total=total)

        report = build_site(config, progress=note, full=full, with_search=search)
    print_report(out, err, report, as_json)
    return report


def print_report(out: Console, err: Console, report: BuildReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    for message in report.errors:
        err.print(f"[red]error[/] {escape(message)}", highlight=False)
    for message in report.collisions:
        err.print(f"[yellow]same URL[/] {escape(message)}", highlight=False)
    if report.nothing_changed:
        out.print(f"Nothing changed: {report.posts} posts, 0 files written ({report.seconds:.2f} s).")
        return
    search = (
        f", search: {len(report.indexed_bundles)} bundle(s) re-indexed ({report.indexed_posts} posts)"
        if report.indexed_bundles
        else ""
    )
    out.print(
        f"Built {report.posts} posts: {report.rendered_posts} post pages and {report.written} other files written, "
        f"{report.deleted} removed{search} in {report.seconds:.1f} s."
    )
