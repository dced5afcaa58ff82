from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.options import directory_option, json_option, settings
from newsmirror.cli.output import err, out


@click.command("reorganize")
@directory_option
@click.option("--dry-run", "dry_run", is_flag=True, help="Only say what would move.")
@json_option()
def reorganize(directory: Path | None, dry_run: bool, as_json: bool) -> None:
    """Move the posts of a flat _posts/ into _posts/YYYY/MM/, as fetch writes them (git mv in a repository)."""
    from newsmirror.cli.output.reorganize import print_reorganize_report
    from newsmirror.operations.reorganize import reorganize as reorganize_posts

    report = reorganize_posts(settings(directory), dry_run=dry_run)
    print_reorganize_report(out, err, report, dry_run, as_json)
