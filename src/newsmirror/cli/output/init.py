"""What `newsmirror init` shows: where the archive is, and the command to run next."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape


def print_created(out: Console, directory: Path, written: list[Path]) -> None:
    out.print(f"Created an archive in {escape(str(directory.resolve()))} ({len(written)} files).")
    out.print("Next: [bold]newsmirror fetch -C " + escape(str(directory)) + "[/]")
