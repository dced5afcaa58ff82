from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.errors import IMPORT_EXIT_RULES, failures_exit
from newsmirror.cli.options import json_option
from newsmirror.cli.output import err, out


@click.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=Path("."))
@click.option("--repair", is_flag=True, help="Rewrite the posts that cannot be read into valid ones.")
@json_option("the report")
def import_(path: Path, repair: bool, as_json: bool) -> None:
    """Adopt an existing mirror (_posts/, archived/, subs.json, allurls.dat) as a newsmirror archive."""
    from newsmirror.cli.output.import_ import print_import_report
    from newsmirror.operations.import_ import import_archive

    with failures_exit(IMPORT_EXIT_RULES):
        report = import_archive(path, repair=repair)
    print_import_report(out, err, report, repair, as_json)
