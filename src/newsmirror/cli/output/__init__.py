"""Everything the commands print, and nothing else prints: the two consoles, JSON, error lines here, and one module
per command beside this one (what `newsmirror X` shows is in output/X.py)."""

from __future__ import annotations

import json
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 10_000  # "no limit" for a pipe or a log: a line is as long as its text, tables as wide as they need


class CommandConsole(Console):
    """A terminal gets Rich's wrapping at word boundaries; a pipe or a log file gets full lines, whatever COLUMNS
    says (Rich would wrap at 80 columns and cut tables there). Decided at each print: the stream can change."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(PIPE_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size

    def print(self, *objects: Any, soft_wrap: bool | None = None, **options: Any) -> None:
        super().print(*objects, soft_wrap=(not self.is_terminal) if soft_wrap is None else soft_wrap, **options)


out = CommandConsole()
err = CommandConsole(stderr=True, soft_wrap=True)  # one problem, one line: never wrapped at the terminal width


def print_table(console: Console, table: Table) -> None:
    """The table, or — on a terminal too narrow for its longest words — one block of `header: value` lines per
    row, so that no word is ever cut in a cell (Rich folds words a column cannot hold)."""
    widths = _column_widths(table, console.width - 3 * len(table.columns) - 1)  # a space either side, the rules
    if widths is not None:
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # Rich's own squeezing would fold words
        console.print(table)
        return
    if table.title:
        console.print(table.title)
    headers = [str(column.header) for column in table.columns]
    for index in range(table.row_count):
        console.print()
        for header, column in zip(headers, table.columns, strict=True):
            cells = list(column.cells)
            console.print(f"{header}: ", cells[index], sep="", highlight=False)


def _plain(cell: object) -> str:
    return (Text.from_markup(cell) if isinstance(cell, str) else cell if isinstance(cell, Text) else Text(str(cell))).plain


def _column_widths(table: Table, room: int) -> list[int] | None:
    """Each column as wide as its longest line if all fit in `room`; else its longest word plus a share of what
    is left, in proportion to what it would still want; None when even the longest words do not fit."""
    cells = [[_plain(cell) for cell in (column.header, *column.cells)] for column in table.columns]
    words = [max((cell_len(word) for text in column for word in text.split()), default=1) for column in cells]
    lines = [max((cell_len(line) for text in column for line in text.splitlines() or [""]), default=1) for column in cells]
    if sum(lines) <= room:
        return lines
    if sum(words) > room:
        return None
    spare, wanted = room - sum(words), [line - word for line, word in zip(lines, words, strict=True)]
    return [word + spare * want // max(1, sum(wanted)) for word, want in zip(words, wanted, strict=True)]



def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def print_error(console: Console, message: str) -> None:
    """`error <line>` for each line of the message (a ConfigError lists one problem a line)."""
    for line in message.splitlines():
        console.print(f"[red]error[/] {escape(line)}", highlight=False)


def images_phrase(images: dict | None) -> str:
    """", 12 images stored, 3 re-encoded, 2 left at their address (image budget)" from a report's images, or ""."""
    if not images or not (images["stored"] or images["over_budget"]):
        return ""
    shrunk = f", {images['reencoded']} re-encoded" if images["reencoded"] else ""
    held = f", {images['over_budget']} left at their address (image budget)" if images["over_budget"] else ""
    return f", {images['stored']} images stored{shrunk}{held}"
