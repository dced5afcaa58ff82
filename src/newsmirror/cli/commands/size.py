from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.options import archive_root, directory_option, json_option
from newsmirror.cli.output import out


@click.command("size")
@directory_option
@json_option("the sizes")
def size(directory: Path | None, as_json: bool) -> None:
    """The archive's size on disk and packed, the site's, the fullest folders, growth, and when a limit is reached."""
    from newsmirror.cli.output.size import print_size_report
    from newsmirror.operations.size import measure_size

    print_size_report(out, measure_size(archive_root(directory)), as_json)
