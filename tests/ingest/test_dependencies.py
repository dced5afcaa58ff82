"""ingest/ sits below the archive, the operations and the site: its modules import only each other and the
top-level modules made for every stage, never archive, operations, site or cli (lazy imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import newsmirror

INGEST = Path(newsmirror.__file__).parent / "ingest"
ALLOWED = ("newsmirror.ingest", "newsmirror.models", "newsmirror.config", "newsmirror.urlsafety",
           "newsmirror.files", "newsmirror.workers")  # fmt: skip


def _newsmirror_imports(path: Path) -> set[str]:
    """Every newsmirror module (or `newsmirror` itself, for names such as __version__) the file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:  # relative: ingest's own
            found.add("newsmirror.ingest")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "newsmirror" or name.startswith("newsmirror.")}


def _allowed(name: str) -> bool:
    return name == "newsmirror" or any(name == top or name.startswith(top + ".") for top in ALLOWED)


def test_ingest_imports_only_ingest_and_the_shared_modules():
    wrong = sorted(
        (path.name, name)
        for path in INGEST.glob("*.py")
        for name in _newsmirror_imports(path)
        if not _allowed(name)
    )
    assert wrong == []


def test_config_imports_nothing_above_it():
    config = Path(newsmirror.__file__).parent / "config.py"
    assert {n for n in _newsmirror_imports(config) if not n.startswith(("newsmirror.files", "newsmirror.models"))} == set()
