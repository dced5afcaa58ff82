from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.options import directory_option, json_option, settings
from newsmirror.cli.output import err, out


@click.command("status")
@directory_option
@json_option("the status")
def status(directory: Path | None, as_json: bool) -> None:
    """Per source: last success, last error and cause, failures in a row, posts in 24 h / 7 d, 304s, 30-day chart."""
    from newsmirror.cli.output.status import print_status
    from newsmirror.operations.status import status_report

    print_status(out, err, status_report(settings(directory), with_size=as_json), as_json)
