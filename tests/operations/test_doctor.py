"""`newsmirror doctor` on a healthy archive and on one with every kind of problem; real Jekyll agrees."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import GOLDEN_FEED, GOLDEN_NAME, GOLDEN_POST, run_cli, write_config
from newsmirror.archive.postformat import escape_liquid, liquid_unsafe, post_filename, render_post
from newsmirror.models import Article
from newsmirror.operations.doctor import check_name


def post(title: str, link: str, content: str = "<p>x</p>", when: datetime | None = None) -> Article:
    return Article(title=title, date=when or datetime(2026, 11, 1, 8, tzinfo=UTC), author="甲", link=link,
                   source="甲", content=content)  # fmt: skip


def healthy(root: Path) -> None:
    write_config(root, [{"name": "甲", "url": "https://a.example/feed"}])
    (root / "_posts").mkdir()
    (root / "_posts" / GOLDEN_NAME).write_bytes(GOLDEN_POST.read_bytes())
    for i, content in enumerate(["<p>{{ site.title }} and {% include x %}</p>", '<img src="/assets/img/a.jpg">']):
        a = post(f"第{i}篇", f"https://a.example/{i}", content)
        (root / "_posts" / post_filename(a)).write_text(render_post(a), encoding="utf-8")
    (root / "assets" / "img").mkdir(parents=True)
    (root / "assets" / "img" / "a.jpg").write_bytes(b"\xff\xd8")


def test_a_healthy_archive_has_no_findings(tmp_path):
    healthy(tmp_path)
    result = run_cli("doctor", "-C", str(tmp_path), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"checked_posts": 3, "errors": 0, "warnings": 0, "findings": [], "revisions": {}}


def test_every_kind_of_problem_is_found_with_what_to_do(tmp_path):
    healthy(tmp_path)
    posts = tmp_path / "_posts"
    (posts / "2026-11-02-broken.md").write_text('---\ntitle: "C:\\Users"\n---\nx\n', encoding="utf-8")
    dup = post("重复", "http://a.example/0?utm_source=x")
    (posts / "2026-11-03-dup.md").write_text(render_post(dup), encoding="utf-8")
    (posts / "notes.md").write_text(render_post(post("无日期名", "https://a.example/n")), encoding="utf-8")
    (posts / "2026-13-45-bad-date.md").write_text(render_post(post("坏日期", "https://a.example/d")), encoding="utf-8")
    (posts / "2026-11-04-liquid.md").write_text(
        render_post(post("液体", "https://a.example/l")).replace("<p>x</p>", "<p>{{ site.title }}</p>"), encoding="utf-8")
    (posts / "2026-11-05-img.md").write_text(
        render_post(post("图", "https://a.example/i", '<img src="/assets/img/missing.png">')), encoding="utf-8")
    (posts / "2026-11-06-nofrom.md").write_text("---\ntitle: 无\ndate: 2026-11-06\n---\n<div>\n<p>y</p>\n</div>\n")
    (posts / "2026-11-07-nan.md").write_text("---\ntitle: 坏\ndate: Invalid Date\nfrom: https://a.example/nan\n---\nz\n")
    (tmp_path / "newsmirror.toml").write_text((tmp_path / "newsmirror.toml").read_text() + "\n[fetch]\ntimeout = 'soon'\n")

    result = run_cli("doctor", "-C", str(tmp_path), "--json")

    assert result.returncode == 1
    data = json.loads(result.stdout)
    found = {(f["path"], f["severity"]): f for f in data["findings"]}
    def problem(path, severity="error"):
        return found[(path, severity)]["problem"]
    assert "timeout" in problem("newsmirror.toml")
    assert "does not parse" in problem("_posts/2026-11-02-broken.md")
    assert "import --repair" in found[("_posts/2026-11-02-broken.md", "error")]["fix"]
    assert "same article as _posts/" in problem("_posts/2026-11-03-dup.md", "warning")
    assert "Jekyll ignores" in problem("_posts/notes.md")
    assert "impossible" in problem("_posts/2026-13-45-bad-date.md")
    assert "Liquid" in problem("_posts/2026-11-04-liquid.md")
    assert "/assets/img/missing.png" in problem("_posts/2026-11-05-img.md")
    assert "no `from:`" in problem("_posts/2026-11-06-nofrom.md", "warning")
    assert "'Invalid Date' cannot be read" in problem("_posts/2026-11-07-nan.md")
    assert all(f["fix"] for f in data["findings"])
    assert data["errors"] == 7 and data["warnings"] == 2

    text = run_cli("doctor", "-C", str(tmp_path))
    assert "→ rename it with the post's real date" in text.stdout and "7 errors, 2 warnings" in text.stdout


def test_archived_posts_are_checked_but_not_held_to_jekyll_names(tmp_path):
    healthy(tmp_path)
    folder = tmp_path / "archived" / "2024-01-15"
    folder.mkdir(parents=True)
    (folder / "NaN-NaN-NaN-x.md").write_text(render_post(post("旧", "https://a.example/old")), encoding="utf-8")
    result = run_cli("doctor", "-C", str(tmp_path), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["checked_posts"] == 4


def test_liquid_detection_matches_the_escaper():
    assert not liquid_unsafe(escape_liquid("{{ a }} {% b %} {{{ c"))
    assert liquid_unsafe("{{ a }}") and liquid_unsafe("x {% raw") and not liquid_unsafe("{ a } {x}")


def test_check_name():
    assert check_name("_posts/2026-11-01-标题.md") is None
    assert check_name("_posts/sub/2026-11-01-标题.md") is None
    assert check_name("_posts/2026-11-01-x.txt")[0] == "warning"
    assert check_name("_posts/NaN-NaN-NaN-x.md")[0] == "error"


@pytest.mark.jekyll
@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll is not installed")
def test_jekyll_agrees_a_doctor_clean_archive_builds(tmp_path, server):
    """The archive doctor passes builds with real Jekyll, and the unescaped Liquid doctor flags would not show."""
    url = server.add("/gb/n24hr.xml", GOLDEN_FEED.read_bytes())
    write_config(tmp_path, [{"name": "大纪元", "url": url}])
    assert run_cli("fetch", "-C", str(tmp_path)).returncode == 0
    (tmp_path / "_config.yml").write_text("markdown: kramdown\n")
    (tmp_path / "_layouts").mkdir()
    (tmp_path / "_layouts" / "post.html").write_text("<article>{{ content }}</article>\n")
    assert run_cli("doctor", "-C", str(tmp_path)).returncode == 0
    built = subprocess.run(["jekyll", "build", "--quiet", "-s", str(tmp_path), "-d", str(tmp_path / "_site")],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stderr
    bad = tmp_path / "_posts" / "2026-11-04-liquid.md"
    bad.write_text(render_post(post("液体", "https://a.example/l")).replace("<p>x</p>", "<p>{{ 6 | times: 7 }}</p>"))
    assert run_cli("doctor", "-C", str(tmp_path)).returncode == 1
    subprocess.run(["jekyll", "build", "--quiet", "-s", str(tmp_path), "-d", str(tmp_path / "_site")],
                   capture_output=True, timeout=300, check=True)  # fmt: skip
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "_site").rglob("*.html")]
    assert any("<p>42</p>" in page for page in pages)  # Jekyll ran it: exactly what doctor warned about
