"""What `newsmirror publish` (and `fetch --publish`) shows: one summary line, and a line per remote that failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from newsmirror.cli.output import print_json

if TYPE_CHECKING:
    from newsmirror.operations.publish import PublishReport


def print_publish_report(out: Console, err: Console, report: PublishReport, as_json: bool) -> None:
    if as_json:
        print_json(report.to_dict())
    else:
        out.print(escape(report.summary()), highlight=False)
    for remote in report.failed_remotes:
        err.print(f"[red]error[/] push to {escape(remote.name)}: {escape(remote.error or '')}", highlight=False)
