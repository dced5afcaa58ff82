"""Everything the commands print, and nothing else prints: the two consoles, JSON, error lines here, and one module
per command beside this one (what `newsmirror X` shows is in output/X.py)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape

out = Console()
err = Console(stderr=True, soft_wrap=True)  # one problem, one line: never wrapped at the terminal width


def print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def print_error(console: Console, message: str) -> None:
    """`error <line>` for each line of the message (a ConfigError lists one problem a line)."""
    for line in message.splitlines():
        console.print(f"[red]error[/] {escape(line)}", highlight=False)
