from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.options import directory_option, json_option, proxy_option, settings, wait_option
from newsmirror.cli.output import err, out


@click.command("fetch")
@directory_option
@click.option("--source", "-s", "source", multiple=True, help="Only this source (repeatable).")
@proxy_option
@json_option("the report")
@wait_option
@click.option("--recheck", is_flag=True, help="Then revisit the articles due, as `newsmirror recheck`.")
@click.option("--publish", is_flag=True, help="Then commit and push, as `newsmirror publish`.")
def fetch(
    directory: Path | None, source: tuple[str, ...], proxy: str | None, as_json: bool, wait: float, recheck: bool,
    publish: bool,
) -> None:
    """Fetch every enabled source and write each new article as a post."""
    from newsmirror.cli.commands.publish import publish_and_print
    from newsmirror.cli.output.fetch import FetchBars, bar_names, print_fetch_report
    from newsmirror.operations.fetch import run_fetch

    config = settings(directory)
    names = list(source) or None
    with FetchBars(err, bar_names(config, names)) as progress:
        report = run_fetch(config, names=names, proxy=proxy, progress=progress, wait=wait)
    if recheck:
        from newsmirror.cli.output.recheck import print_fetch_and_recheck
        from newsmirror.operations.recheck import run_recheck

        print_fetch_and_recheck(out, err, report, run_recheck(config, proxy=proxy, wait=wait), as_json)
    else:
        print_fetch_report(out, err, report, as_json)
    published = publish_and_print(config, None, as_json=False) if publish else True
    if not report.succeeded or not published:
        raise Exit(1)
