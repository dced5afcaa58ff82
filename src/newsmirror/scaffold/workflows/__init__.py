"""The GitHub Actions workflows `newsmirror init` writes into .github/workflows/."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ...archive import write_if_changed

WORKFLOWS = ("fetch.yml", "pages.yml", "archive-request.yml")


def workflow_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def write_workflows(root: Path, force: bool = False) -> list[Path]:
    """Write each workflow that is missing (every one with `force`); returns the files written."""
    folder = root / ".github" / "workflows"
    written = []
    for name in WORKFLOWS:
        path = folder / name
        if path.exists() and not force:
            continue
        if write_if_changed(path, workflow_text(name)):
            written.append(path)
    return written
