"""What a new user meets first: `init` makes the git repository, every command finds the archive from a subfolder
as git does, and output never cuts a word — full lines to pipes and logs whatever COLUMNS says, word-wrapped
lines and tables on a terminal of any width."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from newsmirror.cli.output import print_table

LONG_URL = "https://example.org/" + "a-very-long-path-segment/" * 5 + "feed.xml"


def newsmirror(*args: str, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "newsmirror", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "mirror"
    assert newsmirror("init", str(root), cwd=root.parent).returncode == 0
    added = newsmirror("sources", "add", "长名字的来源 with words", LONG_URL, cwd=root)
    assert added.returncode == 0, added.stderr
    return root


def test_init_creates_the_repository_with_a_first_commit(archive):
    assert git("log", "--format=%s", cwd=archive).splitlines() == ["newsmirror init: settings, the site around the "
                                                                 "posts, workflows"]  # fmt: skip
    tracked = git("ls-files", cwd=archive).splitlines()
    assert {"newsmirror.toml", ".gitignore", "_config.yml"} <= set(tracked)
    assert any(name.startswith(".github/workflows/") for name in tracked)
    # only the source added since is uncommitted: the first commit held everything init wrote
    assert git("status", "--porcelain", cwd=archive).split() == ["M", "newsmirror.toml"]
    assert git("rev-parse", "--show-toplevel", cwd=archive).strip() == str(archive)


def test_init_inside_a_repository_creates_none(archive):
    inner = archive / "nested"
    result = newsmirror("init", "nested", cwd=archive)
    assert result.returncode == 0 and "inside a git repository already" in result.stdout
    assert not (inner / ".git").exists()
    assert len(git("log", "--format=%H", cwd=archive).splitlines()) == 1  # nothing committed on the user's behalf


def test_no_git_leaves_the_folder_without_a_repository(tmp_path):
    assert newsmirror("init", "--no-git", "plain", cwd=tmp_path).returncode == 0
    assert not (tmp_path / "plain" / ".git").exists()


@pytest.mark.parametrize("command", [["status"], ["sources", "list"], ["doctor"], ["size"]])
def test_every_command_finds_the_archive_from_a_subfolder(archive, command):
    subfolder = archive / "_posts"
    result = newsmirror(*command, cwd=subfolder)
    assert result.returncode == 0, result.stderr
    assert "not found" not in result.stdout + result.stderr
    assert not (subfolder / "newsmirror.toml").exists()
    with_c = newsmirror(*command, "-C", str(archive / "_posts"), cwd=archive.parent)
    assert with_c.returncode == 0 and with_c.stdout == result.stdout


def test_outside_any_archive_the_folder_itself_is_reported(tmp_path):
    result = newsmirror("status", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error {tmp_path}/newsmirror.toml: not found (run `newsmirror init` to create an archive)"


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_a_pipe_gets_full_lines_whatever_the_width(archive, columns):
    listed = newsmirror("sources", "list", cwd=archive, columns=columns).stdout
    row = next(line for line in listed.splitlines() if "长名字的来源" in line)
    assert "长名字的来源 with words" in row and LONG_URL in row  # one line: not wrapped, not cut at COLUMNS
    status = newsmirror("status", cwd=archive, columns=columns).stdout.splitlines()
    header = next(line for line in status if "last success" in line)
    assert all(word in header for word in ("source", "last error", "fails", "edit/del", "30 days"))
    widths = {cell_len(line) for line in status if line.startswith(("┃", "│", "┏", "└"))}
    assert len(widths) == 1 and widths.pop() > 80  # the whole table, not cut to the 80 columns Rich assumes


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_doctor_names_the_settings_file_once_on_one_line(tmp_path, columns):
    assert newsmirror("init", "--no-git", "m", cwd=tmp_path).returncode == 0
    with (tmp_path / "m" / "newsmirror.toml").open("a") as settings:
        settings.write("\nbroken = [\n")
    lines = newsmirror("doctor", cwd=tmp_path / "m" / "_posts", columns=columns).stdout.splitlines()
    assert lines[0].startswith("error newsmirror.toml: not valid TOML: ") and lines[0].count("newsmirror.toml") == 1
    assert lines[1].strip().startswith("→ fix the setting")


def _words_of(table: Table) -> set[str]:
    return {word for column in table.columns for cell in column.cells for word in str(cell).split()}


@pytest.mark.parametrize("width", [30, 45, 60, 80, 120, 200])
def test_a_terminal_of_any_width_never_cuts_a_word(width):
    table = Table("source", "failures in a row", "last error")
    table.add_row("自由亚洲电台RFA", "3", "HTTP 500 Internal Server Error from the upstream feed")
    table.add_row("BBC", "0", "—")
    screen = io.StringIO()
    print_table(Console(file=screen, force_terminal=True, width=width, color_system=None), table)
    text = screen.getvalue()
    printed = set(text.replace("┃", " ").replace("│", " ").replace(": ", " ").split())
    assert _words_of(table) <= printed  # every word whole on one line
    assert {"source", "failures", "row"} <= printed
    assert max(cell_len(line) for line in text.splitlines()) <= width


def test_a_wide_terminal_gets_the_table_and_a_narrow_one_a_block_per_row():
    table = Table("source", "last error")
    table.add_row("BBC", "HTTP 500 Internal Server Error")
    wide, narrow = io.StringIO(), io.StringIO()
    print_table(Console(file=wide, force_terminal=True, width=100, color_system=None), table)
    print_table(Console(file=narrow, force_terminal=True, width=20, color_system=None), table)
    assert "┃ source" in wide.getvalue()
    assert [line.rstrip() for line in narrow.getvalue().split("\n")[1:3]] == ["source: BBC", "last error: HTTP 500"]
