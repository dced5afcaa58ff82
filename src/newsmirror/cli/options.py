"""What several commands share: their options (one wording each) and reading the archive's settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from newsmirror.cli.errors import CommandError
from newsmirror.config import CONFIG_NAME, Config, load_config

F = TypeVar("F", bound=Callable[..., Any])

directory_option = click.option(
    "-C", "--directory", "directory", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The archive directory (default: the one holding the current folder, as git finds its repository).",
)  # fmt: skip
proxy_option = click.option(
    "--proxy", default=None, help="Proxy URL (http://, socks5://); default: HTTPS_PROXY/ALL_PROXY."
)
wait_option = click.option(
    "--wait", type=float, default=0.0, show_default=True,
    help="Seconds to wait for another run on this archive to finish.",
)  # fmt: skip


def json_option(what: str = "the outcome") -> Callable[[F], F]:
    return click.option("--json", "as_json", is_flag=True, help=f"Print {what} as JSON.")


def archive_root(directory: Path | None) -> Path:
    """The archive the command is about: the nearest folder, from `-C` (or the current one) upwards, that holds
    newsmirror.toml — as git finds its repository from any subfolder. None found: the folder itself, whose
    missing settings file the command then reports."""
    start = (directory or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return start


def settings(directory: Path | None) -> Config:
    """newsmirror.toml of the archive (a ConfigError ends the command with 2)."""
    return load_config(archive_root(directory))


def duration(option: str, text: str, default_unit: str = "s") -> timedelta:
    """`--every 1h`, `--older-than 120d`: a duration, or a CommandError naming the option."""
    from newsmirror.operations.rotate import parse_duration

    try:
        return parse_duration(text, default_unit=default_unit)
    except ValueError as exc:
        raise CommandError(f"{option}: {exc}") from None
