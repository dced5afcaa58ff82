"""What `newsmirror fetch` shows: a bar per source while it runs, a table (or JSON) when it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBars
from rich.table import Table

from newsmirror.cli.output import images_phrase, print_json
from newsmirror.operations.fetch import FetchProgress

if TYPE_CHECKING:
    from newsmirror.config import Config
    from newsmirror.operations.fetch import RunReport, SourceReport


def bar_names(config: Config, names: list[str] | None) -> list[str]:
    """The bars to draw, in the order asked: the names given, else the enabled sources (an unknown name is refused
    by the run itself, before any bar moves)."""
    return names or [s.name for s in config.sources if s.enabled]


class FetchBars(FetchProgress):
    """A bar per source, drawn only on a terminal (plain logs in CI get the final table alone)."""

    def __init__(self, console: Console, names: list[str]):
        self.console = console
        self.bars = ProgressBars(
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.tasks: dict[str, TaskID] = {
            name: self.bars.add_task(name, total=None, state="waiting", start=False) for name in names
        }

    def __enter__(self) -> FetchBars:
        self.bars.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.bars.__exit__(*exc_info)

    def source_started(self, name: str) -> None:
        self.bars.start_task(self.tasks[name])
        self.bars.update(self.tasks[name], state="fetching")

    def source_items(self, name: str, done: int, total: int) -> None:
        self.bars.update(self.tasks[name], completed=done, total=total, state="writing")

    def source_finished(self, report: SourceReport) -> None:
        state = {"ok": "done", "not_modified": "unchanged", "error": "error"}.get(report.status, report.status)
        task = self.tasks[report.name]
        total = self.bars.tasks[task].total or 1
        self.bars.update(task, completed=total, total=total, state=state)


_STATUS_STYLE = {"ok": "green", "not_modified": "dim", "error": "red"}
_COLUMNS = (("source", "left"), ("status", "left"), ("new", "right"), ("already had", "right"),
            ("filtered", "right"), ("errors", "right"), ("time", "right"))  # fmt: skip


def _title(report: RunReport) -> str:
    return f"newsmirror fetch: {report.new_posts} new posts{images_phrase(report.images)}"


def _cells(source: SourceReport) -> tuple[str, ...]:
    return (source.name, source.status.replace("_", " "), str(source.new), str(source.existing),
            str(source.filtered), str(len(source.errors)), f"{source.seconds:.1f} s")  # fmt: skip


def _printable(text: str) -> str:
    """A newline or an escape sequence in a source's name must not break the log's lines or reach a terminal."""
    return text if text.isprintable() else "".join(c if c.isprintable() else " " for c in text)


def summary_table(report: RunReport) -> Table:
    """The end-of-run table for a terminal."""
    table = Table(title=_title(report), title_justify="left")
    for heading, justify in _COLUMNS:
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for source in report.sources:
        name, status, *numbers = _cells(source)
        table.add_row(escape(name), f"[{_STATUS_STYLE.get(source.status, '')}]{status}[/]", *numbers)
    return table


def plain_table(report: RunReport) -> str:
    """The same table as aligned plain text, for logs (a scheduled job's output is not a terminal). By hand because
    rich lays a table out at ~0.4 ms a row: 80 ms for 200 sources, a quarter of a run where no feed changed."""
    rows = [tuple(heading for heading, _ in _COLUMNS)]
    rows += [tuple(_printable(cell) for cell in _cells(source)) for source in report.sources]
    widths = [max(cell_len(row[column]) for row in rows) for column in range(len(_COLUMNS))]

    def line(row: tuple[str, ...]) -> str:
        cells = []
        for text, width, (_, justify) in zip(row, widths, _COLUMNS, strict=True):
            pad = " " * (width - cell_len(text))
            cells.append(text + pad if justify == "left" else pad + text)
        return "  ".join(cells).rstrip()

    return "\n".join([_title(report), line(rows[0]), "  ".join("-" * width for width in widths), *map(line, rows[1:])])


def print_problems(console: Console, report: RunReport) -> None:
    """One line per problem, naming the source and the cause."""
    for warning in report.warnings:
        console.print(f"[yellow]warning[/] {escape(warning)}", highlight=False)
    for source in report.sources:
        for error in source.errors:
            console.print(f"[red]error[/] {escape(source.name)} ({escape(source.url)}): {escape(error)}", highlight=False)
        for warning in source.warnings:
            console.print(f"[yellow]warning[/] {escape(source.name)}: {escape(warning)}", highlight=False)


def print_fetch_report(console: Console, errors: Console, report: RunReport, as_json: bool) -> None:
    print_problems(errors, report)  # on standard error, so that --json output stays clean
    if as_json:
        print_json(report.to_dict())
        return
    if console.is_terminal:
        console.print(summary_table(report))
    else:
        console.file.write(plain_table(report) + "\n")
    for line in served_lines(report):
        console.file.write(line + "\n")


def served_lines(report: RunReport) -> list[str]:
    """Which RSSHub instance answered for each route (the JSON report has it as `served_by`)."""
    return [f"{_printable(s.name)}: read from the RSSHub instance {_printable(s.served_by)}" for s in report.sources if s.served_by]
