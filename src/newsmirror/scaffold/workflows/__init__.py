"""The GitHub Actions workflows `newsmirror init` writes into .github/workflows/."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from newsmirror.scaffold import write_missing

WORKFLOWS = ("fetch.yml", "pages.yml", "archive-request.yml")


def workflow_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def write_workflows(root: Path, force: bool = False) -> list[Path]:
    """Write each workflow that is missing (every one with `force`); returns the files written."""
    folder = root / ".github" / "workflows"
    return write_missing({folder / name: workflow_text(name) for name in WORKFLOWS}, force)
