"""What `newsmirror init` shows: where the archive is, its git repository, and the command to run next."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from newsmirror.scaffold import InitReport

_REPOSITORY = {
    "created": "A git repository was created with a first commit; add a remote to publish "
    "(git remote add origin URL).",
    "exists": "The archive is inside a git repository already: commit the new files when you are ready.",
}


def print_created(out: Console, directory: Path, report: InitReport) -> None:
    out.print(f"Created an archive in {escape(str(report.root))} ({len(report.written)} files).", highlight=False)
    if report.repository:
        line = _REPOSITORY.get(report.repository, f"[yellow]warning[/] git repository {report.repository}")
        out.print(line if line.startswith("[") else escape(line), highlight=False)
    out.print("Next: [bold]newsmirror fetch -C " + escape(str(directory)) + "[/]", highlight=False)
