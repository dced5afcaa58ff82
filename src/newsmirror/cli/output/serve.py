"""What `newsmirror serve` shows once the first build is printed: the address, then each rebuild that changed
something, or why it failed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from newsmirror.cli.output.build import print_build_report
from newsmirror.site.serve import ServeEvents

if TYPE_CHECKING:
    from newsmirror.site.build import BuildReport


class ServePrinter(ServeEvents):
    def __init__(self, out: Console, err: Console):
        self.out = out
        self.err = err

    def serving(self, site_dir: Path, address: str) -> None:
        self.out.print(f"Serving {site_dir} at {address} (Ctrl-C stops)")

    def rebuilt(self, report: BuildReport) -> None:
        print_build_report(self.out, self.err, report, as_json=False)

    def rebuild_failed(self, error: Exception) -> None:
        self.err.print(f"[red]error[/] rebuild failed: {error}", highlight=False)
