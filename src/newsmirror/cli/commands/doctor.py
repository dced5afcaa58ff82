from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.options import archive_root, directory_option, json_option
from newsmirror.cli.output import out


@click.command("doctor")
@directory_option
@json_option("the findings")
def doctor(directory: Path | None, as_json: bool) -> None:
    """Check the archive: settings, every post, duplicates, missing images, what Jekyll would refuse."""
    from newsmirror.cli.output.doctor import print_doctor_report
    from newsmirror.operations.doctor import check_archive

    report = check_archive(archive_root(directory))
    print_doctor_report(out, report, as_json)
    if report.errors:
        raise Exit(1)
