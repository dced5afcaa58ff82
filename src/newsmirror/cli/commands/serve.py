from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.options import directory_option, settings
from newsmirror.cli.output import err, out


@click.command("serve")
@directory_option
@click.option("--port", type=int, default=4000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Seconds between checks for changed posts.")
def serve(directory: Path | None, port: int, host: str, interval: float) -> None:
    """Build, serve _site/ locally and rebuild when posts or templates change (Ctrl-C stops)."""
    from newsmirror.cli.commands.build import build_and_print
    from newsmirror.cli.output.serve import ServePrinter
    from newsmirror.site.serve import serve_site

    serve_site(settings(directory), ServePrinter(out, err), first_build=build_and_print, host=host, port=port,
               interval=interval)  # fmt: skip
