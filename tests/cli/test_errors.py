"""cli/errors.py: one table from failure to exit code, each rule naming a real exception class."""

from __future__ import annotations

import importlib
import io

import pytest
from click.exceptions import Exit
from rich.console import Console

from newsmirror.archive.layout import ArchiveError
from newsmirror.archive.lock import LockedError
from newsmirror.archive.state import PostsUnreadableError
from newsmirror.cli import errors
from newsmirror.cli.errors import EXIT_RULES, IMPORT_EXIT_RULES, CommandError, exit_code, failures_exit
from newsmirror.config import ConfigError
from newsmirror.models import FetchError


@pytest.mark.parametrize("rule", IMPORT_EXIT_RULES, ids=lambda r: f"{r.module}.{r.name}")
def test_every_rule_names_an_exception_class(rule):
    kind = getattr(importlib.import_module(rule.module), rule.name)
    assert isinstance(kind, type) and issubclass(kind, Exception)


def test_each_failure_gets_its_code():
    assert exit_code(LockedError("held")) == 3
    assert exit_code(ArchiveError("cannot write")) == 1
    assert exit_code(PostsUnreadableError("cannot read")) == 1  # a subclass takes its parent's code
    assert exit_code(ConfigError(["bad"])) == 2
    assert exit_code(FetchError("bad proxy")) == 2
    assert exit_code(CommandError("--every: x")) == 2
    assert exit_code(ValueError("a bug")) is None
    assert exit_code(LockedError("held"), IMPORT_EXIT_RULES) == 2
    assert exit_code(ArchiveError("x"), IMPORT_EXIT_RULES) == 2
    assert exit_code(ConfigError(["x"]), IMPORT_EXIT_RULES) == 2
    assert len({(r.module, r.name) for r in EXIT_RULES}) == len(EXIT_RULES)


def test_a_failure_is_one_error_line_per_line_of_its_message(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(errors, "err", Console(file=captured, soft_wrap=True))
    with pytest.raises(Exit) as exited, failures_exit():
        raise ConfigError(["newsmirror.toml: first [problem]", "second"])
    assert exited.value.exit_code == 2
    assert captured.getvalue() == "error newsmirror.toml: first [problem]\nerror second\n"


def test_a_failure_no_rule_names_keeps_its_traceback():
    with pytest.raises(KeyError), failures_exit():
        raise KeyError("a bug")
