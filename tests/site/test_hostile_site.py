"""The hostile corpus end to end: its posts build under real Jekyll with no error, and in the site that
`newsmirror build` makes, opened in headless Chromium, no injected script runs and every title shows literally."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

import hostile
from conftest import LocalServer, post_files, run_cli, write_config
from hostile import HOOK
from newsmirror.archive.postformat import parse_post
from newsmirror.scaffold import init_archive

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")



@pytest.fixture(scope="module")
def hostile_archive(tmp_path_factory):
    server = LocalServer().start()
    other = LocalServer(host="127.0.0.2").start()
    root = tmp_path_factory.mktemp("hostile-site") / "mirror"
    try:
        init_archive(root, title="敌意测试")
        cases = hostile.install(server, other, many=False)
        write_config(root, hostile.source_settings(server, cases), extra=hostile.FETCH_SETTINGS)
        fetched = run_cli("fetch", "-C", str(root), "--json", timeout=300)
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        assert json.loads(fetched.stdout)["new_posts"] >= 75
        yield root
    finally:
        server.stop()
        other.stop()


def _titles(root: Path) -> set[str]:
    return {parse_post(p.read_text(encoding="utf-8")).title for p in post_files(root)}


@pytest.mark.jekyll
@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")
def test_every_hostile_post_builds_under_jekyll(hostile_archive, tmp_path):
    root = hostile_archive
    destination = tmp_path / "jekyll_site"
    done = subprocess.run(
        ["jekyll", "build", "--destination", str(destination)], cwd=root, capture_output=True, text=True, timeout=900
    )
    output = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    assert done.returncode == 0, output[-5000:]
    # Titles that slugify alike ("..--..--x" and "x") may share a URL under Jekyll, which it announces as a
    # Conflict (and newsmirror build keeps both); nothing else may warn.
    lines = [line.strip() for line in output.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("Conflict:"):
            del lines[index : index + 5]
    assert not [line for line in lines if re.search(r"warn|error|liquid|deprecat", line, re.I)], output[-5000:]
    pages = [p for p in destination.rglob("*.html") if p.relative_to(destination).parts[0].isdigit()]
    assert len(pages) >= 75
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>window.__xss" not in text and "onerror=" not in text.lower(), page
    liquid = [p for p in pages if "Liquid-正文" in p.name]
    assert liquid and "{{ site.time }}" in liquid[0].read_text(encoding="utf-8")  # shown, not run


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_no_injected_script_runs_in_the_built_site_and_titles_show_literally(hostile_archive, tmp_path):
    from browser import Browser
    from newsmirror.site.serve import make_server

    root = hostile_archive
    built = run_cli("build", "-C", str(root), timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    site = root / "_site"
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.relative_to(site).parts[0].isdigit())
    pages += ["index.html", "search.html", *sorted(p.relative_to(site).as_posix() for p in (site / "lists").glob("*.html"))]
    # A control page that does run a payload: proves the hook sees execution, so a silent log means something.
    (site / "xss-control.html").write_text(
        '<!doctype html><meta charset="utf-8"><img src="x" onerror="window.__xss(\'control\')">', encoding="utf-8"
    )
    server = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = Browser(tmp_path / "chromium")
    try:
        browser.call("Page.enable")
        browser.call("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        browser.html(base + "xss-control.html", "window.__xssLog.length > 0", timeout=10)
        control = browser.call("Runtime.evaluate", expression="JSON.stringify(window.__xssLog)", returnByValue=True)
        assert control["result"]["value"] == '["control"]'
        shown: set[str] = set()
        for page in pages:
            browser.html(base + quote(page))
            fired = browser.call("Runtime.evaluate", expression="JSON.stringify(window.__xssLog)", returnByValue=True)
            assert fired["result"]["value"] == "[]", (page, fired["result"]["value"])
            heading = browser.call(
                "Runtime.evaluate",
                expression="(document.querySelector('article h1, main h1, h1') || {}).textContent || ''",
                returnByValue=True,
            )
            shown.add(heading["result"]["value"].strip())
        assert browser.call("Runtime.evaluate", expression="typeof window.__xss", returnByValue=True)["result"]["value"] == "function"
    finally:
        browser.close()
        server.shutdown()
        server.server_close()
    missing = sorted(t for t in _titles(root) if t.strip() not in shown)
    assert not missing, missing[:10]
