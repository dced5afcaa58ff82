from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.exceptions import Exit

from newsmirror.cli.options import directory_option, json_option, settings
from newsmirror.cli.output import err, out
from newsmirror.config import Config

if TYPE_CHECKING:
    from newsmirror.site.build import BuildReport


def build_and_print(config: Config, full: bool = False, search: bool = True, as_json: bool = False) -> BuildReport:
    """Build with a bar per phase on a terminal (none elsewhere, nor with --json); print the outcome. Also `serve`'s
    first build."""
    from newsmirror.cli.output.build import BuildBars, print_build_report
    from newsmirror.site.build import build_site

    with BuildBars(err, show=err.is_terminal and not as_json) as progress:
        report = build_site(config, progress=progress, full=full, with_search=search)
    print_build_report(out, err, report, as_json)
    return report


@click.command("build")
@directory_option
@click.option("--full", is_flag=True, help="Ignore the build cache and render everything.")
@click.option("--search/--no-search", default=True, show_default=True, help="Build the Pagefind search index.")
@json_option("the build report")
def build(directory: Path | None, full: bool, search: bool, as_json: bool) -> None:
    """Render the archive (_posts/ and archived/) to _site/: pages, feeds, sitemap and full-text search."""
    report = build_and_print(settings(directory), full=full, search=search, as_json=as_json)
    if report.errors and not report.posts:
        raise Exit(1)
