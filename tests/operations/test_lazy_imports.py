"""An hourly run whose feeds all answer 304 costs start-up plus one request per feed: the real `newsmirror fetch`
imports none of the parsers, sanitizers, extractors or site code, and starts no worker process.

(tests/ingest/test_fulltext_rules.py checks the same for a bare `import newsmirror.operations.fetch`.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import newsmirror
from conftest import FIXTURES, run_cli, write_config

# Written into a directory put first on the child's PYTHONPATH: Python runs it at start-up, and its exit hook
# writes, per process, what was imported by then.
_HOOK = """
import atexit, json, os, sys

def _dump():
    folder = os.environ["NEWSMIRROR_TEST_IMPORTS"]
    with open(os.path.join(folder, f"{os.getpid()}.json"), "w", encoding="utf-8") as out:
        json.dump(sorted(sys.modules), out)

atexit.register(_dump)
"""

NOT_IMPORTED = [
    # third-party parsers, sanitizers, extractors, templates, script conversion
    "trafilatura", "charset_normalizer", "feedparser", "lxml", "lxml.html", "lxml.etree", "nh3", "jinja2", "opencc",
    # the stages that need them, and the post writer that pulls in the sanitizer
    "newsmirror.ingest.feeds", "newsmirror.ingest.fulltext", "newsmirror.ingest.sanitize", "newsmirror.ingest.embeds",
    "newsmirror.ingest.media", "newsmirror.operations.writer", "newsmirror.operations.add",
]


def _modules_of_an_unchanged_run(archive: Path, tmp_path: Path) -> list[list[str]]:
    hook, dumps = tmp_path / "hook", tmp_path / "imports"
    hook.mkdir()
    dumps.mkdir()
    (hook / "sitecustomize.py").write_text(_HOOK, encoding="utf-8")
    code_root = str(Path(newsmirror.__file__).resolve().parent.parent)  # as run_cli puts it first
    path = os.pathsep.join(p for p in (str(hook), code_root, os.environ.get("PYTHONPATH", "")) if p)
    result = run_cli("fetch", "-C", str(archive), "--json", env={"PYTHONPATH": path, "NEWSMIRROR_TEST_IMPORTS": str(dumps)})
    assert result.returncode == 0, result.stderr
    assert [s["status"] for s in json.loads(result.stdout)["sources"]] == ["not_modified", "not_modified"]
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(dumps.iterdir())]


def test_a_run_whose_feeds_answer_304_imports_no_parser_sanitizer_or_site_code(server, tmp_path):
    archive = tmp_path / "archive"
    feeds = [("德国之声", "rss1.xml", "application/xml"), ("端传媒", "jsonfeed.json", "application/feed+json")]
    sources = [{"name": name, "url": server.add(f"/{file}", (FIXTURES / "feeds" / file).read_bytes(), content_type=kind),
                "mirror_images": True, "fulltext": "auto"} for name, file, kind in feeds]  # fmt: skip
    write_config(archive, sources)
    first = run_cli("fetch", "-C", str(archive), "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["new_posts"] > 0, first.stderr

    (modules,) = _modules_of_an_unchanged_run(archive, tmp_path)  # one process: no worker was started

    assert "newsmirror.operations.fetch" in modules  # the hook saw the run itself
    assert [name for name in NOT_IMPORTED if name in modules] == []
    assert [name for name in modules if name.startswith("newsmirror.site")] == []
