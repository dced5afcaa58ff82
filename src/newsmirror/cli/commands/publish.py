from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.options import directory_option, json_option, settings
from newsmirror.cli.output import err, out
from newsmirror.config import Config


def publish_and_print(config: Config, remotes: list[str] | None, as_json: bool) -> bool:
    """Publish and print the outcome (for `publish` and `fetch --publish`); whether every push went through."""
    from newsmirror.cli.output.publish import print_publish_report
    from newsmirror.operations.publish import publish_archive

    report = publish_archive(config, remotes)
    print_publish_report(out, err, report, as_json)
    return report.succeeded


@click.command("publish")
@directory_option
@click.option("--remote", "-r", "remote", multiple=True, help="Only this remote (repeatable).")
@json_option()
def publish(directory: Path | None, remote: tuple[str, ...], as_json: bool) -> None:
    """Commit what the runs added, pull --rebase and push to every remote (or those in [publish] remotes)."""
    if not publish_and_print(settings(directory), list(remote) or None, as_json):
        raise Exit(1)
