"""The `newsmirror` command group: its options, its commands (one module each in cli/commands/), and the one
place where a failure becomes an exit code (cli/errors.py)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click

from newsmirror import __version__
from newsmirror.cli.errors import failures_exit

# Each command's name → its module in cli/commands/ (the command object is named after the module). Imported when
# the command runs: the fourteen others' imports cost ~15 ms of every run's start (python -X importtime).
COMMANDS = {
    "init": "init", "fetch": "fetch", "recheck": "recheck", "add": "add", "sources": "sources",
    "publish": "publish", "import": "import_", "rotate": "rotate", "reorganize": "reorganize", "size": "size",
    "status": "status", "build": "build", "serve": "serve", "doctor": "doctor", "run": "run",
}  # fmt: skip


class NewsmirrorGroup(click.Group):
    """Every command runs under cli/errors.py's table: a failure it names is one line and an exit code. Commands
    are loaded by name, as click's documentation shows for lazily loaded subcommands."""

    def invoke(self, ctx: click.Context) -> Any:
        with failures_exit():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command = getattr(import_module(f"newsmirror.cli.commands.{module}"), module)
        return command if isinstance(command, click.Command) else None


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


def main() -> None:
    app(prog_name="newsmirror")
