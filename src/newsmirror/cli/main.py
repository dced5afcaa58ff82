"""The `newsmirror` command group: its options, its commands (one module each in cli/commands/), and the one
place where a failure becomes an exit code (cli/errors.py)."""

from __future__ import annotations

from typing import Any

import click

from newsmirror import __version__
from newsmirror.cli.commands.add import add
from newsmirror.cli.commands.build import build
from newsmirror.cli.commands.doctor import doctor
from newsmirror.cli.commands.fetch import fetch
from newsmirror.cli.commands.import_ import import_
from newsmirror.cli.commands.init import init
from newsmirror.cli.commands.publish import publish
from newsmirror.cli.commands.recheck import recheck
from newsmirror.cli.commands.reorganize import reorganize
from newsmirror.cli.commands.rotate import rotate
from newsmirror.cli.commands.run import run
from newsmirror.cli.commands.serve import serve
from newsmirror.cli.commands.size import size
from newsmirror.cli.commands.sources import sources
from newsmirror.cli.commands.status import status
from newsmirror.cli.errors import failures_exit


class NewsmirrorGroup(click.Group):
    """Every command runs under cli/errors.py's table: a failure it names is one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        with failures_exit():
            return super().invoke(ctx)


# click rather than typer: typer (>= 0.2x) imports pydantic to coerce arguments, ~60 ms of every run's start.
@click.group(
    cls=NewsmirrorGroup,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)
@click.version_option(__version__, "--version", prog_name="newsmirror", message="%(prog)s %(version)s",
                      help="Print the version.")  # fmt: skip
def app() -> None:
    """Mirror news feeds into a Jekyll-compatible archive and a fast, searchable static site."""


for command in (init, fetch, recheck, add, sources, publish, import_, rotate, reorganize, size, status, build, serve, doctor, run):
    app.add_command(command)


def main() -> None:
    app(prog_name="newsmirror")
