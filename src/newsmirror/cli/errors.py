"""Which failure ends a command with which exit code: one table, and the one place that prints the failure.

2: the command cannot do what was asked (settings, arguments, a missing remote); 1: it ran and the archive could
not be read or written; 3: another run holds the archive (try again later). Click's own usage errors are 2 too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from click.exceptions import Exit

from newsmirror.cli.output import err, print_error


class CommandError(Exception):
    """An argument the command refuses (a duration that is not one, a negative count); exit code 2."""


@dataclass(frozen=True, slots=True)
class ExitRule:
    """An exception class, by module and name, and the exit code its failures end with."""

    module: str
    name: str
    code: int

    def matches(self, error: BaseException) -> bool:
        # A raised exception's module is loaded; one not loaded cannot have raised it, so there is nothing to import.
        module = sys.modules.get(self.module)
        kind = getattr(module, self.name, None)
        return isinstance(kind, type) and isinstance(error, kind)


# By name, not imported: naming every operation's exception here would import them all at each command's start
# (site.build pulls in Jinja2, operations.fetch the HTTP client); `newsmirror status` would pay for `fetch`. First match wins.
EXIT_RULES: tuple[ExitRule, ...] = (
    ExitRule("newsmirror.archive.lock", "LockedError", 3),
    ExitRule("newsmirror.archive.layout", "ArchiveError", 1),  # the posts on disk cannot be read or written
    ExitRule("newsmirror.config", "ConfigError", 2),
    ExitRule("newsmirror.models", "FetchError", 2),  # an unusable proxy: refused before any request
    ExitRule("newsmirror.operations.fetch", "UnknownSourceError", 2),
    ExitRule("newsmirror.operations.sources", "SourcesError", 2),
    ExitRule("newsmirror.operations.publish", "PublishError", 2),
    ExitRule("newsmirror.operations.publish", "GitError", 2),
    ExitRule("newsmirror.operations.import_", "ArchiveImportError", 2),
    ExitRule("newsmirror.site.build", "BuildError", 2),
    ExitRule("newsmirror.scaffold", "InitError", 2),
    ExitRule("newsmirror.cli.errors", "CommandError", 2),
)

# `import` has always ended with 2 for an archive it cannot lock or read (it adopts a directory that may not be an
# archive yet); kept so that no exit code changes.
IMPORT_EXIT_RULES: tuple[ExitRule, ...] = (
    ExitRule("newsmirror.archive.lock", "LockedError", 2),
    ExitRule("newsmirror.archive.layout", "ArchiveError", 2),
    *EXIT_RULES,
)


def exit_code(error: BaseException, rules: tuple[ExitRule, ...] = EXIT_RULES) -> int | None:
    """The exit code for `error`, or None for one no rule names (a bug: its traceback is worth seeing)."""
    return next((rule.code for rule in rules if rule.matches(error)), None)


@contextmanager
def failures_exit(rules: tuple[ExitRule, ...] = EXIT_RULES) -> Iterator[None]:
    """A failure the rules name becomes `error <message>` on standard error and its exit code."""
    try:
        yield
    except Exception as error:
        code = exit_code(error, rules)
        if code is None:
            raise
        print_error(err, str(error))
        raise Exit(code) from None
