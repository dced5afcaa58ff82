from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.options import directory_option, json_option, proxy_option, settings, wait_option
from newsmirror.cli.output import err, out


@click.command("recheck")
@directory_option
@click.option("--all", "everything", is_flag=True, help="Revisit every article inside the window now, whatever its schedule.")
@proxy_option
@json_option("every outcome (a list of {url, post, status, evidence})")
@wait_option
def recheck(directory: Path | None, everything: bool, proxy: str | None, as_json: bool, wait: float) -> None:
    """Revisit mirrored articles; record those edited (every version kept) or deleted at the source."""
    from newsmirror.cli.output.recheck import print_recheck_report
    from newsmirror.operations.recheck import run_recheck

    report = run_recheck(settings(directory), everything=everything, proxy=proxy, wait=wait)
    print_recheck_report(out, err, report, as_json)
    if not report.succeeded:
        raise Exit(1)
