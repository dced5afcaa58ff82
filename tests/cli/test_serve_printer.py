"""`serve` tells its watcher what happens and cli/output/serve.py prints it; nothing in site/ draws."""

from __future__ import annotations

import io

from rich.console import Console

from conftest import write_config
from newsmirror.cli.output.serve import ServePrinter
from newsmirror.config import load_config
from newsmirror.site.serve import serve_site


def test_serve_builds_first_then_says_where_it_serves(tmp_path):
    write_config(tmp_path, [])
    (tmp_path / "_site").mkdir()
    out, err = io.StringIO(), io.StringIO()
    built = []
    serve_site(load_config(tmp_path), ServePrinter(Console(file=out, width=300), Console(file=err)), first_build=built.append,
               port=0, once=True)  # fmt: skip
    assert [c.root for c in built] == [tmp_path]
    assert out.getvalue().startswith(f"Serving {tmp_path / '_site'} at http://127.0.0.1:")
    assert out.getvalue().endswith("/ (Ctrl-C stops)\n") and err.getvalue() == ""


def test_a_failed_rebuild_is_one_line():
    err = io.StringIO()
    ServePrinter(Console(file=io.StringIO()), Console(file=err, width=200)).rebuild_failed(OSError("disk full"))
    assert err.getvalue() == "error rebuild failed: disk full\n"
