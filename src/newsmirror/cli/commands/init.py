from __future__ import annotations

from pathlib import Path

import click

from newsmirror.cli.output import out


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--title", default="newsmirror", show_default=True, help="The site's title.")
@click.option("--force/--no-force", default=False, help="Write the scaffold files again into an existing archive.")
@click.option("--git/--no-git", default=True, show_default=True,
              help="Create a git repository with a first commit (unless the folder is in one already).")  # fmt: skip
def init(directory: Path, title: str, force: bool, git: bool) -> None:
    """Create a ready archive: settings with default Chinese-language sources, and the site around the posts."""
    from newsmirror.cli.output.init import print_created
    from newsmirror.scaffold import create_archive

    print_created(out, directory, create_archive(directory.resolve(), title=title, force=force, git=git))
