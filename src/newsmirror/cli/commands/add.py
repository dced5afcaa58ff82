from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.options import directory_option, json_option, proxy_option, settings, wait_option
from newsmirror.cli.output import err, out


@click.command("add")
@click.argument("urls", nargs=-1, required=True)
@directory_option
@click.option("--source", "-s", "source", default=None, help="Source name (default: the site's name or host).")
@click.option("--allow-private", "allow_private", is_flag=True, help="Allow loopback, private and link-local addresses.")
@proxy_option
@json_option()
@wait_option
def add(
    urls: tuple[str, ...], directory: Path | None, source: str | None, allow_private: bool, proxy: str | None,
    as_json: bool, wait: float,
) -> None:
    """Archive article pages given by address, each as a normal post (already archived ones are reported)."""
    from newsmirror.cli.output.add import print_add_report
    from newsmirror.operations.add import add_urls

    config = settings(directory)
    report = add_urls(config, list(urls), source_name=source, allow_private=allow_private, proxy=proxy, wait=wait)
    print_add_report(out, err, report, as_json)
    if report.failed:
        raise Exit(1)
