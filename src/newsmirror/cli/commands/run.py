from __future__ import annotations

from pathlib import Path

import click
from click.exceptions import Exit

from newsmirror.cli.errors import CommandError
from newsmirror.cli.options import archive_root, directory_option, duration, settings


@click.command("run")
@click.option("--every", default="1h", show_default=True, help="Time between run starts: 30s, 15m, 1h, 1d.")
@directory_option
@click.option("--max-runs", "max_runs", type=int, default=0, show_default=True,
              help="Stop after this many runs (0: run until stopped).")  # fmt: skip
@click.option("--publish/--no-publish", default=None, help="Publish after each fetch (default: [publish] enabled).")
@click.option("--recheck", is_flag=True, help="Revisit the articles due after each fetch, as `newsmirror recheck`.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also append each run's line to this file.")  # fmt: skip
def run(
    every: str, directory: Path | None, max_runs: int, publish: bool | None, recheck: bool, log_file: Path | None
) -> None:
    """Fetch (and publish when configured) on a schedule; one log line per run; never two runs at once."""
    from newsmirror.cli.output.run import echo_log_line
    from newsmirror.operations.run import file_logger, run_every

    interval = duration("--every", every)
    if max_runs < 0:
        raise CommandError("--max-runs must be 0 or more")
    settings(directory)  # refuse to start on broken settings; later runs re-read them and log problems
    log = file_logger(log_file, echo_log_line)
    try:
        outcomes = run_every(archive_root(directory), interval, max_runs=max_runs, publish=publish, log=log, recheck=recheck)
    except KeyboardInterrupt:
        log("newsmirror run: stopped")
        return
    if outcomes and not any(o.ok for o in outcomes):
        raise Exit(1)
