"""The `newsmirror` command, a thin layer: cli/main.py holds the group, cli/commands/ a module per command (parse,
call one function of operations/ or site/, print), cli/output/ everything printed, cli/errors.py the exit codes."""

from newsmirror.cli.main import app, main

__all__ = ["app", "main"]
