"""What `newsmirror build` (and `serve`) shows: a bar per build phase on a terminal, then a closing summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBars

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.site.build import BuildReport

_PHASES = {"parse": "reading posts", "render": "post pages", "lists": "lists and feeds", "search": "search index"}


class BuildBars:
    """The build's progress callback (stage, done, total), drawn as a bar per phase when `show`."""

    def __init__(self, console: Console, show: bool):
        self.bars = ProgressBars(
            TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, disable=not show, transient=True,
        )  # fmt: skip
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> BuildBars:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.bars.__exit__(*exc_info)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(_PHASES.get(stage, stage), total=total)
        self.bars.update(self.tasks[stage], completed=done, total=total)


def print_build_report(out: Console, err: Console, report: BuildReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    for message in report.errors:
        err.print(f"[red]error[/] {escape(message)}", highlight=False)
    for message in report.collisions:
        err.print(f"[yellow]same URL[/] {escape(message)}", highlight=False)
    for message in report.warnings:
        err.print(f"[yellow]warning[/] {escape(message)}", highlight=False)
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
