from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.options import directory_option, duration, json_option, settings
from newsmirror.cli.output import err, out


@click.command("rotate")
@click.option("--older-than", "older_than", default="120d", show_default=True,
              help="Age of the posts to move, e.g. 120d, 8w.")  # fmt: skip
@directory_option
@click.option("--dry-run", "dry_run", is_flag=True, help="Only say what would move.")
@json_option()
def rotate(older_than: str, directory: Path | None, dry_run: bool, as_json: bool) -> None:
    """Move posts older than --older-than from _posts/ to archived/YYYY-MM-DD/ (git mv in a repository)."""
    from newsmirror.cli.output.rotate import print_rotate_report
    from newsmirror.operations.rotate import rotate as rotate_posts

    age = duration("--older-than", older_than, default_unit="d")
    report = rotate_posts(settings(directory), age, dry_run=dry_run)
    print_rotate_report(out, err, report, dry_run, as_json)
